package gen

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

func newLoop(t *testing.T, opts ...ioloop.Option) *ioloop.IOLoop {
	t.Helper()
	l, err := ioloop.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

// later returns a Future resolved with v on the loop's next iteration.
func later[T any](l *ioloop.IOLoop, v T) *concurrent.Future[T] {
	f := concurrent.NewFuture[T]()
	l.AddCallback(func() { f.SetResult(v) })
	return f
}

func TestCoroutineRunsAtOnceUntilFirstAwait(t *testing.T) {
	l := newLoop(t)
	var steps []string
	f := Go(l, func(c *Co) (int, error) {
		steps = append(steps, "start")
		v, err := Await(c, later(l, 2))
		steps = append(steps, "resumed")
		assert.True(t, l == c.Loop())
		assert.Nil(t, ioloop.CurrentOrNil(), "iter.Pull's goroutine is not the loop's unless bound")
		unbind := ioloop.BindGoroutine(c.Loop())
		assert.True(t, l == ioloop.Current(), "bound, Current is the running loop")
		unbind()
		return v * 21, err
	})
	assert.Equal(t, []string{"start"}, steps)
	assert.False(t, f.Done())
	v, err := ioloop.RunSync(l, func() *concurrent.Future[int] { return f }, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	assert.Equal(t, []string{"start", "resumed"}, steps)
}

func TestDoneFuturesDoNotLeaveTheCoroutine(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	// 100000 awaits of done Futures: a loop in the runner, not recursion,
	// and no trip through the loop.
	v, err := Run(l, 5*time.Second, func(c *Co) (int, error) {
		sum := 0
		for i := 0; i < 100000; i++ {
			n, _ := Await(c, concurrent.Resolved(1))
			sum += n
		}
		return sum, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 100000, v)
}

func TestErrorsStayInTheFutureUntilAwaited(t *testing.T) {
	// The seed's bad_call / good_call: calling a failing coroutine without
	// awaiting it raises nothing; awaiting it gets the error.
	l := newLoop(t)
	boom := errors.New("boom")
	divide := func(c *Co) (int, error) {
		Await(c, later(l, 0))
		return 0, boom
	}
	_, err := Run(l, 5*time.Second, func(c *Co) (int, error) {
		f := Go(l, divide) // bad_call: nothing happens here
		_ = f
		return Await(c, Go(l, divide)) // good_call
	})
	assert.ErrorIs(t, err, boom)
}

func TestPanicBecomesPanicError(t *testing.T) {
	l := newLoop(t)
	_, err := Run(l, 5*time.Second, func(c *Co) (int, error) {
		Await(c, later(l, 1))
		panic("in coroutine")
	})
	var pe *concurrent.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "in coroutine", pe.Value)
}

func TestCoroutinesResolvingEachOther(t *testing.T) {
	// A resolves what B awaits and B what A awaits: resumption always goes
	// through the loop, so no coroutine is resumed inside another.
	l := newLoop(t)
	ping, pong := concurrent.NewFuture[int](), concurrent.NewFuture[int]()
	a := Go(l, func(c *Co) (int, error) {
		ping.SetResult(1)
		return Await(c, pong)
	})
	b := Go(l, func(c *Co) (int, error) {
		v, _ := Await(c, ping)
		pong.SetResult(v + 1)
		return v, nil
	})
	res, err := Run(l, 5*time.Second, func(c *Co) ([]int, error) {
		return Await(c, Multi([]*concurrent.Future[int]{a, b}))
	})
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1}, res)
}

func TestMomentInterleaves(t *testing.T) {
	l := newLoop(t)
	var order []string
	worker := func(name string) func(c *Co) (int, error) {
		return func(c *Co) (int, error) {
			for i := 0; i < 3; i++ {
				order = append(order, name)
				Moment(c)
			}
			return 0, nil
		}
	}
	_, err := Run(l, 5*time.Second, func(c *Co) ([]int, error) {
		return Await(c, Multi([]*concurrent.Future[int]{Go(l, worker("a")), Go(l, worker("b"))}))
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "a", "b", "a", "b"}, order)
}

