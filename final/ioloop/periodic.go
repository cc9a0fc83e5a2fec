// PeriodicCallback: a function called on a fixed schedule.

package ioloop

import (
	"math/rand/v2"
	"time"
)

// PeriodicCallback calls a function every period on a loop, like Tornado's
// PeriodicCallback. The schedule is measured from the start of one call to
// the start of the next and does not drift; if a call runs long (or the
// loop is busy), the missed runs are skipped and the next run is the next
// multiple of the period on the original schedule.
type PeriodicCallback struct {
	// loop runs the calls.
	loop *IOLoop
	// fn is the function called.
	fn func()
	// period is the time between calls.
	period time.Duration
	// jitter, between 0 and 1, varies each period by up to ±jitter/2 of
	// it, so that many processes started together do not call in step.
	jitter float64
	// running is true between Start and Stop.
	running bool
	// next is the deadline of the next call, in loop nanoseconds.
	next int64
	// timeout is the scheduled next call.
	timeout Timeout
	// run is the method value of run, made once so that rescheduling
	// does not allocate.
	run func()
}

// NewPeriodicCallback returns a stopped PeriodicCallback calling fn every
// period (which must be positive) on l.
func NewPeriodicCallback(l *IOLoop, fn func(), period time.Duration) *PeriodicCallback {
	if period <= 0 {
		panic("ioloop: PeriodicCallback period must be positive")
	}
	pc := &PeriodicCallback{loop: l, fn: fn, period: period}
	pc.run = pc.tick
	return pc
}

// SetJitter sets the jitter fraction (Tornado's jitter argument).
func (pc *PeriodicCallback) SetJitter(j float64) { pc.jitter = j }

// Start schedules the first call one period from now. Loop goroutine only.
func (pc *PeriodicCallback) Start() {
	if pc.running {
		return
	}
	pc.running = true
	pc.next = pc.loop.now()
	pc.schedule()
}

// Stop cancels the schedule. Loop goroutine only.
func (pc *PeriodicCallback) Stop() {
	pc.running = false
	pc.loop.RemoveTimeout(pc.timeout)
	pc.timeout = Timeout{}
}

// IsRunning reports whether the callback is scheduled.
func (pc *PeriodicCallback) IsRunning() bool { return pc.running }

// tick makes one call and schedules the next.
func (pc *PeriodicCallback) tick() {
	if !pc.running {
		return
	}
	defer pc.schedule()
	pc.loop.safeCall(pc.fn)
}

// schedule computes the next deadline as Tornado's _update_next does.
func (pc *PeriodicCallback) schedule() {
	if !pc.running {
		return
	}
	period := int64(pc.period)
	if pc.jitter > 0 {
		period = int64(float64(period) * (1 + pc.jitter*(rand.Float64()-0.5)))
	}
	pc.next = nextRun(pc.next, pc.loop.now(), period)
	pc.timeout = pc.loop.timers.push(pc.next, pc.run)
}

// nextRun is Tornado's PeriodicCallback._update_next: the deadline after
// next, given the time now and the period.
func nextRun(next, now, period int64) int64 {
	if next <= now {
		// Skip whole missed periods to stay on the original schedule.
		return next + ((now-next)/period+1)*period
	}
	// The deadline is still ahead (a call that returned early by the
	// clock's reckoning): advance by one period rather than schedule the
	// same deadline twice.
	return next + period
}
