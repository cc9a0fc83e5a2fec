package callbacks

import (
	"container/heap"
	"errors"
	"log"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Errors the loop reports about its own state.
var (
	// ErrRunning is returned by Start on a loop that is already running, and by
	// Close on a loop that has not stopped yet.
	ErrRunning = errors.New("callbacks: loop is already running")
	// ErrClosed is returned by Start on a loop that was closed.
	ErrClosed = errors.New("callbacks: loop is closed")
)

// Events is what a file descriptor is ready for, or what a handler wants to
// hear about: readable, writable, or in an error state. It is a bit set, like
// the IOLoop.READ, IOLoop.WRITE and IOLoop.ERROR constants of Tornado.
type Events uint8

const (
	// READ means the descriptor has bytes to read, or the peer closed it (a
	// read then returns 0 bytes or the error).
	READ Events = 1 << iota
	// WRITE means the descriptor can take more bytes, or a connect finished.
	WRITE
	// ERROR means the descriptor is in an error state. Handlers always hear
	// about it, whatever they asked for.
	ERROR
)

// String spells an event set as "READ|WRITE", so that logs and test failures
// are readable.
func (e Events) String() string {
	var names []string
	for _, ev := range []struct {
		bit  Events
		name string
	}{{READ, "READ"}, {WRITE, "WRITE"}, {ERROR, "ERROR"}} {
		if e&ev.bit != 0 {
			names = append(names, ev.name)
		}
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}

// A Loop is a toy event loop: one goroutine that waits in poll(2) until a file
// descriptor is ready or a timer is due, then runs the callbacks waiting for
// that. Everything the loop runs, runs on the goroutine that called Start,
// one callback at a time, so callbacks share state without locks.
//
// The loop has three kinds of work:
//
//   - handlers: a function per file descriptor, run when poll says the
//     descriptor is ready (AddHandler, UpdateHandler, RemoveHandler);
//   - timers: a function run once a delay has passed (CallLater);
//   - callbacks: a function run on the next turn of the loop (AddCallback).
//
// Only AddCallback and Stop may be called from other goroutines. Everything
// else belongs to the loop's goroutine, or to the goroutine that sets the
// loop up before Start.
type Loop struct {
	// ErrorLog receives the report, with a stack trace, of a callback that
	// panicked; the loop then goes on with the next callback, as Tornado's
	// IOLoop logs "Exception in callback" and carries on. Nil means the log
	// package's standard logger.
	ErrorLog *log.Logger

	// The loop goroutine's own state: no lock guards it, because nothing but
	// the loop goroutine touches it while the loop runs.
	handlers map[int]*handler
	timers   timerHeap
	seq      uint64 // orders timers due at the same instant first come, first served
	stopping bool
	readBuf  []byte // one read buffer for all of the loop's sockets: one handler runs at a time

	// The one shared part: the queue that AddCallback fills from any goroutine,
	// and the pipe that wakes the loop when it sleeps in poll(2).
	mu       sync.Mutex
	queue    []func()
	sleeping bool // the loop is in poll(2), or about to be, with no wake-up byte sent yet
	running  bool
	closed   bool
	wakeR    int // the loop polls this end of the self-pipe
	wakeW    int // AddCallback writes a byte to this end
}

type handler struct {
	events Events
	fn     func(Events)
}

// NewLoop returns a loop ready to Start. It opens the self-pipe that lets other
// goroutines wake the loop; Close closes it.
func NewLoop() (*Loop, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, err
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return nil, err
		}
	}
	l := &Loop{
		handlers: map[int]*handler{},
		readBuf:  make([]byte, 64<<10),
		wakeR:    p[0],
		wakeW:    p[1],
	}
	// The read end of the pipe is watched like any other descriptor. Its
	// handler only empties the pipe: the queue itself is run at the top of the
	// next turn.
	l.AddHandler(l.wakeR, READ, func(Events) {
		var buf [128]byte
		for {
			if n, err := unix.Read(l.wakeR, buf[:]); n <= 0 || err != nil {
				return
			}
		}
	})
	return l, nil
}

