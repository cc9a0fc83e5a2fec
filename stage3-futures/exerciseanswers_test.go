package futures

// Spoilers: a model answer to each of the chapter's exercises, and the wrong
// answers the exercise tests must reject. TestExerciseCheckers runs the
// checkers of exercisecheck_test.go on all of them, so CI checks that the
// exercise tests would catch each mistake, within their deadlines:
//
//	go test -v -run TestExerciseCheckers ./stage3-futures/

import (
	"testing"
	"time"

	"github.com/gornado/gornado/internal/exercisetest"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// modelAnyOf copies the outcome of whichever Future is done first.
func modelAnyOf(fs ...*Future) *Future {
	if len(fs) == 0 {
		return Failed(ErrNoFutures)
	}
	first := New()
	for _, f := range fs {
		f.AddDoneCallback(func(f *Future) {
			if !first.Done() {
				v, err := f.Result()
				settle(first, v, err)
			}
		})
	}
	return first
}

// allOf waits for every Future: All, not AnyOf.
func allOf(fs ...*Future) *Future {
	if len(fs) == 0 {
		return Failed(ErrNoFutures)
	}
	return All(fs...).Then(func(v any) (any, error) { return v.([]any)[0], nil })
}

// firstGiven follows the first Future given, whenever the others finish.
func firstGiven(fs ...*Future) *Future {
	if len(fs) == 0 {
		return Failed(ErrNoFutures)
	}
	out := New()
	Chain(fs[0], out)
	return out
}

// firstSuccess counts only results: a failure never finishes it.
func firstSuccess(fs ...*Future) *Future {
	if len(fs) == 0 {
		return Failed(ErrNoFutures)
	}
	first := New()
	for _, f := range fs {
		f.AddDoneCallback(func(f *Future) {
			if v, err := f.Result(); err == nil && !first.Done() {
				_ = first.SetResult(v)
			}
		})
	}
	return first
}

// modelWithTimeout: a timer that fails the result, cancelled when f is done
// first.
func modelWithTimeout(l *callbacks.Loop, f *Future, d time.Duration) *Future {
	out := New()
	timer := l.CallLater(d, func() { _ = out.SetException(ErrTimeout) })
	f.AddDoneCallback(func(f *Future) {
		timer.Cancel()
		if !out.Done() {
			v, err := f.Result()
			settle(out, v, err)
		}
	})
	return out
}

// clockWithTimeout waits for f, then looks at the clock: a Future that never
// comes is waited for for ever.
func clockWithTimeout(l *callbacks.Loop, f *Future, d time.Duration) *Future {
	start := time.Now()
	out := New()
	f.AddDoneCallback(func(f *Future) {
		if time.Since(start) > d {
			_ = out.SetException(ErrTimeout)
			return
		}
		v, err := f.Result()
		settle(out, v, err)
	})
	return out
}

// sleepingWithTimeout blocks the loop for d with time.Sleep, then looks: the
// fetch cannot progress meanwhile, since the loop is asleep.
func sleepingWithTimeout(l *callbacks.Loop, f *Future, d time.Duration) *Future {
	out := New()
	l.AddCallback(func() {
		time.Sleep(d)
		if !f.Done() {
			_ = out.SetException(ErrTimeout)
			return
		}
		v, err := f.Result()
		settle(out, v, err)
	})
	return out
}

func TestExerciseCheckers(t *testing.T) {
	t.Run("AnyOf", func(t *testing.T) {
		exercisetest.Reject(t, checkAnyOf, modelAnyOf, []exercisetest.Wrong[anyOfFunc]{
			{Mistake: "the starting point: not implemented", Answer: AnyOf},
			{Mistake: "waits for all of them", Answer: allOf},
			{Mistake: "the first given, not the first done", Answer: firstGiven},
			{Mistake: "a failure does not count", Answer: firstSuccess},
		})
	})
	t.Run("WithTimeout", func(t *testing.T) {
		exercisetest.Reject(t, checkWithTimeout, modelWithTimeout, []exercisetest.Wrong[withTimeoutFunc]{
			{Mistake: "the starting point: no timeout", Answer: WithTimeout},
			{Mistake: "looks at the clock when f is done, sets no timer", Answer: clockWithTimeout},
			{Mistake: "time.Sleep on the loop", Answer: sleepingWithTimeout},
		})
	})
}
