// The IOLoop: file descriptor handlers, callbacks, and the loop body that
// runs them.

package ioloop

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gornado/gornado/final/concurrent"
)

// Sentinel errors of package ioloop.
var (
	// ErrClosed is returned by methods of a closed IOLoop.
	ErrClosed = errors.New("ioloop: loop is closed")
	// ErrAlreadyRunning is returned by Start on a loop that is running.
	ErrAlreadyRunning = errors.New("ioloop: loop is already running")
	// ErrHandlerExists is returned by AddHandler for a descriptor that has
	// a handler already, as Tornado's add_handler raises.
	ErrHandlerExists = errors.New("ioloop: descriptor already has a handler")
	// ErrNoHandler is returned by UpdateHandler for a descriptor without a
	// handler.
	ErrNoHandler = errors.New("ioloop: descriptor has no handler")
	// ErrTimeout is returned by RunSync when its timeout passes first, like
	// Tornado's run_sync raising TimeoutError.
	ErrTimeout = errors.New("ioloop: operation timed out")
)

// Handler is called with a descriptor and the events it is ready for, on
// the loop's goroutine. The events always include ERROR when the poller
// reported one, even if it was not asked for.
type Handler func(fd int, events Events)

// HandleEvents calls h(fd, events), so that a Handler is an EventHandler.
func (h Handler) HandleEvents(fd int, events Events) { h(fd, events) }

// EventHandler is what AddEventHandler registers: an object that handles
// its descriptor's events itself, so that registering it costs no method
// value (a closure allocated per descriptor, which a loop with many idle
// connections pays for each).
type EventHandler interface {
	HandleEvents(fd int, events Events)
}

// handlerSlot is the registration of one descriptor; slots are indexed by
// descriptor number, which the kernel keeps small and dense.
type handlerSlot struct {
	// h is the handler; nil for a free slot. A Handler is stored as
	// itself (a func is one pointer, so this allocates nothing).
	h EventHandler
	// events is the interest given to AddHandler or UpdateHandler.
	events Events
}

// DefaultMaxEvents is the default number of ready descriptors taken from the
// poller per iteration.
const DefaultMaxEvents = 1024

// ReadBufferSize is the size of the read buffer each loop lends to the
// streams it runs (see ReadBuffer); it matches iostream's read chunk size.
const ReadBufferSize = 64 * 1024

// IOLoop is an event loop: it waits for descriptors to become ready, runs
// their handlers, the callbacks added with AddCallback, and the timers whose
// time has come, all on the one goroutine that called Start. Only
// AddCallback and Stop may be called from other goroutines; everything
// else, and every handler and callback, runs on the loop's goroutine.
type IOLoop struct {
	// poller is the readiness backend (poller.go).
	poller poller
	// handlers holds the registered handlers, indexed by descriptor.
	handlers []handlerSlot
	// nhandlers counts the registered handlers.
	nhandlers int
	// ready receives the poller's results; reused by every iteration.
	ready []readyEvent

	// mu guards pending.
	mu sync.Mutex
	// wakeMu orders wakes before Close: a wake holds it shared and checks
	// shut, Close takes it exclusively before closing the poller, so that
	// a late AddCallback from another goroutine (an executor finishing, a
	// TLS handshake) never writes to a closed, possibly reused, wake
	// descriptor.
	wakeMu sync.RWMutex
	// shut is set by Close under wakeMu and mu; callbacks added after it
	// are dropped.
	shut bool
	// pending holds callbacks added since the current batch started.
	pending []func()
	// batch is the batch of callbacks being run; it swaps with pending
	// each iteration so that neither slice is reallocated in steady state.
	batch []func()
	// sleeping is 1 while the loop is about to wait or waiting in the
	// poller with nothing else to do; AddCallback wakes the poller only
	// when it can flip this from 1 to 0, so many callbacks cost one wake.
	sleeping atomic.Int32
	// stopping asks the running loop to return from Start.
	stopping atomic.Bool
	// running is true between Start and its return.
	running atomic.Bool
	// closed is set by Close.
	closed bool
	// goid is the id of the goroutine running Start, for Current.
	goid atomic.Int64

	// timers is the heap of scheduled timers (timers.go).
	timers timerHeap
	// base is the loop's epoch: timer deadlines are nanoseconds since it,
	// on the monotonic clock.
	base time.Time
	// iterNow is the clock read when the current iteration began, or when
	// the poller returned (nanoseconds since base); iterTime is the same
	// instant as a time.Time, made once per reading so that Now, called
	// several times per request, costs a copy (setIterNow sets both).
	iterNow  int64
	iterTime time.Time

	// logger receives panics in callbacks and handlers.
	logger *slog.Logger
	// executor runs RunInExecutor's functions.
	executor concurrent.Executor
	// lockThread makes Start lock its goroutine to its OS thread.
	lockThread bool
	// readBuf is the buffer lent to streams by ReadBuffer.
	readBuf []byte
	// values holds per-loop state of other packages (SetValue). They are
	// few (one per package or application) and looked up per request, so a
	// short slice searched in order beats a map's hashing.
	values []loopValue
}

