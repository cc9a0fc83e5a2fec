// Queues for coroutines on one loop, as tornado/queues.py: Queue (FIFO),
// PriorityQueue and LifoQueue, with a maximum size, waits with timeouts,
// and TaskDone/Join to wait until every item is processed.

package queues

import (
	"container/heap"
	"errors"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/locks"
)

// Sentinel errors of package queues.
var (
	// ErrQueueEmpty is returned by GetNowait on an empty queue (Tornado's
	// QueueEmpty).
	ErrQueueEmpty = errors.New("queues: queue is empty")
	// ErrQueueFull is returned by PutNowait on a full queue (Tornado's
	// QueueFull).
	ErrQueueFull = errors.New("queues: queue is full")
	// ErrTimeout is the error of a Put, Get or Join whose timeout passed.
	ErrTimeout = locks.ErrTimeout
)

// store is the order in which a queue hands out items.
type store[T any] interface {
	put(T)
	get() T
	len() int
}

// putter is a Put waiting for room.
type putter[T any] struct {
	// item is what it puts.
	item T
	// fut resolves when it is in.
	fut *concurrent.Future[struct{}]
}

// Queue coordinates producer and consumer coroutines (Tornado's Queue). A
// maxsize of 0 means unbounded. Loop goroutine only.
type Queue[T any] struct {
	// loop runs the timeouts.
	loop *ioloop.IOLoop
	// maxsize bounds the items held (0: no bound).
	maxsize int
	// items holds the items in the queue's order.
	items store[T]
	// getters are waiting Gets; putters are waiting Puts. Timed-out
	// waiters stay, done, until they reach the front (Tornado's
	// _consume_expired).
	getters []*concurrent.Future[T]
	putters []putter[T] // see getters
	// unfinished counts items put and not yet marked done.
	unfinished int
	// finished is set when unfinished reaches zero.
	finished *locks.Event
}

// New returns a FIFO queue holding at most maxsize items (0: unbounded).
func New[T any](loop *ioloop.IOLoop, maxsize int) *Queue[T] {
	return newQueue[T](loop, maxsize, &fifo[T]{})
}

// NewLifo returns a queue that hands out the most recent item first
// (Tornado's LifoQueue).
func NewLifo[T any](loop *ioloop.IOLoop, maxsize int) *Queue[T] {
	return newQueue[T](loop, maxsize, &lifo[T]{})
}

// NewPriority returns a queue that hands out the least item first by less
// (Tornado's PriorityQueue; equal items come out in no set order).
func NewPriority[T any](loop *ioloop.IOLoop, maxsize int, less func(a, b T) bool) *Queue[T] {
	return newQueue[T](loop, maxsize, &prio[T]{less: less})
}

func newQueue[T any](loop *ioloop.IOLoop, maxsize int, s store[T]) *Queue[T] {
	if maxsize < 0 {
		panic("queues: maxsize must not be negative")
	}
	q := &Queue[T]{loop: loop, maxsize: maxsize, items: s, finished: locks.NewEvent(loop)}
	q.finished.Set()
	return q
}

// Maxsize returns the bound (0: none).
func (q *Queue[T]) Maxsize() int { return q.maxsize }

// Qsize returns how many items the queue holds.
func (q *Queue[T]) Qsize() int { return q.items.len() }

// Empty reports whether the queue holds no item.
func (q *Queue[T]) Empty() bool { return q.items.len() == 0 }

// Full reports whether the queue holds maxsize items.
func (q *Queue[T]) Full() bool { return q.maxsize > 0 && q.items.len() >= q.maxsize }

// Put returns a Future resolved once item is in the queue, waiting for room
// if it is full, or failing with ErrTimeout after timeout (if positive).
func (q *Queue[T]) Put(item T, timeout time.Duration) *concurrent.Future[struct{}] {
	if err := q.PutNowait(item); err == nil {
		return concurrent.Resolved(struct{}{})
	}
	f := concurrent.NewFuture[struct{}]()
	q.putters = append(q.putters, putter[T]{item: item, fut: f})
	setTimeout(q.loop, timeout, f)
	return f
}

// PutNowait puts item, or returns ErrQueueFull.
func (q *Queue[T]) PutNowait(item T) error {
	q.consumeExpired()
	if len(q.getters) > 0 {
		// A waiting Get means the queue is empty: hand the item over.
		g := q.getters[0]
		q.getters = q.getters[1:]
		q.putInternal(item)
		g.SetResult(q.items.get())
		return nil
	}
	if q.Full() {
		return ErrQueueFull
	}
	q.putInternal(item)
	return nil
}

