package coroutines

import (
	"bytes"
	"errors"
	"log"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/stage3-futures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/tracetest"
)

// divide is the seed's example coroutine. In Python, 1/0 raises
// ZeroDivisionError; in Go, integer division by zero panics, and the runner
// traps the panic in the Future just as Tornado traps the exception.
func divide(x, y int) Func {
	return func(await Await) (any, error) {
		return x / y, nil
	}
}

func newRunner(t *testing.T) (*chanLoop, *Runner, *bytes.Buffer) {
	t.Helper()
	loop := newChanLoop()
	r := NewRunner(loop)
	var logs bytes.Buffer
	r.ErrorLog = log.New(&logs, "", 0)
	t.Cleanup(r.Close)
	return loop, r, &logs
}

func TestGoRunsToFirstAwaitThenResumesFromTheLoop(t *testing.T) {
	checkNoLeak(t)
	loop, r, _ := newRunner(t)
	var trace []string
	gate := futures.New()
	var f *futures.Future
	loop.AddCallback(func() {
		f = r.Go(func(await Await) (any, error) {
			trace = append(trace, "body starts")
			v, err := await(gate)
			trace = append(trace, "body resumes")
			return v, err
		})
		trace = append(trace, "Go returned")
		assert.False(t, f.Done())
		assert.Equal(t, 1, r.Pending())
		gate.SetResult("opened")
		// The done-callback asked the loop to resume the coroutine; it has
		// not resumed inside SetResult.
		trace = append(trace, "gate resolved")
		loop.AddCallback(loop.Stop)
	})
	require.NoError(t, loop.Start())
	assert.Equal(t, []string{"body starts", "Go returned", "gate resolved", "body resumes"}, trace)
	v, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, "opened", v)
	assert.Equal(t, 0, r.Pending())
}

func TestAwaitOnADoneFutureDoesNotPause(t *testing.T) {
	_, r, _ := newRunner(t)
	f := r.Go(func(await Await) (any, error) {
		a, _ := await(futures.Resolved(1))
		_, err := await(futures.Failed(errors.New("boom")))
		return a, err
	})
	require.True(t, f.Done(), "no loop ran, so the coroutine never paused")
	_, err := f.Result()
	assert.EqualError(t, err, "boom")
}

// The seed's bad_call: calling a coroutine and dropping its Future drops the
// error. Nothing panics, nothing is logged; the failure sits in a Future that
// nobody will look at.
func TestBadCallLosesTheError(t *testing.T) {
	_, r, logs := newRunner(t)
	badCall := func() { r.Go(divide(1, 0)) }
	assert.NotPanics(t, badCall)
	assert.Empty(t, logs.String())
}

// The seed's good_call: awaiting the coroutine unwraps its Future and the
// error surfaces in the caller, which returns it in turn.
func TestGoodCallSurfacesTheError(t *testing.T) {
	loop, r, _ := newRunner(t)
	goodCall := func(await Await) (any, error) {
		return await(r.Go(divide(1, 0)))
	}
	_, err := r.RunSync(goodCall, 5*time.Second)
	var p *PanicError
	require.ErrorAs(t, err, &p)
	var rt runtime.Error
	require.ErrorAs(t, err, &rt)
	assert.Contains(t, rt.Error(), "integer divide by zero")
	assert.Contains(t, string(p.Stack), ".divide.", "the stack names the function that panicked")
	_ = loop
}

func TestSpawnCallbackLogsTheFailureWithItsStack(t *testing.T) {
	checkNoLeak(t)
	loop, r, logs := newRunner(t)
	r.SpawnCallback(divide(1, 0))
	r.SpawnCallback(func(await Await) (any, error) { return nil, errors.New("plain failure") })
	r.SpawnCallback(divide(6, 3)) // succeeds: nothing logged
	loop.AddCallback(loop.Stop)
	require.NoError(t, loop.Start())

	// The chapter quotes this log: paths relative to the repository, so
	// that it reads the same on every machine.
	out := tracetest.Relative(logs.String())
	t.Logf("ErrorLog received:\n%s", out)
	assert.Contains(t, out, "integer divide by zero")
	assert.Contains(t, out, ".divide.", "the panic's stack is logged")
	assert.Contains(t, out, "goroutine ")
	assert.Contains(t, out, "plain failure")
	assert.Contains(t, out, "(from stage4-coroutines/coroutine_test.go:", "the spawn site is logged, relative to the repository")
	assert.NotRegexp(t, "\n\t/", out, "no absolute file path")
	assert.Equal(t, 2, strings.Count(out, "spawned coroutine"))
}

func TestRunSync(t *testing.T) {
	loop, r, _ := newRunner(t)
	v, err := r.RunSync(divide(6, 3), time.Second)
	require.NoError(t, err)
	assert.Equal(t, 2, v)

	_, err = r.RunSync(divide(1, 0), time.Second)
	var p *PanicError
	assert.ErrorAs(t, err, &p)

	_, err = NewRunner(struct{ Loop }{loop}).RunSync(divide(1, 1), time.Second)
	assert.ErrorContains(t, err, "needs a loop with Start and Stop")
}

func TestRunSyncTimeoutStopsTheCoroutine(t *testing.T) {
	checkNoLeak(t)
	_, r, _ := newRunner(t)
	never := futures.New()
	var unwound error
	start := time.Now()
	_, err := r.RunSync(func(await Await) (any, error) {
		_, err := await(never)
		unwound = err
		return nil, err
	}, 50*time.Millisecond)
	require.ErrorIs(t, err, ErrTimeout)
	assert.ErrorContains(t, err, "timed out after 50ms")
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	require.ErrorIs(t, unwound, ErrStopped, "the body saw its Await end")
	assert.ErrorIs(t, unwound, futures.ErrCancelled)
	assert.True(t, never.Cancelled(), "what it awaited was cancelled too")
	assert.Equal(t, 0, r.Pending())
}