// loopValue is one entry of IOLoop.values.
type loopValue struct{ key, v any }

// Option configures a loop created by New.
type Option func(*IOLoop)

// WithLogger sets where panics in callbacks and handlers are logged (the
// default is slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(loop *IOLoop) { loop.logger = l } }

// WithExecutor sets the Executor of RunInExecutor (the default runs each
// function on a new goroutine).
func WithExecutor(e concurrent.Executor) Option {
	return func(loop *IOLoop) { loop.executor = e }
}

// WithLockOSThread makes Start lock the loop to its OS thread, so that a
// loop per core keeps its thread's caches warm and the scheduler never
// moves it. The price is paid on every wake: a locked loop parked in the
// netpoller runs only once its own thread is woken and handed a P, which
// made an executor hop 6-46 µs against 3-4 µs unlocked
// (BenchmarkExecutorHop). The lock ends when Start returns: a coroutine (final/gen) the
// loop created must not be resumed on that goroutine afterwards (by
// running the loop's callbacks by hand), since the Go runtime aborts a
// coroutine resumed under other OS-thread locking than it was created
// under. StartGroup, which runs its loops' leftover callbacks, holds the
// lock itself instead.
func WithLockOSThread() Option { return func(loop *IOLoop) { loop.lockThread = true } }

// WithMaxEvents sets how many ready descriptors one iteration takes from the
// poller (DefaultMaxEvents by default).
func WithMaxEvents(n int) Option {
	return func(loop *IOLoop) {
		if n > 0 {
			loop.ready = make([]readyEvent, n)
		}
	}
}

// New returns a loop that is not running. Close it when done with it.
func New(opts ...Option) (*IOLoop, error) {
	l := &IOLoop{
		base:     time.Now(),
		logger:   slog.Default(),
		executor: concurrent.GoExecutor{},
	}
	for _, o := range opts {
		o(l)
	}
	if l.ready == nil {
		l.ready = make([]readyEvent, DefaultMaxEvents)
	}
	p, err := newPoller(len(l.ready))
	if err != nil {
		return nil, err
	}
	l.poller = p
	return l, nil
}

// AddHandler registers fn to be called when fd is ready for events (READ,
// WRITE or both; ERROR is implied). Readiness is level-triggered: fn is
// called on every iteration while fd stays ready.
func (l *IOLoop) AddHandler(fd int, fn Handler, events Events) error {
	if fn == nil {
		return fmt.Errorf("ioloop: bad handler for descriptor %d", fd)
	}
	return l.AddEventHandler(fd, fn, events)
}

// AddEventHandler is AddHandler for an EventHandler: h.HandleEvents is
// called when fd is ready.
func (l *IOLoop) AddEventHandler(fd int, h EventHandler, events Events) error {
	if l.closed {
		return ErrClosed
	}
	if fd < 0 || h == nil {
		return fmt.Errorf("ioloop: bad handler for descriptor %d", fd)
	}
	if fd < len(l.handlers) && l.handlers[fd].h != nil {
		return fmt.Errorf("%w: %d", ErrHandlerExists, fd)
	}
	if err := l.poller.add(fd, events); err != nil {
		return err
	}
	for fd >= len(l.handlers) {
		l.handlers = append(l.handlers, handlerSlot{})
	}
	l.handlers[fd] = handlerSlot{h: h, events: events & (READ | WRITE)}
	l.nhandlers++
	return nil
}

// UpdateHandler changes the events fd's handler is called for.
func (l *IOLoop) UpdateHandler(fd int, events Events) error {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd].h == nil {
		return fmt.Errorf("%w: %d", ErrNoHandler, fd)
	}
	events &= READ | WRITE
	if l.handlers[fd].events == events {
		return nil
	}
	if err := l.poller.modify(fd, events); err != nil {
		return err
	}
	l.handlers[fd].events = events
	return nil
}

// RemoveHandler stops watching fd. It does not close fd. Events already
// taken from the poller for fd in this iteration are dropped. Removing a
// descriptor without a handler does nothing, as in Tornado.
func (l *IOLoop) RemoveHandler(fd int) {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd].h == nil {
		return
	}
	l.handlers[fd] = handlerSlot{}
	l.nhandlers--
	// The descriptor may be closed already, in which case the kernel has
	// dropped it from the interest set and remove fails harmlessly.
	_ = l.poller.remove(fd)
}

