package futures

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		resolve   func(a *Future)
		result    any
		err       error
		cancelled bool
	}{
		{"result", func(a *Future) { _ = a.SetResult("x") }, "x", nil, false},
		{"error", func(a *Future) { _ = a.SetException(errBoom) }, nil, errBoom, false},
		{"cancelled", func(a *Future) { a.Cancel() }, nil, ErrCancelled, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := New(), New()
			Chain(a, b)
			assert.False(t, b.Done())
			tc.resolve(a)
			require.True(t, b.Done())
			v, err := b.Result()
			assert.Equal(t, tc.result, v)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.cancelled, b.Cancelled())
		})
	}
}

// As in Tornado, b keeps what it has when it is done before a is.
func TestChainIntoADoneFuture(t *testing.T) {
	a, b := New(), New()
	Chain(a, b)
	require.True(t, b.Cancel())
	require.NoError(t, a.SetResult("late"))
	assert.True(t, b.Cancelled())
}

func TestChainFromADoneFuture(t *testing.T) {
	b := New()
	Chain(Resolved(7), b)
	v, err := b.Result()
	require.NoError(t, err)
	assert.Equal(t, 7, v)
}

// Then steps run in order on the results; an error skips every later step
// and arrives at the end of the chain untouched.
func TestThenPropagatesErrors(t *testing.T) {
	double := func(v any) (any, error) { return v.(int) * 2, nil }
	failOn := func(bad int) func(any) (any, error) {
		return func(v any) (any, error) {
			if v.(int) == bad {
				return nil, errBoom
			}
			return v, nil
		}
	}
	for _, tc := range []struct {
		name  string
		start *Future
		steps []func(any) (any, error)
		want  any
		err   error
		ran   int // how many steps ran
	}{
		{"all succeed", Resolved(1), []func(any) (any, error){double, double, double}, 8, nil, 3},
		{"the source fails", Failed(errBoom), []func(any) (any, error){double, double}, nil, errBoom, 0},
		{"a middle step fails", Resolved(1), []func(any) (any, error){double, failOn(2), double}, nil, errBoom, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran := 0
			f := tc.start
			for _, step := range tc.steps {
				f = f.Then(func(v any) (any, error) { ran++; return step(v) })
			}
			v, err := f.Result()
			assert.Equal(t, tc.want, v)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.ran, ran)
		})
	}
}

func TestThenWaitsForTheSource(t *testing.T) {
	src := New()
	g := src.Then(func(v any) (any, error) { return v.(string) + "!", nil })
	assert.False(t, g.Done())
	require.NoError(t, src.SetResult("hi"))
	v, err := g.Result()
	require.NoError(t, err)
	assert.Equal(t, "hi!", v)
}

// Cancelling the end of a chain drops the result when it comes.
func TestThenIntoACancelledFuture(t *testing.T) {
	src := New()
	g := src.Then(func(v any) (any, error) { return v, nil })
	require.True(t, g.Cancel())
	require.NoError(t, src.SetResult(1))
	assert.True(t, g.Cancelled())
}

// AndThen sequences asynchronous steps: the second starts only when the
// first has succeeded, and its outcome, later, becomes the chain's.
func TestAndThen(t *testing.T) {
	first, second := New(), New()
	var gotInput any
	chain := first.AndThen(func(v any) *Future { gotInput = v; return second })
	require.NoError(t, first.SetResult("page 0"))
	assert.Equal(t, "page 0", gotInput)
	assert.False(t, chain.Done(), "done before the second step")
	require.NoError(t, second.SetResult("page 1"))
	v, err := chain.Result()
	require.NoError(t, err)
	assert.Equal(t, "page 1", v)
}

func TestAndThenPropagatesErrors(t *testing.T) {
	t.Run("first fails", func(t *testing.T) {
		ran := false
		chain := Failed(errBoom).AndThen(func(any) *Future { ran = true; return Resolved(1) })
		assert.ErrorIs(t, chain.Exception(), errBoom)
		assert.False(t, ran)
	})
	t.Run("second fails", func(t *testing.T) {
		chain := Resolved(1).AndThen(func(any) *Future { return Failed(errBoom) })
		assert.ErrorIs(t, chain.Exception(), errBoom)
	})
}

func TestAll(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	for _, tc := range []struct {
		name     string
		outcomes []error // nil: succeeds with its index
		order    []int   // the order in which they resolve
		err      error
	}{
		{"none", nil, nil, nil},
		{"all succeed, in order", []error{nil, nil, nil}, []int{0, 1, 2}, nil},
		{"all succeed, reversed", []error{nil, nil, nil}, []int{2, 1, 0}, nil},
		{"one fails", []error{nil, errA, nil}, []int{1, 0, 2}, errA},
		{"two fail: the first in the list wins, not the first to fail", []error{nil, errA, errB}, []int{2, 1, 0}, errA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := make([]*Future, len(tc.outcomes))
			for i := range fs {
				fs[i] = New()
			}
			all := All(fs...)
			for _, i := range tc.order {
				// All waits for every Future, even after one has failed.
				assert.False(t, all.Done(), "done before the last Future")
				if tc.outcomes[i] != nil {
					require.NoError(t, fs[i].SetException(tc.outcomes[i]))
				} else {
					require.NoError(t, fs[i].SetResult(i))
				}
			}
			require.True(t, all.Done())
			v, err := all.Result()
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Nil(t, v)
				return
			}
			require.NoError(t, err)
			want := make([]any, len(fs))
			for i := range want {
				want[i] = i
			}
			assert.Equal(t, want, v)
		})
	}
}

func TestAllOfDoneFutures(t *testing.T) {
	v, err := All(Resolved("a"), Resolved("b")).Result()
	require.NoError(t, err)
	assert.Equal(t, []any{"a", "b"}, v)
}
