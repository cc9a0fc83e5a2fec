package ioloop

import (
	"container/heap"
	"errors"
	"fmt"
	"log"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"golang.org/x/sys/unix"
)

// Errors the loop reports about itself, in one place.
var (
	// ErrRunning is returned by Start on a loop that is already running.
	ErrRunning = errors.New("ioloop: loop is already running")
	// ErrClosed is returned by Start, AddHandler and friends after Close.
	ErrClosed = errors.New("ioloop: loop is closed")
	// ErrTimeout is returned by RunSync when the function's Future is not done
	// within the timeout. Tornado raises tornado.util.TimeoutError.
	ErrTimeout = errors.New("ioloop: operation timed out")
	// ErrInstalled is returned by Install when there is a global instance already.
	ErrInstalled = errors.New("ioloop: a global instance is already installed")
)

// A Handler is told about the events on one file descriptor: AddHandler's
// handler(fd, events) in Tornado.
type Handler func(fd int, events Events)

// An IOLoop is a level-triggered I/O event loop: a poller, the handlers of the
// file descriptors it watches, a queue of callbacks, and a heap of timeouts.
// Start runs it on the calling goroutine, which becomes "the loop goroutine".
//
// Like Tornado's IOLoop, it is single-threaded: every method must be called on
// the loop goroutine (or before Start, on the goroutine that will call it),
// except AddCallback, AddCallbackFromSignal and Stop, which are safe from any
// goroutine. That is the one rule of the whole stage: work elsewhere hands its
// result back with AddCallback, and everything else needs no locks.
type IOLoop struct {
	// ErrorLog receives the stack of every callback or handler that panics,
	// and of every spawned callback whose Future fails. Nil means log's
	// standard logger. Tests set their own to check what was logged.
	ErrorLog *log.Logger

	poller   *poller
	handlers map[int]*handlerEntry
	timeouts timeoutHeap
	// cancelled counts removed timeouts still sitting in the heap; when they
	// are most of it, the heap is rebuilt without them, as Tornado does.
	cancelled int
	seq       uint64 // breaks deadline ties: timeouts due together run FIFO
	ready     []readyEvent

	// mu guards callbacks and closed: the only state other goroutines touch.
	mu        sync.Mutex
	callbacks []func()
	closed    bool

	running atomic.Bool
	stop    atomic.Bool
}

type handlerEntry struct {
	handler Handler
	events  Events
}

// New makes an IOLoop with its own poller (epoll on Linux, kqueue on macOS and
// the BSDs). It does not make it current: Start does that while it runs.
func New() (*IOLoop, error) {
	p, err := newPoller()
	if err != nil {
		return nil, fmt.Errorf("ioloop: new poller: %w", err)
	}
	return &IOLoop{poller: p, handlers: map[int]*handlerEntry{}, ready: make([]readyEvent, 128)}, nil
}

// # Which loop is "current"
//
// Tornado's IOLoop.current() returns the loop of the calling thread, kept in a
// thread-local. Go has no goroutine-locals, on purpose, so gornado says what
// "current" means in plain terms: the loop most recently made current, either
// by MakeCurrent or by Start, which makes its loop current while it runs and
// restores the previous one when it returns. With nothing current, Current
// falls back to the global Instance, as Tornado does.
//
// For the common program, one loop on the main goroutine, that is exactly
// Tornado's behaviour. A program that runs several loops on several goroutines
// at once should pass each *IOLoop explicitly (every constructor here takes
// one), which is also what idiomatic Go would do.
var global struct {
	sync.Mutex
	current  *IOLoop
	instance *IOLoop
}

// Current returns the current loop: the one running or made current most
// recently, else the global Instance (created if needed).
func Current() *IOLoop {
	global.Lock()
	c := global.current
	global.Unlock()
	if c != nil {
		return c
	}
	return Instance()
}

// MakeCurrent makes l the loop that Current returns.
func (l *IOLoop) MakeCurrent() {
	global.Lock()
	global.current = l
	global.Unlock()
}

// Instance returns the global loop, creating it on first use: the loop other
// goroutines use to talk to "the main loop". It panics if no poller can be
// made, which means the process is out of file descriptors.
func Instance() *IOLoop {
	global.Lock()
	defer global.Unlock()
	if global.instance == nil {
		l, err := New()
		if err != nil {
			panic(err)
		}
		global.instance = l
	}
	return global.instance
}

