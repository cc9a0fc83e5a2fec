// A fake testing.TB that records failures instead of reporting them, for
// the tests of the failure paths and for the examples, which run outside
// go test's runner.

package webtest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeT is a testing.TB that records failures instead of reporting them.
// Like testing's, FailNow (and so Fatal, Fatalf, SkipNow) ends the
// goroutine it is called on; the cleanups run when the body ends.
type fakeT struct {
	// TB is nil: it only gives fakeT testing.TB's unexported method.
	// Calling a method fakeT does not define panics.
	testing.TB

	// mu guards the fields below: webtest reports from the loop's
	// goroutine too.
	mu       sync.Mutex
	errors   []string
	logs     []string
	failed   bool
	skipped  bool
	cleanups []func()
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return "fake" }

func (f *fakeT) record(fatal bool, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
	if fatal {
		msg = "FATAL " + msg
	}
	f.errors = append(f.errors, msg)
}

func (f *fakeT) Errorf(format string, args ...any) { f.record(false, fmt.Sprintf(format, args...)) }
func (f *fakeT) Error(args ...any)                 { f.record(false, fmt.Sprint(args...)) }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.record(true, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (f *fakeT) Fatal(args ...any) {
	f.record(true, fmt.Sprint(args...))
	runtime.Goexit()
}

func (f *fakeT) Fail() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
}

func (f *fakeT) FailNow() {
	f.Fail()
	runtime.Goexit()
}

func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *fakeT) SkipNow() {
	f.mu.Lock()
	f.skipped = true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Log(args ...any) { f.Logf("%s", fmt.Sprint(args...)) }

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// report returns everything recorded, errors then logs.
func (f *fakeT) report() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.errors, "\n") + "\n--- logs:\n" + strings.Join(f.logs, "\n")
}

// run runs body as a test on f, then its cleanups (last in, first out),
// and reports whether that ended within 30 seconds.
func (f *fakeT) run(body func(t testing.TB)) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for {
				f.mu.Lock()
				n := len(f.cleanups)
				if n == 0 {
					f.mu.Unlock()
					return
				}
				fn := f.cleanups[n-1]
				f.cleanups = f.cleanups[:n-1]
				f.mu.Unlock()
				// A cleanup's FailNow ends only that cleanup, as in
				// testing.
				ran := make(chan struct{})
				go func() {
					defer close(ran)
					fn()
				}()
				<-ran
			}
		}()
		body(f)
	}()
	select {
	case <-done:
		return true
	case <-time.After(30 * time.Second):
		return false
	}
}

// runFake runs body as a test on a fake T and returns the fake; the real
// test fails if that does not end.
func runFake(t *testing.T, body func(t testing.TB)) *fakeT {
	t.Helper()
	f := &fakeT{}
	if !f.run(body) {
		t.Fatal("the fake test did not end")
	}
	return f
}

// runTest stands, in the examples, for go test running a test function:
// it runs body as a test and prints the first line of each failure.
func runTest(body func(t testing.TB)) {
	f := &fakeT{}
	if !f.run(body) {
		fmt.Println("the test did not end")
	}
	for _, e := range f.errors {
		first, _, _ := strings.Cut(strings.TrimPrefix(e, "FATAL "), "\n")
		fmt.Println("FAIL:", first)
	}
}
