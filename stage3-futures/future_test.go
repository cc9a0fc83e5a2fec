package futures

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errBoom = errors.New("boom")

func TestNewFutureIsPending(t *testing.T) {
	f := New()
	assert.False(t, f.Done())
	assert.False(t, f.Cancelled())
	v, err := f.Result()
	assert.Nil(t, v)
	assert.ErrorIs(t, err, ErrNotDone)
	assert.ErrorIs(t, f.Exception(), ErrNotDone)
}

// Every way a Future can end, and what it reports afterwards.
func TestResolvingAFuture(t *testing.T) {
	for _, tc := range []struct {
		name      string
		make      func() *Future
		result    any
		err       error
		cancelled bool
	}{
		{"SetResult", func() *Future { f := New(); require.NoError(t, f.SetResult(42)); return f }, 42, nil, false},
		{"SetResult(nil)", func() *Future { f := New(); require.NoError(t, f.SetResult(nil)); return f }, nil, nil, false},
		{"SetException", func() *Future { f := New(); require.NoError(t, f.SetException(errBoom)); return f }, nil, errBoom, false},
		{"Cancel", func() *Future { f := New(); require.True(t, f.Cancel()); return f }, nil, ErrCancelled, true},
		{"Resolved", func() *Future { return Resolved("page") }, "page", nil, false},
		{"Failed", func() *Future { return Failed(errBoom) }, nil, errBoom, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.make()
			assert.True(t, f.Done())
			assert.Equal(t, tc.cancelled, f.Cancelled())
			v, err := f.Result()
			assert.Equal(t, tc.result, v)
			assert.ErrorIs(t, f.Exception(), tc.err)
			if tc.err == nil {
				assert.NoError(t, err)
				assert.NoError(t, f.Exception())
			} else {
				assert.ErrorIs(t, err, tc.err)
			}
		})
	}
}

// Resolving twice is an error that names what the Future already holds,
// never a silent overwrite; and cancelling a done Future does nothing.
func TestResolvingTwiceIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first func(*Future)
		holds string
	}{
		{"after a result", func(f *Future) { _ = f.SetResult("first") }, "result: first"},
		{"after an error", func(f *Future) { _ = f.SetException(errBoom) }, "error: boom"},
		{"after Cancel", func(f *Future) { f.Cancel() }, "cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New()
			tc.first(f)
			before, beforeErr := f.Result()

			err := f.SetResult("second")
			assert.ErrorIs(t, err, ErrAlreadyDone)
			assert.ErrorContains(t, err, tc.holds)
			assert.ErrorIs(t, f.SetException(errors.New("second")), ErrAlreadyDone)
			assert.False(t, f.Cancel())

			after, afterErr := f.Result()
			assert.Equal(t, before, after)
			assert.Equal(t, beforeErr, afterErr)
		})
	}
}

func TestSetExceptionNil(t *testing.T) {
	f := New()
	assert.Error(t, f.SetException(nil))
	assert.False(t, f.Done(), "a nil error must not resolve the Future")
}

func TestDoneCallbacksRunInOrderWhenResolved(t *testing.T) {
	f := New()
	var got []string
	for _, name := range []string{"a", "b", "c"} {
		f.AddDoneCallback(func(g *Future) {
			assert.Same(t, f, g)
			assert.True(t, g.Done(), "a callback sees the Future done")
			got = append(got, name)
		})
	}
	assert.Empty(t, got, "callbacks ran before the Future was done")
	require.NoError(t, f.SetResult(1))
	assert.Equal(t, []string{"a", "b", "c"}, got)
	require.Error(t, f.SetResult(2))
	assert.Len(t, got, 3, "callbacks ran twice")
}

// A callback added to a done Future runs at once, before AddDoneCallback
// returns: the seed's add_done_callback promises it will always be called.
func TestCallbackAddedAfterCompletionRunsAtOnce(t *testing.T) {
	for _, f := range []*Future{Resolved(1), Failed(errBoom), func() *Future { f := New(); f.Cancel(); return f }()} {
		ran := false
		f.AddDoneCallback(func(*Future) { ran = true })
		assert.True(t, ran)
	}
}

// A callback that adds another callback to the same Future, while the Future
// is running its callbacks, gets it run too (at once: the Future is done).
func TestCallbackAddingACallback(t *testing.T) {
	f := New()
	var got []string
	f.AddDoneCallback(func(f *Future) {
		got = append(got, "outer")
		f.AddDoneCallback(func(*Future) { got = append(got, "inner") })
	})
	f.AddDoneCallback(func(*Future) { got = append(got, "second") })
	require.NoError(t, f.SetResult(nil))
	assert.Equal(t, []string{"outer", "inner", "second"}, got)
}

// Cancel runs the callbacks like any other outcome, so waiters are not left
// hanging.
func TestCancelRunsCallbacks(t *testing.T) {
	f := New()
	var err error
	f.AddDoneCallback(func(f *Future) { _, err = f.Result() })
	require.True(t, f.Cancel())
	assert.ErrorIs(t, err, ErrCancelled)
	assert.True(t, f.Cancelled())
}

// Many Futures at once, resolved in reverse order: each callback sees its own
// Future's result.
func TestManyFutures(t *testing.T) {
	const n = 10000
	fs := make([]*Future, n)
	got := make([]any, n)
	for i := range fs {
		fs[i] = New()
		fs[i].AddDoneCallback(func(f *Future) { got[i], _ = f.Result() })
	}
	for i := n - 1; i >= 0; i-- {
		require.NoError(t, fs[i].SetResult(i))
	}
	for i := range got {
		require.Equal(t, i, got[i])
	}
}

func TestErrorsWrapAndMatch(t *testing.T) {
	f := New()
	require.NoError(t, f.SetException(fmt.Errorf("fetching page 3: %w", errBoom)))
	assert.ErrorIs(t, f.Exception(), errBoom)
}

func BenchmarkFutureCreateResolve(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := New()
		_ = f.SetResult(i)
	}
}

func BenchmarkFutureCreateCallbackResolve(b *testing.B) {
	b.ReportAllocs()
	sum := 0
	cb := func(f *Future) { v, _ := f.Result(); sum += v.(int) }
	for i := 0; i < b.N; i++ {
		f := New()
		f.AddDoneCallback(cb)
		_ = f.SetResult(i)
	}
}

func BenchmarkFutureThen(b *testing.B) {
	b.ReportAllocs()
	inc := func(v any) (any, error) { return v.(int) + 1, nil }
	for i := 0; i < b.N; i++ {
		f := New()
		g := f.Then(inc)
		_ = f.SetResult(i)
		_, _ = g.Result()
	}
}

func BenchmarkAll100(b *testing.B) {
	b.ReportAllocs()
	fs := make([]*Future, 100)
	for i := 0; i < b.N; i++ {
		for j := range fs {
			fs[j] = New()
		}
		all := All(fs...)
		for j, f := range fs {
			_ = f.SetResult(j)
		}
		if !all.Done() {
			b.Fatal("All not done")
		}
	}
}