// Initialized reports whether a global instance exists.
func Initialized() bool {
	global.Lock()
	defer global.Unlock()
	return global.instance != nil
}

// Install makes l the global instance, for programs that build their loop
// themselves. It fails if there is one already.
func (l *IOLoop) Install() error {
	global.Lock()
	defer global.Unlock()
	if global.instance != nil {
		return ErrInstalled
	}
	global.instance = l
	return nil
}

// ClearInstance forgets the global instance (and the current loop, if it was
// that one), mostly so that tests can start afresh. It does not close it.
func ClearInstance() {
	global.Lock()
	defer global.Unlock()
	if global.current == global.instance {
		global.current = nil
	}
	global.instance = nil
}

// # Running

// Start runs the loop on the calling goroutine until Stop. Each turn of the
// loop does what Tornado's PollIOLoop.start does, in the same order:
//
//  1. take the callbacks queued so far (callbacks queued while they run wait
//     for the next turn, so a callback that re-adds itself cannot starve I/O);
//  2. pop the timeouts that are due, skipping removed ones;
//  3. run the callbacks, then the due timeouts;
//  4. wait on the poller: not at all if callbacks are waiting, else until the
//     next timeout, else up to an hour;
//  5. call the handler of every fd that is ready.
func (l *IOLoop) Start() error {
	if l.isClosed() {
		return ErrClosed
	}
	if !l.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer l.running.Store(false)

	global.Lock()
	previous := global.current
	global.current = l
	global.Unlock()
	defer func() {
		global.Lock()
		global.current = previous
		global.Unlock()
	}()

	for !l.stop.Swap(false) {
		l.mu.Lock()
		callbacks := l.callbacks
		l.callbacks = nil
		l.mu.Unlock()

		now := l.Time()
		var due []*Timeout
		for len(l.timeouts) > 0 {
			t := l.timeouts[0]
			if t.callback == nil { // removed: drop it
				heap.Pop(&l.timeouts)
				l.cancelled--
			} else if !t.deadline.After(now) {
				due = append(due, heap.Pop(&l.timeouts).(*Timeout))
			} else {
				break
			}
		}
		if l.cancelled > 512 && l.cancelled > len(l.timeouts)/2 {
			l.compactTimeouts()
		}

		for _, fn := range callbacks {
			l.runCallback(fn)
		}
		for _, t := range due {
			if fn := t.callback; fn != nil { // a callback above may have removed it
				t.callback = nil
				l.runCallback(fn)
			}
		}

		wait := maxPollTimeout
		l.mu.Lock()
		if len(l.callbacks) > 0 {
			wait = 0
		}
		l.mu.Unlock()
		if wait > 0 && len(l.timeouts) > 0 {
			wait = max(0, min(wait, l.timeouts[0].deadline.Sub(l.Time())))
		}
		if l.stop.Load() {
			break
		}

		n, err := l.poller.wait(wait, l.ready)
		if err != nil {
			return fmt.Errorf("ioloop: poll: %w", err)
		}
		// Look every handler up before calling any: a handler may remove
		// another fd's handler (closing a pair of streams, say), and an fd
		// closed and reopened within this turn must not get the old events.
		type call struct {
			fd     int
			events Events
			entry  *handlerEntry
		}
		calls := make([]call, 0, n)
		for _, r := range l.ready[:n] {
			if e, ok := l.handlers[r.fd]; ok {
				calls = append(calls, call{r.fd, r.events, e})
			}
		}
		for _, c := range calls {
			if l.handlers[c.fd] == c.entry {
				l.runHandler(c.entry.handler, c.fd, c.events)
			}
		}
	}
	l.stop.Store(false)
	return nil
}

// Stop makes Start return after the current turn. It is safe from any
// goroutine. Like Tornado's stop, calling it before Start makes the next Start
// return at once.
func (l *IOLoop) Stop() {
	l.stop.Store(true)
	l.mu.Lock()
	if !l.closed {
		_ = l.poller.wake()
	}
	l.mu.Unlock()
}