func TestMulti(t *testing.T) {
	l := newLoop(t)
	boom := errors.New("boom")
	res, err := Run(l, 5*time.Second, func(c *Co) (map[string]int, error) {
		list, err := Await(c, Multi([]*concurrent.Future[int]{later(l, 1), concurrent.Resolved(2), later(l, 3)}))
		require.NoError(t, err)
		assert.Equal(t, []int{1, 2, 3}, list)
		empty, err := Await(c, Multi[int](nil))
		require.NoError(t, err)
		assert.Empty(t, empty)

		slow := concurrent.NewFuture[int]()
		l.CallLater(time.Millisecond, func() { slow.SetResult(9) })
		_, err = Await(c, Multi([]*concurrent.Future[int]{concurrent.Failed[int](boom), slow}))
		assert.ErrorIs(t, err, boom)
		assert.True(t, slow.Done(), "Multi waits for every input before failing")

		assert.ErrorIs(t, AwaitAll(c, later(l, "x"), concurrent.Failed[int](boom)), boom)
		assert.NoError(t, AwaitAll(c, later(l, "x"), later(l, 1)))
		return Await(c, MultiMap(map[string]*concurrent.Future[int]{"a": later(l, 1), "b": later(l, 2)}))
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1, "b": 2}, res)
}

func TestWithTimeout(t *testing.T) {
	l := newLoop(t)
	_, err := Run(l, 5*time.Second, func(c *Co) (int, error) {
		never := concurrent.NewFuture[int]()
		_, err := Await(c, WithTimeout(l, 5*time.Millisecond, never))
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, never.Done(), "the input is not cancelled")
		return Await(c, WithTimeout(l, time.Hour, later(l, 5)))
	})
	require.NoError(t, err)
}

func TestSleep(t *testing.T) {
	l := newLoop(t)
	start := time.Now()
	var order []int
	_, err := Run(l, 5*time.Second, func(c *Co) ([]struct{}, error) {
		a := Then(Sleep(l, 20*time.Millisecond), func(struct{}) (struct{}, error) { order = append(order, 2); return struct{}{}, nil })
		b := Then(Sleep(l, 10*time.Millisecond), func(struct{}) (struct{}, error) { order = append(order, 1); return struct{}{}, nil })
		return Await(c, Multi([]*concurrent.Future[struct{}]{a, b}))
	})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, order)
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
}

// Then is concurrent.Then, shortened for the tests.
func Then[T, U any](f *concurrent.Future[T], fn func(T) (U, error)) *concurrent.Future[U] {
	return concurrent.Then(f, fn)
}

