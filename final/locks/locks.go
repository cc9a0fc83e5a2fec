// Coordination primitives for coroutines on one loop, as tornado/locks.py:
// Condition, Event, Semaphore, BoundedSemaphore and Lock. None is safe for
// use from other goroutines: like everything on a loop, they need no locks
// of their own.

package locks

import (
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
)

// ErrTimeout is the error of a wait whose timeout passed first (Tornado's
// tornado.util.TimeoutError); it is gen.ErrTimeout.
var ErrTimeout = gen.ErrTimeout

// waiters is a FIFO of pending Futures. Waiters whose timeout passed stay
// in the queue, done, and are skipped, as in Tornado.
type waiters[T any] struct {
	// q holds the Futures, oldest first.
	q []*concurrent.Future[T]
}

// add queues a new pending Future.
func (w *waiters[T]) add() *concurrent.Future[T] {
	f := concurrent.NewFuture[T]()
	w.q = append(w.q, f)
	return f
}

// pop returns the oldest waiter still pending, or nil.
func (w *waiters[T]) pop() *concurrent.Future[T] {
	for len(w.q) > 0 {
		f := w.q[0]
		w.q[0] = nil
		w.q = w.q[1:]
		if !f.Done() {
			return f
		}
	}
	w.q = nil
	return nil
}

// pending counts waiters still pending.
func (w *waiters[T]) pending() int {
	n := 0
	for _, f := range w.q {
		if !f.Done() {
			n++
		}
	}
	return n
}

// withTimeout resolves f with onTimeout's result after d (d <= 0: never),
// and cancels the timer when f is done first.
func withTimeout[T any](loop *ioloop.IOLoop, d time.Duration, f *concurrent.Future[T], onTimeout func(*concurrent.Future[T])) {
	if d <= 0 {
		return
	}
	to := loop.CallLater(d, func() {
		if !f.Done() {
			onTimeout(f)
		}
	})
	f.AddDoneCallback(func(*concurrent.Future[T]) { loop.RemoveTimeout(to) })
}

// Condition lets coroutines wait until notified (Tornado's Condition).
type Condition struct {
	// loop runs the timeouts.
	loop *ioloop.IOLoop
	// w are the waiting coroutines.
	w waiters[bool]
}

// NewCondition returns a Condition whose timeouts run on loop.
func NewCondition(loop *ioloop.IOLoop) *Condition { return &Condition{loop: loop} }

// Wait returns a Future that resolves true when notified, or false when
// timeout (if positive) passes first.
func (c *Condition) Wait(timeout time.Duration) *concurrent.Future[bool] {
	f := c.w.add()
	withTimeout(c.loop, timeout, f, func(f *concurrent.Future[bool]) { f.SetResult(false) })
	return f
}

// Notify wakes up to n waiters, oldest first.
func (c *Condition) Notify(n int) {
	for ; n > 0; n-- {
		f := c.w.pop()
		if f == nil {
			return
		}
		f.SetResult(true)
	}
}

// NotifyAll wakes every waiter.
func (c *Condition) NotifyAll() { c.Notify(c.w.pending()) }

// Event is a flag coroutines can wait for (Tornado's Event).
type Event struct {
	// loop runs the timeouts.
	loop *ioloop.IOLoop
	// set is the flag.
	set bool
	// w are the waiting coroutines.
	w waiters[struct{}]
}

// NewEvent returns a cleared Event whose timeouts run on loop.
func NewEvent(loop *ioloop.IOLoop) *Event { return &Event{loop: loop} }

// IsSet reports the flag.
func (e *Event) IsSet() bool { return e.set }

// Set sets the flag and wakes every waiter.
func (e *Event) Set() {
	if e.set {
		return
	}
	e.set = true
	for f := e.w.pop(); f != nil; f = e.w.pop() {
		f.SetResult(struct{}{})
	}
}

// Clear resets the flag; later waits block again.
func (e *Event) Clear() { e.set = false }

// Wait returns a Future that resolves once the flag is set, or fails with
// ErrTimeout after timeout (if positive).
func (e *Event) Wait(timeout time.Duration) *concurrent.Future[struct{}] {
	if e.set {
		return concurrent.Resolved(struct{}{})
	}
	f := e.w.add()
	withTimeout(e.loop, timeout, f, func(f *concurrent.Future[struct{}]) { f.SetException(ErrTimeout) })
	return f
}

// Semaphore counts releases minus acquires; Acquire waits while the count
// is zero (Tornado's Semaphore).
type Semaphore struct {
	// loop runs the timeouts.
	loop *ioloop.IOLoop
	// value is the count.
	value int
	// w are the waiting acquirers.
	w waiters[struct{}]
}

// NewSemaphore returns a Semaphore with count value (which must not be
// negative).
func NewSemaphore(loop *ioloop.IOLoop, value int) *Semaphore {
	if value < 0 {
		panic("locks: semaphore initial value must be >= 0")
	}
	return &Semaphore{loop: loop, value: value}
}

// Value returns the count.
func (s *Semaphore) Value() int { return s.value }

// Acquire returns a Future that resolves once the count could be
// decremented, or fails with ErrTimeout after timeout (if positive).
func (s *Semaphore) Acquire(timeout time.Duration) *concurrent.Future[struct{}] {
	if s.value > 0 {
		s.value--
		return concurrent.Resolved(struct{}{})
	}
	f := s.w.add()
	withTimeout(s.loop, timeout, f, func(f *concurrent.Future[struct{}]) { f.SetException(ErrTimeout) })
	return f
}

// Release increments the count, or hands it to the oldest waiter.
func (s *Semaphore) Release() {
	if f := s.w.pop(); f != nil {
		f.SetResult(struct{}{})
		return
	}
	s.value++
}

// BoundedSemaphore is a Semaphore that may not be released above its
// initial value: doing so is a bug and panics, as Tornado raises
// ValueError("Semaphore released too many times").
type BoundedSemaphore struct {
	// Semaphore is the counter.
	Semaphore
	// initial is the bound.
	initial int
}

// NewBoundedSemaphore returns a BoundedSemaphore with count value.
func NewBoundedSemaphore(loop *ioloop.IOLoop, value int) *BoundedSemaphore {
	return &BoundedSemaphore{Semaphore: *NewSemaphore(loop, value), initial: value}
}

// Release increments the count; releasing above the initial value panics.
func (b *BoundedSemaphore) Release() {
	if b.value >= b.initial {
		panic("locks: semaphore released too many times")
	}
	b.Semaphore.Release()
}

// Lock is a mutex for coroutines (Tornado's Lock): Acquire waits while
// another holds it. It is not reentrant.
type Lock struct {
	// sem is a BoundedSemaphore of one.
	sem *BoundedSemaphore
}

// NewLock returns an unlocked Lock whose timeouts run on loop.
func NewLock(loop *ioloop.IOLoop) *Lock { return &Lock{sem: NewBoundedSemaphore(loop, 1)} }

// Acquire returns a Future that resolves once the lock is held, or fails
// with ErrTimeout after timeout (if positive).
func (l *Lock) Acquire(timeout time.Duration) *concurrent.Future[struct{}] {
	return l.sem.Acquire(timeout)
}

// Release unlocks; releasing an unlocked Lock panics (Tornado raises
// RuntimeError("release unlocked lock")).
func (l *Lock) Release() {
	if l.sem.value >= 1 {
		panic("locks: release unlocked lock")
	}
	l.sem.Release()
}

// Locked reports whether the lock is held.
func (l *Lock) Locked() bool { return l.sem.value == 0 }