// Get returns a Future of the next item, waiting for one if the queue is
// empty, or failing with ErrTimeout after timeout (if positive).
func (q *Queue[T]) Get(timeout time.Duration) *concurrent.Future[T] {
	if v, err := q.GetNowait(); err == nil {
		return concurrent.Resolved(v)
	}
	f := concurrent.NewFuture[T]()
	q.getters = append(q.getters, f)
	setTimeout(q.loop, timeout, f)
	return f
}

// GetNowait returns the next item, or ErrQueueEmpty.
func (q *Queue[T]) GetNowait() (T, error) {
	q.consumeExpired()
	if len(q.putters) > 0 {
		// A waiting Put means the queue is full: take its item in, and
		// hand out the next.
		p := q.putters[0]
		q.putters = q.putters[1:]
		q.putInternal(p.item)
		p.fut.SetResult(struct{}{})
		return q.items.get(), nil
	}
	if q.items.len() > 0 {
		return q.items.get(), nil
	}
	var zero T
	return zero, ErrQueueEmpty
}

// TaskDone marks one item taken with Get as processed; Join returns when
// every item put has been. Calling it more often than items were put is a
// bug and panics (Tornado raises ValueError).
func (q *Queue[T]) TaskDone() {
	if q.unfinished <= 0 {
		panic("queues: TaskDone called too many times")
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.finished.Set()
	}
}

// Join returns a Future resolved once every item put has been marked done
// with TaskDone, or failing with ErrTimeout after timeout (if positive).
func (q *Queue[T]) Join(timeout time.Duration) *concurrent.Future[struct{}] {
	return q.finished.Wait(timeout)
}

// putInternal adds an item and counts it unfinished.
func (q *Queue[T]) putInternal(item T) {
	q.unfinished++
	q.finished.Clear()
	q.items.put(item)
}

// consumeExpired drops timed-out waiters from the fronts of the queues.
func (q *Queue[T]) consumeExpired() {
	for len(q.putters) > 0 && q.putters[0].fut.Done() {
		q.putters = q.putters[1:]
	}
	for len(q.getters) > 0 && q.getters[0].Done() {
		q.getters = q.getters[1:]
	}
}

// setTimeout fails f with ErrTimeout after d, unless done first.
func setTimeout[T any](loop *ioloop.IOLoop, d time.Duration, f *concurrent.Future[T]) {
	if d <= 0 {
		return
	}
	to := loop.CallLater(d, func() {
		if !f.Done() {
			f.SetException(ErrTimeout)
		}
	})
	f.AddDoneCallback(func(*concurrent.Future[T]) { loop.RemoveTimeout(to) })
}

// fifo hands out items in the order put.
type fifo[T any] struct {
	q []T // the items, oldest first
}

func (s *fifo[T]) put(v T) { s.q = append(s.q, v) }
func (s *fifo[T]) get() T {
	v := s.q[0]
	var zero T
	s.q[0] = zero
	s.q = s.q[1:]
	return v
}
func (s *fifo[T]) len() int { return len(s.q) }

// lifo hands out the most recent item first.
type lifo[T any] struct {
	q []T // the items, newest last
}

func (s *lifo[T]) put(v T) { s.q = append(s.q, v) }
func (s *lifo[T]) get() T {
	n := len(s.q) - 1
	v := s.q[n]
	var zero T
	s.q[n] = zero
	s.q = s.q[:n]
	return v
}
func (s *lifo[T]) len() int { return len(s.q) }

// prio hands out the least item first, by a heap.
type prio[T any] struct {
	q    []T               // the heap
	less func(a, b T) bool // its order
}

func (s *prio[T]) Len() int           { return len(s.q) }
func (s *prio[T]) Less(i, j int) bool { return s.less(s.q[i], s.q[j]) }
func (s *prio[T]) Swap(i, j int)      { s.q[i], s.q[j] = s.q[j], s.q[i] }
func (s *prio[T]) Push(x any)         { s.q = append(s.q, x.(T)) }
func (s *prio[T]) Pop() any {
	n := len(s.q) - 1
	v := s.q[n]
	var zero T
	s.q[n] = zero
	s.q = s.q[:n]
	return v
}
func (s *prio[T]) put(v T)  { heap.Push(s, v) }
func (s *prio[T]) get() T   { return heap.Pop(s).(T) }
func (s *prio[T]) len() int { return len(s.q) }
