// Package exercisetest is what the learning path's exercise tests share: a
// checker written once runs both on the reader's answer (the build-tagged
// exercises_test.go of each stage) and on a table of wrong answers that it
// must reject (an ordinary test, so CI checks the rejection), and every call
// into an answer has its own deadline, so that a wrong answer fails the test
// instead of hanging it until go test's ten-minute timeout.
package exercisetest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// T is what a checker needs from a test. A *testing.T has it; so does the
// recorder that Reject runs a wrong answer with, which notes a failure
// instead of failing the test around it. testify's assert and require accept
// any T.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
	Cleanup(func())
}

// A Case is one named check of an exercise: what a subtest was before the
// checker was separated from the answer it checks.
type Case struct {
	Name  string
	Check func(t T)
}

// Run runs each case as a subtest of t: how an exercise test checks the
// reader's answer.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { c.Check(t) })
	}
}

// A Wrong is a wrong answer to an exercise, named by the mistake it makes.
type Wrong[S any] struct {
	Mistake string
	Answer  S
}

// caseLimit bounds one case run on a wrong answer, on top of the deadlines
// the checker sets itself: if a checker forgot one, Reject fails instead of
// hanging.
const caseLimit = 30 * time.Second

// Reject runs the checker on a model answer, which must pass every case, and
// on each wrong answer, which must fail at least one case within that case's
// own deadline. The run of a wrong answer stops at the first case that
// rejects it, and logs which case and why, so that `go test -v` shows what
// each mistake is caught by.
func Reject[S any](t *testing.T, checker func(S) []Case, model S, wrongs []Wrong[S]) {
	t.Helper()
	t.Run("model answer", func(t *testing.T) { Run(t, checker(model)) })
	for _, w := range wrongs {
		t.Run("wrong/"+w.Mistake, func(t *testing.T) {
			for _, c := range checker(w.Answer) {
				start := time.Now()
				rec := &recorder{}
				done := make(chan struct{})
				go func() {
					defer close(done)
					rec.run(c.Check)
				}()
				select {
				case <-done:
				case <-time.After(caseLimit):
					t.Fatalf("case %q hung on this wrong answer for %v: the checker lacks a deadline", c.Name, caseLimit)
				}
				if msg, at, failed := rec.outcome(); failed {
					t.Logf("rejected by %q after %v: %s", c.Name, at.Sub(start).Round(time.Millisecond), summary(msg))
					return
				}
			}
			t.Errorf("no case rejected this wrong answer")
		})
	}
}

// summary shortens a testify message to its Error and Messages lines, and to
// at most 300 bytes, for the log of a rejection.
func summary(s string) string {
	out := keyLines(s)
	if len(out) > 300 {
		out = out[:300] + "..."
	}
	return out
}

func keyLines(s string) string {
	s = strings.TrimSpace(s)
	// testify's messages are several lines; the Error and Messages lines say
	// what went wrong, so keep those.
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "Error:") || strings.HasPrefix(l, "Messages:") || strings.HasPrefix(l, "expected") || strings.HasPrefix(l, "actual") {
			keep = append(keep, strings.Join(strings.Fields(l), " "))
		}
	}
	if len(keep) == 0 {
		return strings.Join(strings.Fields(s), " ")
	}
	return strings.Join(keep, "; ")
}

// recorder is a T that records failures. FailNow ends the goroutine that
// calls it, as testing.T's does; the cleanups run after the check, last
// registered first, each on its own goroutine so that a FailNow in one does
// not skip the others.
type recorder struct {
	mu       sync.Mutex
	failed   bool
	at       time.Time // when the first failure was recorded
	msgs     []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.failed {
		r.at = time.Now()
	}
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() {
	r.mu.Lock()
	if !r.failed {
		r.at = time.Now()
	}
	r.failed = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Logf(string, ...any) {}

func (r *recorder) Cleanup(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, fn)
}

func (r *recorder) run(check func(T)) {
	isolated(func() { check(r) })
	for {
		r.mu.Lock()
		n := len(r.cleanups)
		if n == 0 {
			r.mu.Unlock()
			return
		}
		fn := r.cleanups[n-1]
		r.cleanups = r.cleanups[:n-1]
		r.mu.Unlock()
		isolated(fn)
	}
}

// outcome is what the check recorded: its messages, when it first failed,
// and whether it failed at all.
func (r *recorder) outcome() (string, time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n"), r.at, r.failed
}

// isolated runs fn on a goroutine of its own and waits for it, so that a
// runtime.Goexit inside fn ends only fn.
func isolated(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// Within calls call on a goroutine of its own and waits at most d for it to
// return. A call still running after d fails the test at once ("what did not
// return within d"), which is how a wrong answer that blocks (a time.Sleep on
// the loop's goroutine, a read that waits for a close that never comes)
// fails instead of hanging. The abandoned goroutine is given up to grace to
// finish before the test's earlier cleanups close what it may still use.
func Within(t T, d, grace time.Duration, what string, call func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	select {
	case <-done:
		return
	case <-time.After(d):
	}
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(grace):
		}
	})
	t.Errorf("%s did not return within %v: a wrong answer must fail, not hang", what, d)
	t.FailNow()
}
