// Waiting on many Futures: Multi over slices and maps, WithTimeout, Sleep,
// and WaitIterator for results in the order they finish.

package gen

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// Multi returns a Future of all the results of futs, in order, once every
// one is done: Tornado's gen.multi (`yield [f1, f2]`). Like Tornado, it
// waits for all of them even after one fails, and then resolves with the
// first error in order. Every later error is logged ("gen: multiple
// exceptions in yield list", as Tornado's app_log.error), unless it is one of
// the QuietErrors, so that no failure passes unseen; the log is the logger of
// the loop that finishes the wait, or the one given with LogTo.
func Multi[T any](futs []*concurrent.Future[T], opts ...MultiOption) *concurrent.Future[[]T] {
	out := concurrent.NewFuture[[]T]()
	finish := func() {
		results := make([]T, len(futs))
		var errs multiErrors
		for i, f := range futs {
			v, err := f.Result()
			if err != nil {
				errs.add(err, "index", i)
				continue
			}
			results[i] = v
		}
		resolve(out, results, &errs, nil, opts)
	}
	afterAll(len(futs), func(done func()) {
		for _, f := range futs {
			f.OnDone(done)
		}
	}, finish)
	return out
}

// MultiMap is Multi over a map: `yield {"a": f1, "b": f2}`. The first error
// is the first in an unspecified (map) order; the others are logged as
// Multi's are.
func MultiMap[K comparable, T any](futs map[K]*concurrent.Future[T], opts ...MultiOption) *concurrent.Future[map[K]T] {
	out := concurrent.NewFuture[map[K]T]()
	finish := func() {
		results := make(map[K]T, len(futs))
		var errs multiErrors
		for k, f := range futs {
			v, err := f.Result()
			if err != nil {
				errs.add(err, "key", k)
				continue
			}
			results[k] = v
		}
		resolve(out, results, &errs, nil, opts)
	}
	afterAll(len(futs), func(done func()) {
		for _, f := range futs {
			f.OnDone(done)
		}
	}, finish)
	return out
}

// MultiAny waits for Futures of any types and resolves with the first
// error in order, or with nothing; later errors are logged as Multi's are
// (it has no options: use Multi for QuietErrors).
func MultiAny(fs ...concurrent.Awaitable) *concurrent.Future[struct{}] {
	return multiAny(nil, fs)
}

// multiAny is MultiAny logging to loop's logger when loop is not nil.
func multiAny(loop *ioloop.IOLoop, fs []concurrent.Awaitable) *concurrent.Future[struct{}] {
	out := concurrent.NewFuture[struct{}]()
	finish := func() {
		var errs multiErrors
		for i, f := range fs {
			if err := f.Exception(); err != nil {
				errs.add(err, "index", i)
			}
		}
		resolve(out, struct{}{}, &errs, loop, nil)
	}
	afterAll(len(fs), func(done func()) {
		for _, f := range fs {
			f.OnDone(done)
		}
	}, finish)
	return out
}

// MultiOption adjusts how Multi and MultiMap log the errors after the
// first.
type MultiOption func(*multiConfig)

// multiConfig is what the MultiOptions set.
type multiConfig struct {
	// quiet are the errors not logged (matched with errors.Is).
	quiet []error
	// logger receives the logged errors; nil means the loop's.
	logger *slog.Logger
}

// QuietErrors keeps later errors that match one of errs (errors.Is) out of
// the log: Tornado's quiet_exceptions. Tornado lists exception classes; in Go
// a sentinel error plays that part, such as iostream.ErrStreamClosed, which
// every *iostream.StreamClosedError matches. A quiet error that comes first
// is still the result.
func QuietErrors(errs ...error) MultiOption {
	return func(c *multiConfig) { c.quiet = append(c.quiet, errs...) }
}

// LogTo logs the errors after the first to logger instead of the logger of
// the loop that finishes the wait.
func LogTo(logger *slog.Logger) MultiOption {
	return func(c *multiConfig) { c.logger = logger }
}

// multiErrors collects the errors of a Multi's inputs, in order, with the
// index or key of each.
type multiErrors struct {
	// errs are the errors; nil (no allocation) when every input succeeded.
	errs []error
	// where holds the index or key of each error, for the log.
	where []slog.Attr
}

// add records err of the input at key (an index or a map key).
func (m *multiErrors) add(err error, name string, key any) {
	m.errs = append(m.errs, err)
	m.where = append(m.where, slog.Any(name, key))
}

// resolve settles out with results, or with the first of errs, and logs
// every error nobody else will see: all those after the first, and the first
// too when out was cancelled (Tornado logs whenever its future is already
// done). loop, when not nil, is the loop whose logger to use by default.
func resolve[R any](out *concurrent.Future[R], results R, errs *multiErrors, loop *ioloop.IOLoop, opts []MultiOption) {
	logFrom := 1
	switch {
	case out.Cancelled():
		logFrom = 0
	case len(errs.errs) == 0:
		out.SetResult(results)
		return
	default:
		out.SetException(errs.errs[0])
	}
	if len(errs.errs) <= logFrom {
		return
	}
	var cfg multiConfig
	for _, o := range opts {
		o(&cfg)
	}
	logger := cfg.logger
	if logger == nil {
		logger = loggerOf(loop)
	}
next:
	for i := logFrom; i < len(errs.errs); i++ {
		for _, q := range cfg.quiet {
			if errors.Is(errs.errs[i], q) {
				continue next
			}
		}
		logger.LogAttrs(context.Background(), slog.LevelError, "gen: multiple exceptions in yield list",
			slog.Any("err", errs.errs[i]), errs.where[i])
	}
}

