// Timers: a binary heap ordered by deadline, with cancelled entries left in
// place and skipped when they reach the top, as Tornado's IOLoop does
// (remove_timeout only marks the entry; the heap is rebuilt when more than
// half of it is dead). Timer records are recycled through a free list, and a
// Timeout handle carries a generation number, so scheduling and cancelling
// allocate nothing in steady state and a stale handle cannot cancel a
// recycled timer.

package ioloop

import "time"

// timer is one scheduled call.
type timer struct {
	// when is the deadline in nanoseconds since the loop's base.
	when int64
	// seq breaks ties between equal deadlines so that timers with the same
	// deadline run in the order they were scheduled.
	seq uint64
	// fn is the call; nil once cancelled.
	fn func()
	// gen is bumped each time the record is fired, cancelled or recycled;
	// a Timeout whose gen differs refers to an earlier use.
	gen uint32
}

// Timeout identifies a scheduled call for RemoveTimeout. The zero Timeout
// refers to nothing.
type Timeout struct {
	// t is the timer record.
	t *timer
	// gen is t.gen when the call was scheduled.
	gen uint32
}

// timerHeap is a min-heap of timers by (when, seq), with the bookkeeping of
// cancelled entries and recycled records.
type timerHeap struct {
	// h is the heap.
	h []*timer
	// cancelled counts entries of h whose fn is nil.
	cancelled int
	// free holds records ready for reuse.
	free []*timer
	// seq is the next tie-breaking sequence number.
	seq uint64
	// due receives the timers that are due in one iteration; reused.
	due []*timer
}

// less orders the heap.
func (th *timerHeap) less(i, j int) bool {
	a, b := th.h[i], th.h[j]
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

func (th *timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !th.less(i, p) {
			break
		}
		th.h[i], th.h[p] = th.h[p], th.h[i]
		i = p
	}
}

func (th *timerHeap) down(i int) {
	n := len(th.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && th.less(r, l) {
			m = r
		}
		if !th.less(m, i) {
			return
		}
		th.h[i], th.h[m] = th.h[m], th.h[i]
		i = m
	}
}

// push schedules fn at when and returns its handle.
func (th *timerHeap) push(when int64, fn func()) Timeout {
	var t *timer
	if n := len(th.free); n > 0 {
		t = th.free[n-1]
		th.free[n-1] = nil
		th.free = th.free[:n-1]
	} else {
		t = &timer{}
	}
	t.when, t.seq, t.fn = when, th.seq, fn
	th.seq++
	th.h = append(th.h, t)
	th.up(len(th.h) - 1)
	return Timeout{t: t, gen: t.gen}
}

// pop removes the top of the heap.
func (th *timerHeap) pop() *timer {
	n := len(th.h) - 1
	t := th.h[0]
	th.h[0] = th.h[n]
	th.h[n] = nil
	th.h = th.h[:n]
	if n > 0 {
		th.down(0)
	}
	return t
}

// recycle makes t available to push again.
func (th *timerHeap) recycle(t *timer) {
	t.fn = nil
	t.gen++
	th.free = append(th.free, t)
}

// cancel marks the timer of to as cancelled, if it is still scheduled.
func (th *timerHeap) cancel(to Timeout) {
	t := to.t
	if t == nil || t.gen != to.gen || t.fn == nil {
		return
	}
	t.fn = nil
	t.gen++ // the handle is spent; the record is recycled when popped
	th.cancelled++
	// Tornado's rule: rebuild when more than 512 entries and more than
	// half of the heap are dead, so that cancel stays O(1) amortized and
	// memory stays bounded.
	if th.cancelled > 512 && th.cancelled > len(th.h)/2 {
		th.compact()
	}
}

// compact drops the cancelled entries and re-heapifies.
func (th *timerHeap) compact() {
	live := th.h[:0]
	for _, t := range th.h {
		if t.fn != nil {
			live = append(live, t)
		} else {
			th.free = append(th.free, t)
		}
	}
	for i := len(live); i < len(th.h); i++ {
		th.h[i] = nil
	}
	th.h = live
	th.cancelled = 0
	for i := len(th.h)/2 - 1; i >= 0; i-- {
		th.down(i)
	}
}

// next returns the earliest live deadline, dropping cancelled entries from
// the top of the heap.
func (th *timerHeap) next() (int64, bool) {
	for len(th.h) > 0 {
		if t := th.h[0]; t.fn != nil {
			return t.when, true
		}
		t := th.pop()
		th.cancelled--
		th.free = append(th.free, t)
	}
	return 0, false
}

// CallLater runs fn after delay, like Tornado's call_later. It returns a
// handle for RemoveTimeout. Loop goroutine only (from other goroutines, use
// AddCallback to schedule the CallLater).
func (l *IOLoop) CallLater(delay time.Duration, fn func()) Timeout {
	return l.timers.push(l.now()+int64(delay), fn)
}

// CallAt runs fn at when, a time on the loop's clock (see Time), like
// Tornado's call_at.
func (l *IOLoop) CallAt(when time.Time, fn func()) Timeout {
	return l.timers.push(int64(when.Sub(l.base)), fn)
}

// AddTimeout runs fn at deadline, like Tornado's add_timeout with an
// absolute deadline; CallLater takes the relative form.
func (l *IOLoop) AddTimeout(deadline time.Time, fn func()) Timeout {
	return l.CallAt(deadline, fn)
}

// RemoveTimeout cancels a scheduled call. Cancelling a call that has run or
// was cancelled already does nothing.
func (l *IOLoop) RemoveTimeout(t Timeout) { l.timers.cancel(t) }

// runTimers runs the timers that are due. Timers scheduled by these calls
// run on a later iteration even if already due, as Tornado collects the due
// timers before running any.
func (l *IOLoop) runTimers() {
	th := &l.timers
	if len(th.h) == 0 {
		return
	}
	now := l.now()
	// Due timers see a Now no earlier than their deadline.
	l.setIterNow(now)
	for len(th.h) > 0 {
		t := th.h[0]
		if t.fn == nil {
			th.pop()
			th.cancelled--
			th.free = append(th.free, t)
			continue
		}
		if t.when > now {
			break
		}
		th.due = append(th.due, th.pop())
	}
	for i, t := range th.due {
		th.due[i] = nil
		fn := t.fn
		if fn == nil {
			// Cancelled by an earlier timer of this batch, which
			// counted it among the heap's dead entries.
			th.cancelled--
			th.free = append(th.free, t)
			continue
		}
		th.recycle(t)
		l.safeCall(fn)
	}
	th.due = th.due[:0]
}
