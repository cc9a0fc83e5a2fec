package main

// workers is the executor the handlers' database calls run on: n
// goroutines that live as long as the program, taking functions from a
// queue.
//
// Why not concurrent.GoExecutor (a goroutine per call) or LimitExecutor
// (the same, then a semaphore): a new goroutine starts with a small stack,
// and pgx's call path is deep enough that every call grew and copied it
// (runtime.copystack, 4-5% of the server's CPU in the db test's profile).
// A worker grows its stack once. n is the pool's size: a call beyond the
// pool's connections would only wait inside pgx for one, so more workers
// would add goroutines, not round trips in flight.
type workers struct {
	// queue holds the submitted functions; the workers take them in order.
	queue chan func()
}

// queueDepth bounds the functions waiting for a worker before Submit
// starts a goroutine for one instead: Submit runs on a loop and must not
// block. 4096 is 64 wrk connections' requests with room to spare.
const queueDepth = 4096

// newWorkers starts n workers (at least one).
func newWorkers(n int) *workers {
	w := &workers{queue: make(chan func(), queueDepth)}
	for range max(n, 1) {
		go func() {
			for fn := range w.queue {
				fn()
			}
		}()
	}
	return w
}

// Submit queues fn for a worker, or runs it on a goroutine of its own when
// the queue is full, so that the loop calling it never waits.
func (w *workers) Submit(fn func()) {
	select {
	case w.queue <- fn:
	default:
		go fn()
	}
}