// AddCallback runs fn on the loop's next iteration. It is the one method
// safe to call from any goroutine (and from signal handlers' goroutines);
// it wakes the loop if it is waiting. Callbacks run in the order added.
func (l *IOLoop) AddCallback(fn func()) {
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		return // a closed loop runs nothing more
	}
	l.pending = append(l.pending, fn)
	l.mu.Unlock()
	if l.sleeping.CompareAndSwap(1, 0) {
		l.wake()
	}
}

// wake interrupts the poller unless the loop is closed.
func (l *IOLoop) wake() {
	l.wakeMu.RLock()
	if !l.shut {
		_ = l.poller.wake()
	}
	l.wakeMu.RUnlock()
}

// SpawnCallback runs fn on the next iteration and logs the error it
// returns, like Tornado's spawn_callback: a fire-and-forget task whose
// failure must not pass silently.
func (l *IOLoop) SpawnCallback(fn func() error) {
	l.AddCallback(func() {
		if err := fn(); err != nil {
			l.logger.Error("ioloop: error in spawned callback", "err", err)
		}
	})
}

// Stop makes Start return after the current iteration. Safe from any
// goroutine. Like Tornado, stopping a loop that is not running makes its
// next Start return after one iteration.
func (l *IOLoop) Stop() {
	l.stopping.Store(true)
	if l.sleeping.CompareAndSwap(1, 0) {
		l.wake()
	}
}

// Running reports whether Start is running.
func (l *IOLoop) Running() bool { return l.running.Load() }

// Time returns the loop's clock: the time on the monotonic clock that timer
// deadlines are measured against (Tornado's IOLoop.time).
func (l *IOLoop) Time() time.Time { return l.base.Add(time.Duration(l.now())) }

// now returns nanoseconds since l.base.
func (l *IOLoop) now() int64 { return int64(time.Since(l.base)) }

// Now returns the loop's clock (Time) as read once per iteration: when the
// iteration's callbacks start, again when its due timers run (so that a
// timer sees a time no earlier than its deadline), and when the poller
// returns, before the handlers of ready descriptors run. Work on a hot path that needs the
// time per request (a request's start time, a deadline, the Date field)
// reads it here instead of the system clock each time; it lags the true
// time by at most the time an iteration's own work takes. Outside Start it
// is Time. Loop goroutine only.
func (l *IOLoop) Now() time.Time {
	if !l.running.Load() {
		return l.Time()
	}
	return l.iterTime
}

// setIterNow records the iteration's clock reading for Now.
func (l *IOLoop) setIterNow(ns int64) {
	l.iterNow = ns
	l.iterTime = l.base.Add(time.Duration(ns))
}

// Logger returns the loop's logger.
func (l *IOLoop) Logger() *slog.Logger { return l.logger }

// ReadBuffer returns the loop's read buffer (ReadBufferSize bytes), lent to
// whoever runs on the loop: a stream reads into it and keeps bytes of its
// own only when some are left over, so that idle connections hold no
// buffer. Its contents are valid until the next caller uses it; use it on
// the loop's goroutine only.
func (l *IOLoop) ReadBuffer() []byte {
	if l.readBuf == nil {
		l.readBuf = make([]byte, ReadBufferSize)
	}
	return l.readBuf
}

// Value returns the per-loop value stored under key, or nil. Packages built
// on the loop (iostream's buffer pool, for one) keep their per-loop state
// here. Loop goroutine only.
// Keys compare with ==, as map keys do; an uncomparable key panics.
func (l *IOLoop) Value(key any) any {
	for i := range l.values {
		if l.values[i].key == key {
			return l.values[i].v
		}
	}
	return nil
}

// SetValue stores a per-loop value under key, replacing any value already
// there. Loop goroutine only.
func (l *IOLoop) SetValue(key, v any) {
	for i := range l.values {
		if l.values[i].key == key {
			l.values[i].v = v
			return
		}
	}
	l.values = append(l.values, loopValue{key, v})
}

// Start runs the loop on the calling goroutine until Stop is called. It
// returns nil after Stop, or the poller's error if waiting fails.
func (l *IOLoop) Start() error {
	if l.closed {
		return ErrClosed
	}
	if !l.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	if l.lockThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	l.goid.Store(goid())
	registerRunning(l)
	defer func() {
		unregisterRunning(l)
		l.goid.Store(0)
		l.sleeping.Store(0)
		l.stopping.Store(false)
		l.running.Store(false)
	}()
	for {
		l.setIterNow(l.now())
		l.runCallbacks()
		l.runTimers()
		if l.stopping.Load() {
			return nil
		}
		if err := l.poll(); err != nil {
			return err
		}
	}
}