// RunSync starts the loop, runs fn on it, and stops the loop when the Future
// fn returns is done; it returns that Future's result. A nil Future counts as
// a nil result, and a panic in fn as its error. With a timeout above zero,
// RunSync gives up after it: the Future is cancelled and the error wraps
// ErrTimeout. This is how a batch program runs its main coroutine (the seed's
// IOLoop.current().run_sync(lambda: divide(1, 0))).
func (l *IOLoop) RunSync(fn func() *futures.Future, timeout time.Duration) (any, error) {
	var f *futures.Future
	l.AddCallback(func() {
		func() {
			defer func() {
				if r := recover(); r != nil {
					f = futures.Failed(fmt.Errorf("ioloop: RunSync function panicked: %v", r))
				}
			}()
			f = fn()
		}()
		if f == nil {
			f = futures.Resolved(nil)
		}
		f.AddDoneCallback(func(*futures.Future) { l.Stop() })
	})
	var t *Timeout
	if timeout > 0 {
		t = l.CallLater(timeout, func() {
			if f != nil {
				f.Cancel()
			}
			l.Stop()
		})
	}
	if err := l.Start(); err != nil {
		return nil, err
	}
	if t != nil {
		l.RemoveTimeout(t)
	}
	if f == nil || !f.Done() || f.Cancelled() {
		return nil, fmt.Errorf("%w after %v", ErrTimeout, timeout)
	}
	return f.Result()
}

// Close releases the poller. With allFDs it also closes every file
// descriptor that still has a handler, as Tornado's close(all_fds=True) does;
// otherwise they stay open and are merely forgotten. The loop must not be
// running. Callbacks added afterwards are dropped.
func (l *IOLoop) Close(allFDs bool) error {
	if l.running.Load() {
		return ErrRunning
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.callbacks = nil
	pollErr := l.poller.close()
	l.mu.Unlock()

	var firstErr error
	for fd := range l.handlers {
		if allFDs {
			if err := unix.Close(fd); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	l.handlers = map[int]*handlerEntry{}
	l.timeouts = nil
	if pollErr != nil && firstErr == nil {
		firstErr = pollErr
	}
	global.Lock()
	if global.current == l {
		global.current = nil
	}
	if global.instance == l {
		global.instance = nil
	}
	global.Unlock()
	return firstErr
}

func (l *IOLoop) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// # I/O events

// AddHandler asks the loop to call handler(fd, events) whenever fd has any of
// events (READ, WRITE; ERROR is always included). The fd must be non-blocking
// and must not have a handler already.
func (l *IOLoop) AddHandler(fd int, handler Handler, events Events) error {
	if l.isClosed() {
		return ErrClosed
	}
	if _, ok := l.handlers[fd]; ok {
		return fmt.Errorf("ioloop: fd %d already has a handler", fd)
	}
	if err := l.poller.add(fd, events); err != nil {
		return fmt.Errorf("ioloop: watch fd %d for %v: %w", fd, events, err)
	}
	l.handlers[fd] = &handlerEntry{handler: handler, events: events | ERROR}
	return nil
}

// UpdateHandler changes the events fd is watched for.
func (l *IOLoop) UpdateHandler(fd int, events Events) error {
	e, ok := l.handlers[fd]
	if !ok {
		return fmt.Errorf("ioloop: fd %d has no handler", fd)
	}
	if e.events == events|ERROR {
		return nil
	}
	if err := l.poller.modify(fd, events); err != nil {
		return fmt.Errorf("ioloop: watch fd %d for %v: %w", fd, events, err)
	}
	e.events = events | ERROR
	return nil
}

// RemoveHandler stops watching fd. Removing an fd that has no handler is not
// an error, so that close paths can call it unconditionally. The caller still
// owns the fd and closes it itself.
func (l *IOLoop) RemoveHandler(fd int) {
	if _, ok := l.handlers[fd]; !ok {
		return
	}
	delete(l.handlers, fd)
	_ = l.poller.remove(fd)
}

// # Callbacks

// AddCallback queues fn to run on the loop's next turn. It is safe from any
// goroutine, and it is the only way other goroutines should talk to a loop: a
// goroutine that finished some blocking work hands its result over with it.
// The first callback of a batch wakes the poller; the others find it awake.
// After Close, callbacks are silently dropped, as in Tornado.
func (l *IOLoop) AddCallback(fn func()) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	first := len(l.callbacks) == 0
	l.callbacks = append(l.callbacks, fn)
	if first {
		// Under the lock, so that Close cannot close the wake-up descriptor
		// (and the kernel hand its number to another file) in between.
		_ = l.poller.wake()
	}
	l.mu.Unlock()
}

// AddCallbackFromSignal is AddCallback. Tornado needs a separate method
// because a Python signal handler interrupts the loop's own thread, where
// taking a lock could deadlock. In Go, os/signal delivers signals on a channel
// to an ordinary goroutine, from which AddCallback is already safe.
func (l *IOLoop) AddCallbackFromSignal(fn func()) { l.AddCallback(fn) }

// SpawnCallback runs fn on the next turn and watches the Future it returns:
// if that Future fails, its error is logged, since nobody else is waiting for
// it. This is the seed's "fire and forget" (IOLoop.spawn_callback(divide, 1, 0)).
func (l *IOLoop) SpawnCallback(fn func() *futures.Future) {
	l.AddCallback(func() {
		f := fn()
		if f == nil {
			return
		}
		f.AddDoneCallback(func(f *futures.Future) {
			if err := f.Exception(); err != nil && !f.Cancelled() {
				l.logf("ioloop: exception in spawned callback: %v", err)
			}
		})
	})
}

// AddFuture calls callback(f) on the loop once f is done: on the turn after,
// never inside whoever resolved f, as Tornado's add_future does.
func (l *IOLoop) AddFuture(f *futures.Future, callback func(*futures.Future)) {
	f.AddDoneCallback(func(f *futures.Future) {
		l.AddCallback(func() { callback(f) })
	})
}

// runCallback runs one callback. A panic does not end the loop: it is logged
// with its stack, like an exception in a Tornado callback, and the loop goes on.
func (l *IOLoop) runCallback(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			l.logf("ioloop: exception in callback: %v\n%s", r, debug.Stack())
		}
	}()
	fn()
}

