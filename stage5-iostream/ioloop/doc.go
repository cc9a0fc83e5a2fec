// Package ioloop is stage 5's real event loop: Tornado's tornado.ioloop, the
// seed's "Main event loop" section, as a teaching implementation.
//
// An IOLoop waits on a level-triggered poller (epoll on Linux, kqueue on macOS
// and the BSDs; the contract both meet is written at the top of poller.go),
// calls the handler of every file descriptor that is ready, runs queued
// callbacks and due timeouts, and goes round again. Everything runs on the one
// goroutine that called Start; AddCallback is how other goroutines get work
// onto it.
//
// # Running a loop
//
// Current, MakeCurrent, Instance, Initialized, Install, ClearInstance, Start,
// Stop, RunSync and Close. Go has no thread-locals; "current" is the loop most
// recently started or made current, falling back to the global Instance (see
// Current).
//
// # I/O events
//
// AddHandler, UpdateHandler and RemoveHandler with the masks READ, WRITE and
// ERROR (type Events, which prints as "READ|WRITE").
//
// # Callbacks and timeouts
//
// AddCallback (safe from any goroutine: it wakes the poller through an eventfd
// or a pipe), AddCallbackFromSignal, AddFuture, AddTimeout, CallAt, CallLater,
// RemoveTimeout, SpawnCallback and Time; PeriodicCallback with Start, Stop and
// IsRunning.
//
// # Debugging and error handling
//
// A callback or handler that panics is logged with its stack to ErrorLog and
// the loop keeps running; so is a spawned callback whose Future fails.
//
// # Example
//
//	loop, _ := ioloop.New()
//	defer loop.Close(false)
//	result, err := loop.RunSync(func() *futures.Future {
//		f := futures.New()
//		loop.CallLater(10*time.Millisecond, func() { f.SetResult("tick") })
//		return f
//	}, time.Second)
//	fmt.Println(result, err) // tick <nil>
package ioloop