// runCallbacks runs the callbacks added before this iteration began;
// callbacks they add run on the next iteration, as in Tornado, so a callback
// that re-adds itself cannot starve the poller.
func (l *IOLoop) runCallbacks() {
	l.mu.Lock()
	l.batch, l.pending = l.pending, l.batch[:0]
	l.mu.Unlock()
	for i, fn := range l.batch {
		l.batch[i] = nil // let the closure be collected
		l.safeCall(fn)
	}
}

// runLeftovers runs, on a loop that has stopped, the callbacks still
// pending, and those they add, for a few rounds: what Group.Stop does
// before closing its loops. A callback that keeps adding itself is
// abandoned after the last round.
func (l *IOLoop) runLeftovers() {
	for range 8 {
		l.mu.Lock()
		n := len(l.pending)
		l.mu.Unlock()
		if n == 0 {
			return
		}
		l.runCallbacks()
	}
}

// safeCall runs fn, logging a panic with its stack; the loop carries on,
// as Tornado logs "Exception in callback" and keeps running.
func (l *IOLoop) safeCall(fn func()) {
	defer l.recoverPanic("callback")
	fn()
}

// safeHandle runs a descriptor handler like safeCall.
func (l *IOLoop) safeHandle(h EventHandler, fd int, ev Events) {
	defer l.recoverPanic("handler")
	h.HandleEvents(fd, ev)
}

// recoverPanic logs a panic in what, if there is one.
func (l *IOLoop) recoverPanic(what string) {
	if r := recover(); r != nil {
		l.logger.Error("ioloop: panic in "+what, "panic", r, "stack", string(debug.Stack()))
	}
}

// sleepUntil reports whether the poller may block and until when (the zero
// Time: no limit, there being no timers), and marks the loop as sleeping
// when it may, so that AddCallback knows to wake it. The deadline is the
// next timer's, exactly: the poller wakes no earlier (which would spin an
// empty iteration) and no later than it.
func (l *IOLoop) sleepUntil() (until time.Time, block bool) {
	if l.stopping.Load() {
		return time.Time{}, false
	}
	// Announce the sleep before looking at pending: an AddCallback that
	// appends after our look will then see sleeping == 1 and wake us.
	l.sleeping.Store(1)
	l.mu.Lock()
	n := len(l.pending)
	l.mu.Unlock()
	if n > 0 || l.stopping.Load() {
		l.sleeping.Store(0)
		return time.Time{}, false
	}
	when, ok := l.timers.next()
	if !ok {
		return time.Time{}, true
	}
	if when <= l.now() {
		l.sleeping.Store(0)
		return time.Time{}, false
	}
	return l.base.Add(time.Duration(when)), true
}

// poll waits for readiness and runs the handlers of ready descriptors. With
// work pending (a callback, a due timer) it only looks, never sleeping.
func (l *IOLoop) poll() error {
	until, block := l.sleepUntil()
	var n int
	var err error
	switch {
	case block:
		n, err = l.poller.wait(until, l.ready)
	case l.nhandlers == 0:
		// Nothing to poll for and work waiting: skip the system call. A
		// pending wake stays in the wake descriptor until the next wait.
		return nil
	default:
		n, err = l.poller.poll(l.ready)
	}
	l.sleeping.Store(0)
	if err != nil {
		return err
	}
	if n > 0 && block {
		// The wait may have been long: the handlers see the time it ended.
		l.setIterNow(l.now())
	}
	for i := 0; i < n; i++ {
		ev := l.ready[i]
		fd := int(ev.fd)
		if fd >= len(l.handlers) {
			continue
		}
		slot := l.handlers[fd]
		if slot.h == nil {
			// Removed by an earlier handler in this iteration.
			continue
		}
		mask := ev.events & (slot.events | ERROR)
		if mask == 0 {
			continue
		}
		l.safeHandle(slot.h, fd, mask)
	}
	return nil
}

// Close releases the loop's poller. With allFDs, the descriptors that still
// have handlers are closed too (Tornado's close(all_fds=True)). The loop must
// not be running. Closing twice does nothing.
func (l *IOLoop) Close(allFDs bool) error {
	if l.running.Load() {
		return ErrAlreadyRunning
	}
	if l.closed {
		return nil
	}
	l.closed = true
	l.wakeMu.Lock()
	l.mu.Lock()
	l.shut = true
	l.pending = nil
	l.mu.Unlock()
	l.wakeMu.Unlock()
	unsetCurrent(l)
	var errs []error
	for fd, slot := range l.handlers {
		if slot.h != nil {
			_ = l.poller.remove(fd)
			if allFDs {
				errs = append(errs, closeFD(fd))
			}
		}
	}
	l.handlers = nil
	l.nhandlers = 0
	errs = append(errs, l.poller.close())
	return errors.Join(errs...)
}
