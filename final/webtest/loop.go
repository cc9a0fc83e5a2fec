// Loop: an IOLoop owned by one test (Tornado's AsyncTestCase), the waits
// that bound every step of the test, and coroutine test bodies (gen_test).

package webtest

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
)

// Sentinel errors of package webtest.
var (
	// ErrTimeout is the error of a wait that outlived the test's timeout
	// (Timeout, WithTimeout): Tornado's "Async operation timed out".
	ErrTimeout = errors.New("webtest: timed out")
	// ErrLoopStopped is the error of a wait whose loop stopped before the
	// awaited Future was done.
	ErrLoopStopped = errors.New("webtest: the loop stopped")
	// ErrOnLoop is the error of a blocking wait called on the loop it
	// waits for (from a callback or a coroutine body), which would wait
	// for itself: await the Future there instead (gen.Await).
	ErrOnLoop = errors.New("webtest: blocking wait called on the test's loop")
)

// Loop is an IOLoop that runs on a goroutine of its own for one test,
// Tornado's AsyncTestCase.io_loop: the test's goroutine stays free to
// wait, and every wait it makes (Await, Call, Run, Fetch) has a deadline,
// so that a test whose answer never comes fails instead of hanging. Its
// logger is the test's Log: a panic in a callback, or an error logged on
// the loop, fails the test. It stops when the test ends (t.Cleanup):
// the servers on it first, then the loop, which must return within 10
// seconds or the test fails with the loop's stack.
//
// Unlike Tornado's, the loop is always running: the test never starts or
// stops it by hand (there is no stop/wait pair), and code on it runs
// concurrently with the test's goroutine, so the test touches state of the
// loop's only through Call or Await.
type Loop struct {
	// t is the test that owns the loop.
	t testing.TB
	// loop is the running loop.
	loop *ioloop.IOLoop
	// log is the test's log, the loop's logger.
	log *Log
	// timeout bounds each wait.
	timeout time.Duration
	// done is closed when the loop's goroutine has returned.
	done chan struct{}
	// loopGoid is the id of the loop's goroutine, coGoid that of the
	// coroutine Run runs (0 when none): both hold the loop while they run,
	// so a blocking wait there would wait for itself.
	loopGoid, coGoid atomic.Int64
}

// NewLoop starts a loop for t, with a Log of its own as its logger
// (ioloop.WithLogger), and stops it when the test ends. Options:
// WithTimeout, WithFailLevel, AllowErrorLogs.
func NewLoop(t testing.TB, opts ...Option) *Loop {
	t.Helper()
	o := buildOptions(opts)
	log := NewLog(t, opts...)
	loop, err := ioloop.New(ioloop.WithLogger(log.Logger()))
	if err != nil {
		t.Fatalf("webtest: new loop: %v", err)
	}
	l := &Loop{t: t, loop: loop, log: log, timeout: o.timeout, done: make(chan struct{})}
	go l.run()
	t.Cleanup(l.stop)
	return l
}

// run is the loop's goroutine.
func (l *Loop) run() {
	defer close(l.done)
	l.loopGoid.Store(goid())
	returned := false
	defer func() {
		if !returned {
			// runtime.Goexit on the loop: t.FailNow (require, t.Fatal)
			// called from a callback or a coroutine. The loop is gone and
			// nothing it owed will come; say why before the waits time
			// out.
			l.t.Errorf("webtest: the loop's goroutine exited (t.FailNow, t.Fatal or require called on the loop); " +
				"in a coroutine body, use the testing.TB that Run passes it")
		}
	}()
	err := l.loop.Start()
	returned = true
	if err != nil {
		l.t.Errorf("webtest: loop: %v", err)
	}
}

// stop ends the loop at the end of the test: the callbacks queued so far
// run, then the loop returns and is closed with every descriptor still
// registered (Tornado's close(all_fds=True)).
func (l *Loop) stop() {
	l.loop.AddCallback(l.loop.Stop)
	select {
	case <-l.done:
	case <-time.After(stopTimeout):
		l.t.Errorf("webtest: the loop did not stop within %v: a callback or handler is stuck; the loop's goroutine:\n%s",
			stopTimeout, goroutineStack(l.loopGoid.Load()))
		return
	}
	if err := l.loop.Close(true); err != nil {
		l.t.Logf("webtest: closing the loop: %v", err)
	}
}