func TestWaitIterator(t *testing.T) {
	l := newLoop(t)
	boom := errors.New("boom")
	futs := []*concurrent.Future[int]{concurrent.NewFuture[int](), concurrent.NewFuture[int](), concurrent.NewFuture[int]()}
	l.CallLater(3*time.Millisecond, func() { futs[0].SetResult(10) })
	l.CallLater(1*time.Millisecond, func() { futs[2].SetResult(30) })
	l.CallLater(2*time.Millisecond, func() { futs[1].SetException(boom) })
	type got struct {
		i   int
		v   int
		err error
	}
	res, err := Run(l, 5*time.Second, func(c *Co) ([]got, error) {
		it := NewWaitIterator(futs...)
		assert.Equal(t, -1, it.CurrentIndex())
		var out []got
		for !it.Done() {
			v, err := Await(c, it.Next())
			out = append(out, got{it.CurrentIndex(), v, err})
			assert.Same(t, futs[it.CurrentIndex()], it.CurrentFuture())
		}
		return out, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []got{{2, 30, nil}, {1, 0, boom}, {0, 10, nil}}, res)
}

func TestWaitIteratorAlreadyDone(t *testing.T) {
	it := NewWaitIterator(concurrent.Resolved(1), concurrent.Resolved(2))
	var vals []int
	for !it.Done() {
		v, err := it.Next().Result()
		require.NoError(t, err)
		vals = append(vals, v)
	}
	assert.Equal(t, []int{1, 2}, vals)
	assert.ErrorIs(t, it.Next().Exception(), concurrent.ErrNotDone)
}

func TestSpawnLogsError(t *testing.T) {
	var logs bytes.Buffer
	l := newLoop(t, ioloop.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	done := concurrent.NewFuture[struct{}]()
	Spawn(l, func(c *Co) error {
		Await(c, later(l, 0))
		l.AddCallback(func() { done.SetResult(struct{}{}) })
		return errors.New("background failure")
	})
	_, err := ioloop.RunSync(l, func() *concurrent.Future[struct{}] { return done }, 5*time.Second)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "background failure")
}

func TestTaskWrapsCallbackAPI(t *testing.T) {
	l := newLoop(t)
	callbackAPI := func(x int, cb func(int, error)) { l.AddCallback(func() { cb(x*2, nil) }) }
	v, err := Run(l, 5*time.Second, func(c *Co) (int, error) {
		return Await(c, Task(func(cb func(int, error)) { callbackAPI(21, cb) }))
	})
	require.NoError(t, err)
	assert.Equal(t, 42, v)
}

func TestExecutorFromCoroutine(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newLoop(t)
	v, err := Run(l, 5*time.Second, func(c *Co) (string, error) {
		return Await(c, ioloop.RunInExecutor(l, nil, func() (string, error) { return "blocking work", nil }))
	})
	require.NoError(t, err)
	assert.Equal(t, "blocking work", v)
}

func TestRunTimeout(t *testing.T) {
	l := newLoop(t)
	_, err := Run(l, 5*time.Millisecond, func(c *Co) (int, error) {
		return Await(c, concurrent.NewFuture[int]())
	})
	assert.ErrorIs(t, err, ioloop.ErrTimeout)
}

// BenchmarkAwait measures one await of a pending Future resolved by a loop
// callback: the coroutine switch plus one loop iteration.
func BenchmarkAwait(b *testing.B) {
	l, _ := ioloop.New()
	defer l.Close(false)
	b.ReportAllocs()
	_, err := ioloop.RunSync(l, func() *concurrent.Future[int] {
		return Go(l, func(c *Co) (int, error) {
			for i := 0; i < b.N; i++ {
				f := concurrent.NewFuture[int]()
				l.AddCallback(func() { f.SetResult(i) })
				Await(c, f)
			}
			return 0, nil
		})
	}, 0)
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCoroutine measures starting a coroutine that finishes without
// waiting: the fixed cost of a coroutine per request.
func BenchmarkCoroutine(b *testing.B) {
	l, _ := ioloop.New()
	defer l.Close(false)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Go(l, func(c *Co) (int, error) { return i, nil })
	}
}

// failLater returns a Future that fails with err on the loop's next
// iteration.
func failLater[T any](l *ioloop.IOLoop, err error) *concurrent.Future[T] {
	f := concurrent.NewFuture[T]()
	l.AddCallback(func() { f.SetException(err) })
	return f
}

// Like Tornado's gen.multi, Multi, MultiMap and MultiAny resolve with the
// first error and log every later one ("Multiple exceptions in yield
// list") through the loop's logger, so that no failure passes unseen.
func TestMultiLogsErrorsAfterTheFirst(t *testing.T) {
	var logs bytes.Buffer
	l := newLoop(t, ioloop.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	first, second, third := errors.New("first failure"), errors.New("second failure"), errors.New("third failure")
	_, err := Run(l, 5*time.Second, func(c *Co) (struct{}, error) {
		_, err := Await(c, Multi([]*concurrent.Future[int]{
			later(l, 1), failLater[int](l, first), failLater[int](l, second), concurrent.Failed[int](third),
		}))
		assert.ErrorIs(t, err, first, "the first error in order is the result")
		out := logs.String()
		assert.NotContains(t, out, "first failure", "the result carries the first error; it is not logged")
		assert.Contains(t, out, "second failure")
		assert.Contains(t, out, "third failure")
		assert.Equal(t, 2, strings.Count(out, "multiple exceptions in yield list"), out)

		logs.Reset()
		_, err = Await(c, MultiMap(map[string]*concurrent.Future[int]{
			"a": failLater[int](l, first), "b": failLater[int](l, second), "c": later(l, 3),
		}))
		require.Error(t, err)
		assert.Equal(t, 1, strings.Count(logs.String(), "multiple exceptions in yield list"), logs.String())
		if errors.Is(err, first) {
			assert.Contains(t, logs.String(), "second failure")
		} else {
			assert.ErrorIs(t, err, second)
			assert.Contains(t, logs.String(), "first failure")
		}

		logs.Reset()
		err = AwaitAll(c, later(l, "x"), failLater[int](l, first), failLater[string](l, second))
		assert.ErrorIs(t, err, first)
		assert.Contains(t, logs.String(), "second failure")
		assert.NotContains(t, logs.String(), "first failure")
		return struct{}{}, nil
	})
	require.NoError(t, err)
}

// QuietErrors is Tornado's quiet_exceptions: later errors that match one of
// them (errors.Is, so wrapped ones too) are not logged. LogTo sends the log
// elsewhere than the loop's logger.
func TestMultiQuietErrorsAndLogTo(t *testing.T) {
	var loopLogs, otherLogs bytes.Buffer
	l := newLoop(t, ioloop.WithLogger(slog.New(slog.NewTextHandler(&loopLogs, nil))))
	errClosed, boom := errors.New("closed"), errors.New("boom")
	_, err := Run(l, 5*time.Second, func(c *Co) (struct{}, error) {
		_, err := Await(c, Multi([]*concurrent.Future[int]{
			failLater[int](l, boom), failLater[int](l, fmt.Errorf("read: %w", errClosed)), failLater[int](l, errClosed),
		}, QuietErrors(errClosed)))
		assert.ErrorIs(t, err, boom)
		assert.Empty(t, loopLogs.String(), "quiet errors are not logged")

		_, err = Await(c, Multi([]*concurrent.Future[int]{
			failLater[int](l, errClosed), failLater[int](l, boom),
		}, QuietErrors(errClosed), LogTo(slog.New(slog.NewTextHandler(&otherLogs, nil)))))
		assert.ErrorIs(t, err, errClosed, "a quiet error can still be the result")
		assert.Contains(t, otherLogs.String(), "boom")
		assert.Empty(t, loopLogs.String(), "LogTo replaces the loop's logger")
		return struct{}{}, nil
	})
	require.NoError(t, err)
}

// A Multi cancelled before its inputs fail has nobody to give the first
// error to, so, as Tornado does once its future is done, every error is
// logged.
func TestCancelledMultiLogsEveryError(t *testing.T) {
	var logs bytes.Buffer
	l := newLoop(t, ioloop.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	a, b := concurrent.NewFuture[int](), concurrent.NewFuture[int]()
	m := Multi([]*concurrent.Future[int]{a, b})
	require.True(t, m.Cancel())
	done := concurrent.NewFuture[struct{}]()
	l.AddCallback(func() {
		a.SetException(errors.New("first failure"))
		b.SetException(errors.New("second failure"))
		done.SetResult(struct{}{})
	})
	_, err := ioloop.RunSync(l, func() *concurrent.Future[struct{}] { return done }, 5*time.Second)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "first failure")
	assert.Contains(t, logs.String(), "second failure")
}
