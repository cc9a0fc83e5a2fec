package coroutines

import (
	"fmt"
	"iter"
	"runtime/debug"

	"github.com/gornado/gornado/stage3-futures"
)

// The runner needs one thing from an event loop: a way to say "call me later,
// on your goroutine". Tornado's gen.Runner asks its IOLoop for exactly that
// (add_future, which is add_callback once a Future is done). Asking for no
// more is what lets stage2's toy loop and stage5's real IOLoop drive these
// coroutines unchanged: each has an AddCallback that any goroutine may call.
type Loop interface {
	AddCallback(fn func())
}

// Await pauses the coroutine that calls it until f is done, then returns f's
// result. It is Python's `yield future` (or `await future`) spelled as a
// function call. While the coroutine is paused the loop runs other callbacks
// and other coroutines; when f is done the runner switches back, and Await
// returns in step with the loop as if it had been an ordinary blocking call.
//
// Only the coroutine's own body may call its Await (directly or through
// functions it calls), never a goroutine it starts: like yield in Python, it
// belongs to one coroutine.
type Await func(f *futures.Future) (any, error)

// Func is the body of a coroutine. Its return values become the result of the
// coroutine's Future: a plain `return body, nil` is Tornado's
// `raise gen.Return(body)` and Python 3.3's `return body` at once.
//
// A Func value is only a recipe, like the object an `async def` returns when
// it is called: nothing runs until a Runner starts it with Go.
type Func func(await Await) (any, error)

// ErrStopped is what a pending Await returns when its coroutine is stopped
// from outside: its Future was cancelled (RunSync's timeout does that) or the
// Runner was closed. It wraps futures.ErrCancelled, as asyncio raises
// CancelledError at the await where a cancelled task was waiting. A body
// should return when it sees an error from Await; it is not resumed again.
var ErrStopped = fmt.Errorf("coroutines: coroutine stopped: %w", futures.ErrCancelled)

