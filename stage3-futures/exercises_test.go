//go:build exercises

package futures

// The tests of the chapter's exercises. They fail until the exercise is done:
//
//	go test -tags exercises -run Exercise ./stage3-futures/

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// Exercise 1: AnyOf resolves with the first Future to finish. No loop is
// needed: a Future runs its callbacks on whoever resolves it.
func TestExercise1AnyOf(t *testing.T) {
	t.Run("the second finishes first", func(t *testing.T) {
		a, b, c := New(), New(), New()
		any := AnyOf(a, b, c)
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
	})

	t.Run("a failure finishes first too", func(t *testing.T) {
		boom := errors.New("boom")
		a, b := New(), New()
		any := AnyOf(a, b)
		require.NoError(t, a.SetException(boom))
		assert.ErrorIs(t, any.Exception(), boom)
		require.NoError(t, b.SetResult("late"))
		assert.ErrorIs(t, any.Exception(), boom)
	})

	t.Run("already done: the first in the order given", func(t *testing.T) {
		any := AnyOf(New(), Resolved(2), Resolved(3))
		require.True(t, any.Done(), "resolved at once")
		v, err := any.Result()
		assert.NoError(t, err)
		assert.Equal(t, 2, v)
	})

	t.Run("no futures", func(t *testing.T) {
		any := AnyOf()
		require.True(t, any.Done())
		assert.ErrorIs(t, any.Exception(), ErrNoFutures)
	})

	t.Run("the first page of two real fetches", func(t *testing.T) {
		srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
		require.NoError(t, err)
		defer srv.Close()
		l, err := callbacks.NewLoop()
		require.NoError(t, err)
		defer l.Close()

		slow := FetchFuture(l, srv.PageURL(1)+"?delay=400ms")
		fast := FetchFuture(l, srv.PageURL(2)+"?delay=10ms")
		first := AnyOf(slow, fast)
		first.AddDoneCallback(func(*Future) { l.Stop() })
		require.NoError(t, l.Start())
		v, err := first.Result()
		require.NoError(t, err)
		assert.Equal(t, "page 2\n", string(v.([]byte)))
		assert.False(t, slow.Done(), "the slow page is still on its way")
	})
}

// Exercise 2: WithTimeout gives up on a Future that takes too long.
func TestExercise2WithTimeout(t *testing.T) {
	srv, err := workload.Start("127.0.0.1:0", 50*time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()

	fetch := func(t *testing.T, url string, d time.Duration) (*Future, time.Duration) {
		l, err := callbacks.NewLoop()
		require.NoError(t, err)
		defer l.Close()
		start := time.Now()
		f := WithTimeout(l, FetchFuture(l, url), d)
		f.AddDoneCallback(func(*Future) { l.Stop() })
		l.CallLater(5*time.Second, l.Stop) // fail, do not hang, if f is never done
		require.NoError(t, l.Start())
		require.True(t, f.Done(), "not done after 5s")
		return f, time.Since(start)
	}

	t.Run("too slow: ErrTimeout after d", func(t *testing.T) {
		f, took := fetch(t, srv.PageURL(1)+"?delay=2s", 100*time.Millisecond)
		assert.ErrorIs(t, f.Exception(), ErrTimeout)
		assert.GreaterOrEqual(t, took, 100*time.Millisecond)
		assert.Less(t, took, time.Second, "the timeout did not fire")
	})

	t.Run("fast enough: the page", func(t *testing.T) {
		f, _ := fetch(t, srv.PageURL(2), time.Second)
		v, err := f.Result()
		require.NoError(t, err)
		assert.Equal(t, "page 2\n", string(v.([]byte)))
	})

	t.Run("fails fast: that error, not the timeout", func(t *testing.T) {
		f, _ := fetch(t, srv.PageURL(3)+"?status=404", time.Second)
		var he *callbacks.HTTPError
		require.ErrorAs(t, f.Exception(), &he)
		assert.Equal(t, 404, he.Code)
	})
}
