// Package ioloop is gornado's event loop, Tornado's tornado.ioloop: one
// goroutine waits for file descriptors to become ready and runs their
// handlers, callbacks and timers, so that code on the loop needs no locks.
//
// # The loop
//
// New creates a loop and Start runs it on the calling goroutine until Stop.
// Each iteration runs the callbacks added before it began (AddCallback), then
// the timers that are due (CallLater, CallAt, AddTimeout), then waits in the
// poller (epoll on Linux, kqueue on macOS and the BSDs) and calls the handler
// of every ready descriptor (AddHandler, or AddEventHandler for an object
// that handles its own events without a method value). Readiness is
// level-triggered, as Tornado documents: a descriptor left readable is
// reported again.
//
// Time is the loop's monotonic clock; Now is the same clock read once per
// iteration (and again after the poller returns), for code that needs the
// time for every request without a system clock read each time.
//
// AddCallback and Stop are the only methods safe to call from other
// goroutines; AddCallback wakes a waiting loop through an eventfd (a pipe on
// kqueue systems), once however many callbacks arrive. Everything else is
// called on the loop's goroutine, from a handler, callback or timer.
//
// A panic in a callback, timer or handler is logged with its stack
// (log/slog, see WithLogger) and the loop keeps running, as Tornado logs
// "Exception in callback" and carries on.
//
// # Timers
//
// Timers live in a heap. RemoveTimeout only marks a timer cancelled; the
// heap drops it when it reaches the top, or rebuilds itself when more than
// half of it is dead, so cancelling is O(1). Timer records are recycled:
// scheduling and cancelling allocate nothing. PeriodicCallback calls a
// function on a fixed schedule without drift, skipping missed runs.
//
// # Futures
//
// AddFuture, RunSync and RunInExecutor connect the loop with
// concurrent.Future. RunSync is how main and tests run async code: it starts
// the loop, waits for a Future, and stops.
//
// # Current
//
// Tornado keeps a current loop per thread. In Go, Current returns the loop
// running on the calling goroutine, and elsewhere a process-wide default
// (MakeCurrent). Code on a hot path keeps the loop it was given instead.
//
// # Many cores
//
// One loop uses one core. StartGroup starts N loops, one per core by
// default, each on its own goroutine (locked to its own OS thread only
// with WithLockOSThread: a loop parked in Go's netpoller wakes faster
// unlocked); servers give each loop its own listener or a share of
// connections. With one loop,
// Tornado's single-threaded semantics hold exactly; with several, state
// shared between loops is the application's to guard.
//
// Tornado's fork_processes has no Go counterpart: a Go process cannot fork.
// A Group of loops in one process gives the same use of all cores.
package ioloop