// A PanicError is the error of a coroutine whose body panicked. Tornado traps
// every exception a coroutine raises in its Future; the Go counterpart of
// Python's ZeroDivisionError is a run-time panic, so the runner traps panics
// too, and keeps the stack of the goroutine that panicked so that whoever
// logs the error can show where it happened.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the panicking coroutine's stack, from runtime/debug.Stack.
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("coroutines: panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error (a runtime.Error for a
// division by zero), so errors.As finds it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// runGuarded calls fn and turns a panic into a *PanicError, so that a
// coroutine (or a job on an Executor) that panics fails its Future instead
// of crashing the program from inside the loop.
func runGuarded(fn func() (any, error)) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// A coroutine is one running Func: the two functions iter.Pull gave us to
// switch into it and to abandon it, the Future that will hold its result, and
// what it is waiting for.
type coroutine struct {
	next     func() (*futures.Future, bool) // switch in; returns at the next Await
	stop     func()                         // abandon: the pending Await returns ErrStopped
	result   *futures.Future                // the coroutine's own Future
	awaiting *futures.Future                // what it is paused on, if anything
	running  bool                           // the loop has switched into it right now
	finished bool                           // it returned or was stopped

	value any // what the body returned, until the runner copies it
	err   error
}

// A Runner runs coroutines on one loop. It plays the part of Tornado's
// gen.coroutine decorator and gen.Runner, and of the IOLoop methods that
// start coroutines (spawn_callback, run_sync).
//
// All its methods except SpawnCallback and Call must be called on the loop's
// goroutine, or after the loop has stopped: like the Futures it drives, a
// Runner needs no locks because only the loop's goroutine touches it.
type Runner struct {
	// ErrorLog receives the failures nobody else will see: a spawned
	// coroutine's error (with the panic's stack, if it panicked) and the
	// second and later errors of Multi. Nil means the log package's standard
	// logger, as for net/http.Server.ErrorLog.
	ErrorLog Logger

	loop Loop
	// live holds the coroutines paused at an Await, so that Close can end
	// them: a paused coroutine is a parked goroutine inside iter.Pull, and
	// forgetting one would leak it.
	live map[*coroutine]struct{}
}

// Logger is the one method the Runner needs from a logger; *log.Logger has it.
type Logger interface {
	Printf(format string, v ...any)
}

// NewRunner returns a Runner whose coroutines resume on loop.
func NewRunner(loop Loop) *Runner {
	return &Runner{loop: loop, live: make(map[*coroutine]struct{})}
}

// Loop returns the loop the Runner's coroutines resume on, for Sleep and the
// other helpers that need to hand work back to it.
func (r *Runner) Loop() Loop { return r.loop }

// Go starts fn as a coroutine and returns its Future. Like calling a
// @gen.coroutine function, it runs fn at once, on the caller's goroutine,
// until fn's first Await on a Future that is not done yet; then it returns,
// and the runner takes over.
//
// The name echoes the go statement on purpose, for the contrast: `go f()`
// starts a goroutine that runs in parallel with its caller, whenever the Go
// scheduler likes; r.Go(f) starts a coroutine that runs only while the loop
// has switched into it, and gives the loop back at every Await.
func (r *Runner) Go(fn Func) *futures.Future {
	co := &coroutine{result: futures.New()}

	// iter.Pull turns a push-style sequence into a pull-style one: each call
	// to next switches to the sequence's goroutine until it yields a value,
	// then switches back. That is exactly a generator. Our sequence's
	// "values" are the Futures the body awaits, and yield's return is the
	// moment the runner switches back in.
	seq := func(yield func(*futures.Future) bool) {
		await := func(f *futures.Future) (any, error) {
			if co.result.Cancelled() || !yield(f) {
				return nil, ErrStopped
			}
			return f.Result()
		}
		co.value, co.err = runGuarded(func() (any, error) { return fn(await) })
	}
	co.next, co.stop = iter.Pull(seq)

	// Cancelling a coroutine's Future stops the coroutine, as asyncio's
	// Task.cancel does (Tornado's @gen.coroutine supports cancellation only
	// partly, its 5.0 notes say).
	co.result.AddDoneCallback(func(f *futures.Future) {
		if f.Cancelled() {
			r.stopCoroutine(co)
		}
	})
	r.step(co)
	return co.result
}

// step switches into the coroutine and keeps it running until it awaits a
// Future that is not done yet, or returns. This is Tornado's Runner.run.
//
// When the Future the coroutine waits for is done, the runner does not resume
// the coroutine inside the done-callback, which runs wherever the Future
// happened to be resolved (in the middle of a read handler, or of another
// coroutine). It asks the loop to call it back instead, so that every
// coroutine resumes from the loop itself, with a short stack, one at a time.
func (r *Runner) step(co *coroutine) {
	co.awaiting = nil
	// The rule that lets Close be called from inside a coroutine: live holds
	// paused coroutines only. A running one cannot be stopped (stopCoroutine
	// skips it), so if it stayed in live, Close would loop forever on it.
	delete(r.live, co)
	for !co.finished {
		co.running = true
		f, ok := co.next()
		co.running = false
		if !ok {
			r.finish(co)
			return
		}
		if f.Done() {
			continue // nothing to wait for: resume at once, like Tornado
		}
		co.awaiting = f
		r.live[co] = struct{}{}
		f.AddDoneCallback(func(*futures.Future) {
			if !co.finished {
				r.loop.AddCallback(func() { r.step(co) })
			}
		})
		return
	}
}

// finish copies what the body returned into the coroutine's Future. If the
// Future was cancelled meanwhile, it stays cancelled.
func (r *Runner) finish(co *coroutine) {
	co.finished = true
	delete(r.live, co)
	co.stop()
	if co.err != nil {
		_ = co.result.SetException(co.err)
	} else {
		_ = co.result.SetResult(co.value)
	}
}

// stopCoroutine ends a paused coroutine: its pending Await returns ErrStopped,
// its body unwinds (running its defers) and its goroutine inside iter.Pull
// exits. The Future it was waiting for is cancelled too, which stops a Sleep's
// timer and, if it is another coroutine's Future, stops that one in turn.
//
// A coroutine that is running right now cannot be switched away from by
// anyone but itself; for it, the cancelled Future is enough: its next Await
// sees it and returns ErrStopped without pausing.
func (r *Runner) stopCoroutine(co *coroutine) {
	if co.finished || co.running {
		return
	}
	co.finished = true
	delete(r.live, co)
	co.stop()
	if co.awaiting != nil {
		co.awaiting.Cancel()
	}
	co.result.Cancel()
}

// Close stops every coroutine still paused, Tornado's loop.close() followed
// by the garbage collector closing the abandoned generators. Call it once the
// loop has stopped and before the loop is closed, or on the loop: from a
// callback, or from inside a coroutine (a shutdown handler). A coroutine
// stopped here may start others while it unwinds, and those are stopped too.
//
// Only paused coroutines are stopped. A running one (the caller, and a
// coroutine that started the caller with Go and is still inside that call)
// is not paused, so Close neither stops it nor waits for it: it runs on to
// its return, and if it pauses again, a later Close stops it.
func (r *Runner) Close() {
	for len(r.live) > 0 {
		for co := range r.live {
			r.stopCoroutine(co)
		}
	}
}

// Pending reports how many coroutines are paused at an Await.
func (r *Runner) Pending() int { return len(r.live) }

// errorf logs a failure that has no Future left to hold it.
func (r *Runner) errorf(format string, v ...any) {
	if r.ErrorLog != nil {
		r.ErrorLog.Printf(format, v...)
		return
	}
	defaultLogger.Printf(format, v...)
}
