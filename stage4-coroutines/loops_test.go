package coroutines_test

import (
	"testing"
	"time"

	"github.com/gornado/gornado/stage2-callbacks"
	"github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage4-coroutines"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The runner asks a loop for AddCallback and nothing more, so the same
// coroutines run on every loop of the path. loops lists the real ones; each
// test here runs on all of them. (Stage 5's IOLoop is a later stage; only
// this external test package imports it, to check the promise that a
// Future belongs to no loop: docs/design.md, "How the stages build on one
// another".)
var loops = []struct {
	name string
	new  func(t testing.TB) coroutines.RunnableLoop
}{
	{"stage2-callbacks", func(t testing.TB) coroutines.RunnableLoop {
		l, err := callbacks.NewLoop()
		require.NoError(t, err)
		t.Cleanup(func() { _ = l.Close() })
		return l
	}},
	{"stage5-ioloop", func(t testing.TB) coroutines.RunnableLoop {
		l, err := ioloop.New()
		require.NoError(t, err)
		t.Cleanup(func() { _ = l.Close(false) })
		return l
	}},
}

func TestSameCoroutinesOnEveryLoop(t *testing.T) {
	for _, lc := range loops {
		t.Run(lc.name, func(t *testing.T) {
			checkNoLeak(t)
			loop := lc.new(t)
			r := coroutines.NewRunner(loop)
			defer r.Close()
			pool := coroutines.NewExecutor(loop, 2)
			defer pool.Shutdown()

			start := time.Now()
			v, err := r.RunSync(func(await coroutines.Await) (any, error) {
				if _, err := await(coroutines.Sleep(loop, 20*time.Millisecond)); err != nil {
					return nil, err
				}
				return await(r.Multi([]*futures.Future{
					pool.Submit(func() (any, error) { return "from the pool", nil }),
					r.Go(func(await coroutines.Await) (any, error) {
						_, err := await(coroutines.Sleep(loop, time.Millisecond))
						return "from a coroutine", err
					}),
				}))
			}, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, []any{"from the pool", "from a coroutine"}, v)
			assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
		})
	}
}

// The loop's own spawn_callback drives a coroutine too: stage5's
// IOLoop.SpawnCallback takes any function that returns a Future, and r.Go is one.
func TestIOLoopSpawnCallbackLogsACoroutinesFailure(t *testing.T) {
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(false)
	r := coroutines.NewRunner(loop)
	defer r.Close()
	var logs logBuffer
	loop.ErrorLog = logs.logger()

	loop.SpawnCallback(func() *futures.Future {
		return r.Go(func(await coroutines.Await) (any, error) {
			x, y := 1, 0
			return x / y, nil
		})
	})
	_, err = r.RunSync(func(await coroutines.Await) (any, error) {
		return await(coroutines.Sleep(loop, time.Millisecond))
	}, 5*time.Second)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "integer divide by zero")
}

// run_sync is for the top of a program. Called from a coroutine, on a loop
// that is already running, it fails with the loop's own error and leaves that
// loop alone, as Tornado raises "IOLoop is already running".
func TestRunSyncInsideARunningLoop(t *testing.T) {
	for _, lc := range loops {
		t.Run(lc.name, func(t *testing.T) {
			checkNoLeak(t)
			loop := lc.new(t)
			r := coroutines.NewRunner(loop)
			defer r.Close()
			var innerErr error
			ran := false
			v, err := r.RunSync(func(await coroutines.Await) (any, error) {
				_, innerErr = r.RunSync(func(coroutines.Await) (any, error) {
					ran = true
					return nil, nil
				}, time.Second)
				// The outer coroutine goes on, on a loop nobody stopped.
				_, err := await(coroutines.Sleep(loop, 10*time.Millisecond))
				return "outer finished", err
			}, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, "outer finished", v)
			assert.ErrorContains(t, innerErr, "already running")
			assert.False(t, ran, "the inner coroutine never started")
		})
	}
}