// IOLoop returns the loop, to give to the code under test (a server, a
// client, gen.Go). Its methods other than AddCallback and Stop are for the
// loop's goroutine: from the test's goroutine, go through Call or Await.
func (l *Loop) IOLoop() *ioloop.IOLoop { return l.loop }

// Log returns the test's log, the loop's logger.
func (l *Loop) Log() *Log { return l.log }

// Logger returns a logger writing to the test's log (web.Settings.Logger,
// for code given a logger of its own).
func (l *Loop) Logger() *slog.Logger { return l.log.Logger() }

// ExpectLog runs fn with an expectation of a record at level or above,
// matching pattern, in force on the loop's log (Log.ExpectLog): Tornado's
// `with ExpectLog(...)`.
func (l *Loop) ExpectLog(level slog.Level, pattern string, fn func()) {
	l.t.Helper()
	l.log.ExpectLog(level, pattern, fn)
}

// Timeout returns the bound of each of the test's waits.
func (l *Loop) Timeout() time.Duration { return l.timeout }

// Call runs fn on the loop's goroutine and returns once it has run, to
// read or change state that belongs to the loop; it fails the test if the
// loop does not get to fn within the timeout.
func (l *Loop) Call(fn func()) {
	l.t.Helper()
	_, err := await(l, l.timeout, func() *concurrent.Future[struct{}] {
		fn()
		return concurrent.Resolved(struct{}{})
	})
	if err != nil {
		l.t.Fatalf("webtest: Call: %v", err)
	}
}

// Await calls start on the loop's goroutine and waits for the Future it
// returns, for at most the loop's timeout: the test's goroutine waiting
// for asynchronous code, Tornado's run_sync. The error is the Future's, or
// wraps ErrTimeout (the Future is then left as it is), ErrLoopStopped or
// ErrOnLoop. A panic in start becomes a *concurrent.PanicError.
func Await[T any](l *Loop, start func() *concurrent.Future[T]) (T, error) {
	return await(l, l.timeout, start)
}

// await is Await with its own bound.
func await[T any](l *Loop, d time.Duration, start func() *concurrent.Future[T]) (T, error) {
	var zero T
	if id := goid(); id == l.loopGoid.Load() || id == l.coGoid.Load() {
		return zero, ErrOnLoop
	}
	ch := make(chan concurrent.Outcome[T], 1)
	l.loop.AddCallback(func() {
		var f *concurrent.Future[T]
		func() {
			defer func() {
				if r := recover(); r != nil {
					f = concurrent.Failed[T](&concurrent.PanicError{Value: r, Stack: stack()})
				}
			}()
			f = start()
		}()
		if f == nil {
			f = concurrent.Failed[T](errors.New("webtest: Await's function returned a nil Future"))
		}
		f.AddDoneCallback(func(f *concurrent.Future[T]) {
			v, err := f.Result()
			ch <- concurrent.Outcome[T]{Value: v, Err: err}
		})
	})
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case o := <-ch:
		return o.Value, o.Err
	case <-timer.C:
		return zero, fmt.Errorf("%w after %v", ErrTimeout, d)
	case <-l.done:
		return zero, ErrLoopStopped
	}
}

// Run runs body as a coroutine on the loop (gen.Go) and waits for it, for
// at most the loop's timeout: Tornado's @gen_test. It fails the test
// (t.Fatalf, so call it from the test's goroutine) if body returns an
// error, panics, or has not returned in time; after a timeout the failure
// shows where the coroutine is suspended (its goroutine's stack), as
// gen_test throws its TimeoutError into the coroutine so that the
// traceback points at the await that never returned.
//
// After a timeout the coroutine stays suspended: Go cannot interrupt it,
// and once the loop stops nothing resumes it, so its goroutine lives until
// the test binary exits (CheckLeaks counts it too).
//
// body gets a testing.TB to assert with: the test's, except that FailNow
// (and Fatal, Fatalf, SkipNow, Skip, Skipf, and so require's checks) ends
// the coroutine and then the test, instead of calling runtime.Goexit on the
// loop, which would kill the loop's goroutine.
func (l *Loop) Run(body func(t testing.TB, c *gen.Co) error) {
	l.t.Helper()
	l.RunTimeout(l.timeout, body)
}