// AddCallback arranges for fn to run on the loop's goroutine on its next turn.
// Callbacks run in the order they were added.
//
// This is the one method that is safe from any goroutine, and so the one place
// in the loop that needs a lock: another goroutine (a signal watcher, a worker
// that finished a blocking job, a test) appends to the queue while the loop
// goroutine may be taking it. The lock guards only the append and the swap, a
// few nanoseconds, never a callback.
//
// The loop may be asleep in poll(2), which knows nothing of Go slices. So if
// the loop is asleep, AddCallback also writes one byte to the self-pipe, and
// poll wakes up because the pipe's read end is readable. The sleeping flag
// keeps that to one write per sleep, and to none at all when the loop is
// awake (a callback adding another, say): the loop looks at the queue, under
// the same lock, before it goes to sleep. See sleep.
//
// After Close, AddCallback drops fn: the pipe is gone, and its descriptor
// number may already belong to some other file.
func (l *Loop) AddCallback(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.queue = append(l.queue, fn)
	if l.sleeping {
		l.sleeping = false
		// EAGAIN means the pipe is full of wake-up bytes already: good enough.
		_, _ = unix.Write(l.wakeW, []byte{0})
	}
}

// A Timer is a function scheduled by CallLater.
type Timer struct {
	when time.Time
	seq  uint64
	fn   func() // nil once cancelled or run
}

// CallLater arranges for fn to run on the loop's goroutine once d has passed
// (Tornado's IOLoop.call_later). Call it from the loop's goroutine.
func (l *Loop) CallLater(d time.Duration, fn func()) *Timer {
	l.seq++
	t := &Timer{when: time.Now().Add(d), seq: l.seq, fn: fn}
	heap.Push(&l.timers, t)
	return t
}

// Cancel keeps a timer from running, if it has not run yet. The timer stays in
// the loop's heap until its time comes and is skipped then: cheaper than
// digging it out, the same trade Tornado's remove_timeout makes. Call it from
// the loop's goroutine.
func (t *Timer) Cancel() { t.fn = nil }

// AddHandler asks the loop to call fn whenever fd is ready for one of events.
// fn receives what fd is ready for. The loop never reads, writes or closes fd:
// the handler does. Call it from the loop's goroutine.
func (l *Loop) AddHandler(fd int, events Events, fn func(Events)) {
	l.handlers[fd] = &handler{events: events, fn: fn}
}

// UpdateHandler changes the events the loop watches fd for, say from WRITE
// (waiting for a connect) to READ (waiting for the answer).
func (l *Loop) UpdateHandler(fd int, events Events) {
	if h := l.handlers[fd]; h != nil {
		h.events = events
	}
}

// RemoveHandler stops watching fd. Remove a descriptor before closing it: the
// kernel hands its number to the next socket opened.
func (l *Loop) RemoveHandler(fd int) { delete(l.handlers, fd) }

// Stop asks the loop to return from Start once the callbacks and timers of the
// current turn have run. It is safe from any goroutine, because it is only a
// callback; called before Start, it makes Start return after one turn.
func (l *Loop) Stop() { l.AddCallback(func() { l.stopping = true }) }

// Start runs the loop on the calling goroutine until Stop. Each turn does the
// same four things, in the order Tornado's IOLoop does them:
//
//  1. run the callbacks queued before this turn began (callbacks they add wait
//     for the next turn, so a callback that re-adds itself cannot starve I/O);
//  2. run the timers that are due;
//  3. return if Stop was called;
//  4. sleep in poll(2) until a descriptor is ready or the next timer is due,
//     then run the handlers of the ready descriptors.
func (l *Loop) Start() error {
	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return ErrClosed
	case l.running:
		l.mu.Unlock()
		return ErrRunning
	}
	l.running = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.running, l.stopping = false, false
		l.mu.Unlock()
	}()

	for {
		l.runCallbacks()
		l.runTimers()
		if l.stopping {
			return nil
		}
		if err := l.poll(); err != nil {
			return err
		}
	}
}