func (l *IOLoop) runHandler(h Handler, fd int, events Events) {
	defer func() {
		if r := recover(); r != nil {
			l.logf("ioloop: exception in handler for fd %d (%v): %v\n%s", fd, events, r, debug.Stack())
		}
	}()
	h(fd, events)
}

func (l *IOLoop) logf(format string, args ...any) {
	if l.ErrorLog != nil {
		l.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// # Timeouts

// A Timeout is a handle on a scheduled callback, for RemoveTimeout.
type Timeout struct {
	deadline time.Time
	seq      uint64
	callback func() // nil once run or removed
}

// Deadline is when the timeout is (or was) due.
func (t *Timeout) Deadline() time.Time { return t.deadline }

// Time is the loop's clock: time.Now, whose reading carries Go's monotonic
// clock, so deadlines survive the wall clock being set back or forward
// (Tornado's time() is time.monotonic for the same reason).
func (l *IOLoop) Time() time.Time { return time.Now() }

// CallAt runs callback on the loop at when (a time from Time).
func (l *IOLoop) CallAt(when time.Time, callback func()) *Timeout {
	l.seq++
	t := &Timeout{deadline: when, seq: l.seq, callback: callback}
	heap.Push(&l.timeouts, t)
	return t
}

// CallLater runs callback on the loop after delay.
func (l *IOLoop) CallLater(delay time.Duration, callback func()) *Timeout {
	return l.CallAt(l.Time().Add(delay), callback)
}

// AddTimeout runs callback at deadline. Tornado's add_timeout takes either an
// absolute time or a timedelta; Go keeps the two apart, so AddTimeout takes a
// time.Time (the same as CallAt) and CallLater takes a time.Duration.
func (l *IOLoop) AddTimeout(deadline time.Time, callback func()) *Timeout {
	return l.CallAt(deadline, callback)
}

// RemoveTimeout cancels t if it has not run. The entry stays in the heap and
// is skipped when it comes up: removing from the middle of a heap costs more
// than leaving a tombstone.
func (l *IOLoop) RemoveTimeout(t *Timeout) {
	if t == nil || t.callback == nil {
		return
	}
	t.callback = nil
	l.cancelled++
}

func (l *IOLoop) compactTimeouts() {
	live := l.timeouts[:0]
	for _, t := range l.timeouts {
		if t.callback != nil {
			live = append(live, t)
		}
	}
	l.timeouts = live
	heap.Init(&l.timeouts)
	l.cancelled = 0
}

// timeoutHeap orders timeouts by deadline, then by the order they were added.
type timeoutHeap []*Timeout

func (h timeoutHeap) Len() int { return len(h) }
func (h timeoutHeap) Less(i, j int) bool {
	if h[i].deadline.Equal(h[j].deadline) {
		return h[i].seq < h[j].seq
	}
	return h[i].deadline.Before(h[j].deadline)
}
func (h timeoutHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timeoutHeap) Push(x any)   { *h = append(*h, x.(*Timeout)) }
func (h *timeoutHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
