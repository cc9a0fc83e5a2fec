package coroutines

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gornado/gornado/stage3-futures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// laterValue is a stand-in for any asynchronous operation: a Future that is
// done with v after d, resolved on the loop.
func laterValue(loop Loop, d time.Duration, v any, err error) *futures.Future {
	f := futures.New()
	time.AfterFunc(d, func() {
		loop.AddCallback(func() {
			if err != nil {
				_ = f.SetException(err)
				return
			}
			_ = f.SetResult(v)
		})
	})
	return f
}

// 并行方式: a slice of Futures gives a slice of results in the same order,
// whatever order the Futures finish in.
func TestParallelSliceKeepsOrder(t *testing.T) {
	loop, r, logs := newRunner(t)
	v, err := r.RunSync(func(await Await) (any, error) {
		return await(r.Multi([]*futures.Future{
			laterValue(loop, 30*time.Millisecond, "slow", nil),
			laterValue(loop, 1*time.Millisecond, "fast", nil),
			futures.Resolved("ready"),
		}))
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []any{"slow", "fast", "ready"}, v)
	assert.Empty(t, logs.String())

	v, err = r.RunSync(func(await Await) (any, error) { return await(r.Multi(nil)) }, time.Second)
	require.NoError(t, err)
	assert.Equal(t, []any{}, v)
}

func TestParallelMapKeepsKeys(t *testing.T) {
	loop, r, _ := newRunner(t)
	v, err := r.RunSync(func(await Await) (any, error) {
		return await(r.MultiMap(map[string]*futures.Future{
			"a": laterValue(loop, 20*time.Millisecond, 1, nil),
			"b": laterValue(loop, 1*time.Millisecond, 2, nil),
		}))
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 1, "b": 2}, v)
}

// The first error in order wins, even when a later Future fails sooner; the
// other errors are logged, not lost; and Multi waits for every Future.
func TestParallelFirstErrorWinsOthersLogged(t *testing.T) {
	loop, r, logs := newRunner(t)
	slowOK := laterValue(loop, 40*time.Millisecond, "ok", nil)
	fs := []*futures.Future{
		laterValue(loop, 20*time.Millisecond, nil, errors.New("first in order")),
		laterValue(loop, 1*time.Millisecond, nil, errors.New("first in time")),
		slowOK,
	}
	_, err := r.RunSync(func(await Await) (any, error) { return await(r.Multi(fs)) }, 5*time.Second)
	assert.EqualError(t, err, "first in order")
	assert.Contains(t, logs.String(), "first in time")
	assert.True(t, slowOK.Done(), "Multi waited for the slow Future too")

	logs.Reset()
	_, err = r.RunSync(func(await Await) (any, error) {
		return await(r.MultiMap(map[string]*futures.Future{
			"z": futures.Failed(errors.New("z failed")),
			"a": futures.Failed(errors.New("a failed")),
		}))
	}, 5*time.Second)
	assert.EqualError(t, err, "a failed", "keys are taken in sorted order")
	assert.Contains(t, logs.String(), "z failed")
}

// convert_yielded: everything Tornado could yield becomes a Future.
func TestConvertYielded(t *testing.T) {
	_, r, _ := newRunner(t)
	f := futures.Resolved(1)
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"future", f, 1},
		{"func", Func(divide(6, 2)), 3},
		{"bare func literal", func(Await) (any, error) { return "lit", nil }, "lit"},
		{"slice", []*futures.Future{f, futures.Resolved(2)}, []any{1, 2}},
		{"map", map[string]*futures.Future{"x": f}, map[string]any{"x": 1}},
		{"nil", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := r.ConvertYielded(c.in)
			require.NoError(t, err)
			require.True(t, got.Done())
			v, err := got.Result()
			require.NoError(t, err)
			assert.Equal(t, c.want, v)
		})
	}
	_, err := r.ConvertYielded(42)
	assert.ErrorContains(t, err, "cannot await a int")
}

// slowSquare is a callback-style API, stage2's way: it answers later by
// calling callback on the loop.
func slowSquare(loop Loop, x int, callback func(int, error)) {
	time.AfterFunc(time.Millisecond, func() {
		loop.AddCallback(func() {
			if x < 0 {
				callback(0, errors.New("negative"))
				return
			}
			callback(x*x, nil)
		})
	})
}

// 与回调整合: gen.Task turns the callback API into something to await.
func TestTaskWrapsACallbackAPI(t *testing.T) {
	loop, r, _ := newRunner(t)
	callTask := func(x int) Func {
		return func(await Await) (any, error) {
			return await(Task(func(done func(any, error)) {
				slowSquare(loop, x, func(v int, err error) { done(v, err) })
			}))
		}
	}
	v, err := r.RunSync(callTask(7), 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, 49, v)
	_, err = r.RunSync(callTask(-1), 5*time.Second)
	assert.EqualError(t, err, "negative")
}

// 调用阻塞函数: blocking functions run on the executor, at most `workers` at
// a time, and their results come back on the loop.
func TestExecutorRunsBlockingFunctionsBounded(t *testing.T) {
	checkNoLeak(t)
	loop, r, _ := newRunner(t)
	pool := NewExecutor(loop, 2)
	defer pool.Shutdown()

	var running, peak atomic.Int32
	var mu sync.Mutex
	var events []string // what the jobs did, in order, for the log
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, fmt.Sprintf(format, args...))
	}
	started := make(chan struct{}, 6)
	release := make(chan struct{})
	blockingFunc := func(i int) func() (any, error) {
		return func() (any, error) {
			n := running.Add(1)
			defer running.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			note("job %d starts (%d running)", i, n)
			started <- struct{}{}
			<-release // a blocking call: it holds its worker until released
			note("job %d returns %d", i, i*10)
			return i * 10, nil
		}
	}
	go func() {
		// Two jobs start. An unbounded pool would start the other four
		// within this pause; a bounded one cannot. Then let them all run.
		<-started
		<-started
		time.Sleep(20 * time.Millisecond)
		close(release)
	}()

	resumed := 0 // touched only in step with the loop; -race checks that
	callBlocking := func(await Await) (any, error) {
		fs := make([]*futures.Future, 6)
		for i := range fs {
			fs[i] = pool.Submit(blockingFunc(i))
		}
		results, err := await(r.Multi(fs))
		resumed++
		if err != nil {
			return nil, err
		}
		note("the coroutine resumes on the loop with %v", results)
		_, err = await(pool.Submit(func() (any, error) { panic("blocking call explodes") }))
		resumed++
		return results, err
	}
	v, err := r.RunSync(callBlocking, 5*time.Second)
	var p *PanicError
	require.ErrorAs(t, err, &p, "a panic in the pool is trapped in the Future")
	assert.Equal(t, "blocking call explodes", p.Value)
	assert.Nil(t, v)
	assert.Equal(t, 2, resumed)
	assert.Equal(t, int32(2), peak.Load(), "at most two ran at once, and two did")
	mu.Lock()
	t.Logf("six jobs on a pool of two:\n%s\nthen the job that panics: %v", strings.Join(events, "\n"), err)
	mu.Unlock()

	v, err = r.RunSync(func(await Await) (any, error) {
		return await(r.Multi([]*futures.Future{
			pool.Submit(blockingFunc(1)), pool.Submit(blockingFunc(2)),
		}))
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []any{10, 20}, v)
}