// RunTimeout is Run with its own timeout: @gen_test(timeout=d).
func (l *Loop) RunTimeout(d time.Duration, body func(t testing.TB, c *gen.Co) error) {
	l.t.Helper()
	ct := coT{l.t}
	var co atomic.Int64
	_, err := await(l, d, func() *concurrent.Future[struct{}] {
		return gen.Go(l.loop, func(c *gen.Co) (struct{}, error) {
			// The body runs on a goroutine of its own (iter.Pull's),
			// switched to from the loop's: its id finds its stack.
			co.Store(goid())
			l.coGoid.Store(co.Load())
			defer l.coGoid.Store(0)
			return struct{}{}, body(ct, c)
		})
	})
	var pe *concurrent.PanicError
	switch {
	case err == nil:
	case errors.Is(err, ErrTimeout):
		l.t.Fatalf("webtest: coroutine timed out after %v; it is suspended here:\n%s", d, goroutineStack(co.Load()))
	case errors.As(err, &pe) && pe.Value == errFailNow:
		l.t.FailNow()
	case errors.As(err, &pe) && pe.Value == errSkipNow:
		l.t.SkipNow()
	case pe != nil:
		l.t.Fatalf("webtest: coroutine panicked: %v\n%s", pe.Value, pe.Stack)
	default:
		l.t.Fatalf("webtest: coroutine failed: %v", err)
	}
}

// The panic values with which a coroutine body's FailNow and SkipNow end
// the coroutine; Run turns them back into the test's own.
var (
	errFailNow = errors.New("webtest: FailNow in a coroutine")
	errSkipNow = errors.New("webtest: SkipNow in a coroutine")
)

// coT is the testing.TB of a coroutine body: the test's, with the methods
// that call runtime.Goexit replaced by panics that end only the coroutine
// (gen turns them into the coroutine's error, which Run reads). Errorf and
// Logf are the test's, which are safe from any goroutine.
type coT struct{ testing.TB }

func (c coT) FailNow() {
	c.TB.Fail()
	panic(errFailNow)
}

func (c coT) Fatal(args ...any) {
	c.TB.Helper()
	c.TB.Error(args...)
	c.FailNow()
}

func (c coT) Fatalf(format string, args ...any) {
	c.TB.Helper()
	c.TB.Errorf(format, args...)
	c.FailNow()
}

func (c coT) SkipNow() { panic(errSkipNow) }

func (c coT) Skip(args ...any) {
	c.TB.Helper()
	c.TB.Log(args...)
	c.SkipNow()
}

func (c coT) Skipf(format string, args ...any) {
	c.TB.Helper()
	c.TB.Logf(format, args...)
	c.SkipNow()
}

// goid returns the calling goroutine's id, from the first line of its
// stack ("goroutine 7 [running]:"): the runtime offers no other way, and
// only the ids tie a goroutine to its stack in a dump of all of them.
func goid() int64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	s, _, _ = strings.Cut(s, " ")
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// goroutineStack returns the stack of goroutine id, taken from a dump of
// every goroutine (the runtime shows another goroutine's stack no other
// way): for a suspended coroutine, the await it waits at.
func goroutineStack(id int64) string {
	if id == 0 {
		return "(goroutine unknown)"
	}
	prefix := "goroutine " + strconv.FormatInt(id, 10) + " ["
	for _, g := range strings.Split(allStacks(), "\n\n") {
		if strings.HasPrefix(g, prefix) {
			return g
		}
	}
	return "(goroutine " + strconv.FormatInt(id, 10) + " has exited)"
}

// allStacks returns the stacks of all goroutines, growing the buffer until
// they fit.
func allStacks() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// stack returns the calling goroutine's stack.
func stack() []byte {
	buf := make([]byte, 16<<10)
	return buf[:runtime.Stack(buf, false)]
}