// loggerOf returns loop's logger; without a loop, the logger of the loop
// running on this goroutine (the Futures' callbacks run on the goroutine
// that resolves them, normally a loop's), or else slog.Default(), the
// default of every loop. Only a failed Multi pays for the lookup.
func loggerOf(loop *ioloop.IOLoop) *slog.Logger {
	if loop == nil {
		loop = ioloop.CurrentOrNil()
	}
	if loop != nil {
		return loop.Logger()
	}
	return slog.Default()
}

// WithTimeout returns a Future that resolves like f, or with ErrTimeout if
// f is not done within d: Tornado's gen.with_timeout. Like Tornado, f itself
// is not cancelled; it carries on and its outcome is dropped.
func WithTimeout[T any](loop *ioloop.IOLoop, d time.Duration, f *concurrent.Future[T]) *concurrent.Future[T] {
	if f.Done() {
		return f
	}
	out := concurrent.NewFuture[T]()
	to := loop.CallLater(d, func() {
		if !out.Done() {
			out.SetException(ErrTimeout)
		}
	})
	f.AddDoneCallback(func(f *concurrent.Future[T]) {
		loop.RemoveTimeout(to)
		if !out.Done() {
			out.Set(f.Result())
		}
	})
	return out
}

// Sleep returns a Future that resolves after d: `await gen.sleep(d)`, a
// non-blocking time.Sleep.
func Sleep(loop *ioloop.IOLoop, d time.Duration) *concurrent.Future[struct{}] {
	f := concurrent.NewFuture[struct{}]()
	loop.CallLater(d, func() { f.SetResult(struct{}{}) })
	return f
}

// WaitIterator yields the results of Futures in the order they finish,
// like Tornado's gen.WaitIterator:
//
//	it := gen.NewWaitIterator(futs...)
//	for !it.Done() {
//		v, err := gen.Await(c, it.Next())
//		// it.CurrentIndex() says which Future it was
//	}
type WaitIterator[T any] struct {
	// futs are the Futures waited on.
	futs []*concurrent.Future[T]
	// finished holds the indices of done Futures not yet handed out.
	finished []int
	// waiting is the Future returned by Next while no input has finished.
	waiting *concurrent.Future[T]
	// handed counts the results handed out by Next.
	handed int
	// current is the index of the Future whose result Next last gave.
	current int
}

// NewWaitIterator starts waiting on futs.
func NewWaitIterator[T any](futs ...*concurrent.Future[T]) *WaitIterator[T] {
	w := &WaitIterator[T]{futs: futs, current: -1}
	for i, f := range futs {
		f.OnDone(func() { w.finish(i) })
	}
	return w
}

// Done reports whether every result has been handed out.
func (w *WaitIterator[T]) Done() bool { return w.handed == len(w.futs) && w.waiting == nil }

// Next returns a Future of the next input to finish; its result is that
// input's result (or error). Call it again only after the previous one is
// done.
func (w *WaitIterator[T]) Next() *concurrent.Future[T] {
	out := concurrent.NewFuture[T]()
	if len(w.finished) > 0 {
		w.hand(out)
		return out
	}
	if w.handed == len(w.futs) {
		out.SetException(concurrent.ErrNotDone)
		return out
	}
	w.waiting = out
	return out
}

// CurrentIndex returns the index of the input whose result Next gave last,
// or -1 before the first.
func (w *WaitIterator[T]) CurrentIndex() int { return w.current }

// CurrentFuture returns that input itself.
func (w *WaitIterator[T]) CurrentFuture() *concurrent.Future[T] {
	if w.current < 0 {
		return nil
	}
	return w.futs[w.current]
}

// finish records that input i is done and satisfies a waiting Next.
func (w *WaitIterator[T]) finish(i int) {
	w.finished = append(w.finished, i)
	if out := w.waiting; out != nil {
		w.waiting = nil
		w.hand(out)
	}
}

// hand resolves out with the oldest finished input.
func (w *WaitIterator[T]) hand(out *concurrent.Future[T]) {
	i := w.finished[0]
	w.finished = w.finished[1:]
	w.current = i
	w.handed++
	out.Set(w.futs[i].Result())
}

// afterAll runs finish once n Futures are done: register hands each of them
// the done callback to add. With n == 0 finish runs at once.
func afterAll(n int, register func(done func()), finish func()) {
	if n == 0 {
		finish()
		return
	}
	remaining := n
	register(func() {
		remaining--
		if remaining == 0 {
			finish()
		}
	})
}