// Close releases the self-pipe. The loop must have stopped. Sockets still
// registered belong to their handlers, which should have closed them.
func (l *Loop) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.running:
		return ErrRunning
	case l.closed:
		return nil
	}
	l.closed = true
	l.queue = nil
	return errors.Join(unix.Close(l.wakeR), unix.Close(l.wakeW))
}

func (l *Loop) runCallbacks() {
	l.mu.Lock()
	batch := l.queue
	l.queue = nil
	l.mu.Unlock()
	for _, fn := range batch {
		l.safely(fn)
	}
}

func (l *Loop) runTimers() {
	// Collect the due timers first: a timer that schedules another with a zero
	// delay must not keep this turn going forever.
	now := time.Now()
	var due []*Timer
	for len(l.timers) > 0 && !l.timers[0].when.After(now) {
		due = append(due, heap.Pop(&l.timers).(*Timer))
	}
	for _, t := range due {
		if fn := t.fn; fn != nil {
			t.fn = nil
			l.safely(fn)
		}
	}
}

// poll builds the list of descriptors to watch, sleeps in poll(2) until one is
// ready or the next timer is due, and runs the ready descriptors' handlers.
// poll(2) is the oldest portable poller; it costs a pass over every watched
// descriptor per call, which is fine for a toy. stage5's IOLoop uses epoll and
// kqueue, which remember the set between calls.
func (l *Loop) poll() error {
	fds := make([]unix.PollFd, 0, len(l.handlers))
	for fd, h := range l.handlers {
		var ev int16
		if h.events&READ != 0 {
			ev |= unix.POLLIN
		}
		if h.events&WRITE != 0 {
			ev |= unix.POLLOUT
		}
		fds = append(fds, unix.PollFd{Fd: int32(fd), Events: ev})
	}
	_, err := unix.Poll(fds, l.sleep())
	l.mu.Lock()
	l.sleeping = false
	l.mu.Unlock()
	if err != nil {
		if err == unix.EINTR {
			return nil // a signal arrived; go round again
		}
		return err
	}
	for _, p := range fds {
		if p.Revents == 0 {
			continue
		}
		// A handler that ran earlier in this pass may have removed this one.
		h := l.handlers[int(p.Fd)]
		if h == nil {
			continue
		}
		var ev Events
		if p.Revents&(unix.POLLIN|unix.POLLHUP) != 0 {
			ev |= READ
		}
		if p.Revents&unix.POLLOUT != 0 {
			ev |= WRITE
		}
		if p.Revents&(unix.POLLERR|unix.POLLNVAL) != 0 {
			ev |= ERROR
		}
		if ev &= h.events | ERROR; ev != 0 {
			l.safely(func() { h.fn(ev) })
		}
	}
	return nil
}

// sleep decides how many milliseconds poll may sleep. If callbacks are
// queued, none: they are due now. Otherwise the loop declares itself asleep,
// under the lock AddCallback takes, so that from here on any new callback
// writes the wake-up byte; one added between this moment and the poll call
// leaves its byte in the pipe, and poll returns at once. Without that flag
// set under the lock, a callback could slip in after the check and sleep
// unnoticed until the next timer, or for ever.
func (l *Loop) sleep() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) > 0 {
		return 0
	}
	l.sleeping = true
	return l.timerTimeout()
}

// timerTimeout is how long until the next live timer is due, in
// milliseconds, rounded up so the loop never wakes a little early and spins;
// -1 (for ever) when no timer is waiting. Cancelled timers at the top of the
// heap are dropped here.
func (l *Loop) timerTimeout() int {
	for len(l.timers) > 0 && l.timers[0].fn == nil {
		heap.Pop(&l.timers)
	}
	if len(l.timers) == 0 {
		return -1
	}
	d := time.Until(l.timers[0].when)
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// safely runs fn and, if it panics, logs the panic with its stack and returns,
// so that one broken callback does not take the loop down with it.
func (l *Loop) safely(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			logger := l.ErrorLog
			if logger == nil {
				logger = log.Default()
			}
			logger.Printf("callbacks: panic in callback: %v\n%s", v, debug.Stack())
		}
	}()
	fn()
}

// timerHeap keeps timers ordered by deadline, earliest first (container/heap).
type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*Timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
