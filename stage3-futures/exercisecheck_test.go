package futures

// The checkers of the chapter's exercises, separated from the answer they
// check: exercises_test.go (build tag `exercises`) runs them on your answer,
// exerciseanswers_test.go on a model answer and on the wrong answers each
// must reject. Every loop runs with a deadline, so that a wrong answer fails
// instead of hanging.

import (
	"errors"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	"github.com/gornado/gornado/internal/workload"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// anyOfFunc is the signature of exercise 1, AnyOf.
type anyOfFunc func(fs ...*Future) *Future

// withTimeoutFunc is the signature of exercise 2, WithTimeout.
type withTimeoutFunc func(l *callbacks.Loop, f *Future, d time.Duration) *Future

// runUntilDone runs l until f is done or 5s have passed (the loop is then
// stopped by a timer of its own), and fails the test if the loop has not
// returned 10s later, which only an answer that blocks the loop's goroutine
// can cause.
func runUntilDone(t exercisetest.T, l *callbacks.Loop, f *Future) {
	t.Helper()
	f.AddDoneCallback(func(*Future) { l.Stop() })
	l.CallLater(5*time.Second, l.Stop)
	var err error
	exercisetest.Within(t, 10*time.Second, 10*time.Second, "the loop", func() { err = l.Start() })
	require.NoError(t, err)
	require.True(t, f.Done(), "not done after 5s")
}

func exerciseLoop(t exercisetest.T) *callbacks.Loop {
	t.Helper()
	l, err := callbacks.NewLoop()
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// checkAnyOf is exercise 1: AnyOf resolves with the first Future to finish.
// No loop is needed but for the real fetches: a Future runs its callbacks on
// whoever resolves it.
func checkAnyOf(anyOf anyOfFunc) []exercisetest.Case {
	return []exercisetest.Case{
		{Name: "the second finishes first", Check: func(t exercisetest.T) {
			a, b, c := New(), New(), New()
			any := anyOf(a, b, c)
			assert.False(t, any.Done(), "nothing has finished yet")
			require.NoError(t, b.SetResult("b"))
			require.True(t, any.Done())
			v, err := any.Result()
			assert.NoError(t, err)
			assert.Equal(t, "b", v)

			require.NoError(t, a.SetResult("a"), "the others still resolve normally")
			require.NoError(t, c.SetException(errors.New("c failed")))
			v, _ = any.Result()
			assert.Equal(t, "b", v, "later outcomes change nothing")
		}},
		{Name: "a failure finishes first too", Check: func(t exercisetest.T) {
			boom := errors.New("boom")
			a, b := New(), New()
			any := anyOf(a, b)
			require.NoError(t, a.SetException(boom))
			assert.ErrorIs(t, any.Exception(), boom)
			require.NoError(t, b.SetResult("late"))
			assert.ErrorIs(t, any.Exception(), boom)
		}},
		{Name: "already done: the first in the order given", Check: func(t exercisetest.T) {
			any := anyOf(New(), Resolved(2), Resolved(3))
			require.True(t, any.Done(), "resolved at once")
			v, err := any.Result()
			assert.NoError(t, err)
			assert.Equal(t, 2, v)
		}},
		{Name: "no futures", Check: func(t exercisetest.T) {
			any := anyOf()
			require.True(t, any.Done())
			assert.ErrorIs(t, any.Exception(), ErrNoFutures)
		}},
		{Name: "the first page of two real fetches", Check: func(t exercisetest.T) {
			srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })
			l := exerciseLoop(t)

			slow := FetchFuture(l, srv.PageURL(1)+"?delay=400ms")
			fast := FetchFuture(l, srv.PageURL(2)+"?delay=10ms")
			first := anyOf(slow, fast)
			runUntilDone(t, l, first)
			v, err := first.Result()
			require.NoError(t, err)
			assert.Equal(t, "page 2\n", string(v.([]byte)))
			assert.False(t, slow.Done(), "the slow page is still on its way")
		}},
	}
}

// checkWithTimeout is exercise 2: WithTimeout gives up on a Future that
// takes too long, and only on one that does.
func checkWithTimeout(withTimeout withTimeoutFunc) []exercisetest.Case {
	fetch := func(t exercisetest.T, url string, d time.Duration) (*Future, time.Duration) {
		srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
		require.NoError(t, err)
		t.Cleanup(func() { srv.Close() })
		l := exerciseLoop(t)
		start := time.Now()
		var f *Future
		l.AddCallback(func() {
			f = withTimeout(l, FetchFuture(l, srv.URL+url), d)
			f.AddDoneCallback(func(*Future) { l.Stop() })
		})
		l.CallLater(5*time.Second, l.Stop) // fail, do not hang, if f is never done
		var lerr error
		exercisetest.Within(t, 10*time.Second, 10*time.Second, "the loop", func() { lerr = l.Start() })
		require.NoError(t, lerr)
		require.True(t, f != nil && f.Done(), "not done after 5s")
		return f, time.Since(start)
	}
	return []exercisetest.Case{
		{Name: "too slow: ErrTimeout after d", Check: func(t exercisetest.T) {
			f, took := fetch(t, "/page/1?delay=2s", 100*time.Millisecond)
			assert.ErrorIs(t, f.Exception(), ErrTimeout)
			assert.GreaterOrEqual(t, took, 100*time.Millisecond)
			assert.Less(t, took, time.Second, "the timeout did not fire")
		}},
		{Name: "fast enough: the page", Check: func(t exercisetest.T) {
			f, _ := fetch(t, "/page/2", time.Second)
			v, err := f.Result()
			require.NoError(t, err)
			assert.Equal(t, "page 2\n", string(v.([]byte)))
		}},
		{Name: "fails fast: that error, not the timeout", Check: func(t exercisetest.T) {
			f, _ := fetch(t, "/page/3?status=404", time.Second)
			var he *callbacks.HTTPError
			require.ErrorAs(t, f.Exception(), &he)
			assert.Equal(t, 404, he.Code)
		}},
	}
}
