package ioloop

import "time"

// A PeriodicCallback calls a function every interval on a loop, Tornado's
// PeriodicCallback(callback, callback_time).
//
// It keeps to a fixed grid of times (start, start+interval, start+2*interval
// ...) instead of scheduling "interval after the last run finished", so runs
// do not drift later and later by the time each callback takes. When a run is
// so late that it missed whole slots (the loop was busy, or the callback took
// longer than interval), the missed runs are skipped, not bunched up: the next
// run is the next slot still in the future, as in Tornado's _update_next.
type PeriodicCallback struct {
	loop     *IOLoop
	callback func()
	interval time.Duration
	running  bool
	next     time.Time
	timeout  *Timeout
}

// NewPeriodicCallback prepares callback to run every interval on loop (nil
// means Current). It does not start until Start. interval must be positive.
func NewPeriodicCallback(loop *IOLoop, callback func(), interval time.Duration) *PeriodicCallback {
	if interval <= 0 {
		panic("ioloop: PeriodicCallback interval must be positive")
	}
	if loop == nil {
		loop = Current()
	}
	return &PeriodicCallback{loop: loop, callback: callback, interval: interval}
}

// Start schedules the first run one interval from now.
func (p *PeriodicCallback) Start() {
	if p.running {
		return
	}
	p.running = true
	p.next = p.loop.Time()
	p.schedule()
}

// Stop cancels the runs to come. A run in progress finishes.
func (p *PeriodicCallback) Stop() {
	p.running = false
	p.loop.RemoveTimeout(p.timeout)
	p.timeout = nil
}

// IsRunning reports whether the callback is scheduled.
func (p *PeriodicCallback) IsRunning() bool { return p.running }

func (p *PeriodicCallback) run() {
	if !p.running {
		return
	}
	// The next run is scheduled even if this one panics: the loop logs the
	// panic and the callback keeps its rhythm, as in Tornado.
	defer p.schedule()
	p.callback()
}

func (p *PeriodicCallback) schedule() {
	if !p.running {
		return
	}
	p.next = nextRun(p.next, p.loop.Time(), p.interval)
	p.timeout = p.loop.CallAt(p.next, p.run)
}

// nextRun is the slot after next on the grid next, next+interval, ... that
// lies after now: slots missed while the loop was busy are skipped in one
// step. If next is still in the future (only a clock that moved backwards
// does that) it moves one slot on anyway, so no slot runs twice. This is
// Tornado's PeriodicCallback._update_next, floor and all.
func nextRun(next, now time.Time, interval time.Duration) time.Time {
	if next.After(now) {
		return next.Add(interval)
	}
	missed := now.Sub(next) / interval
	return next.Add((missed + 1) * interval)
}
