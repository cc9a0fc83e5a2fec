// Package locks coordinates coroutines on one loop, Tornado's
// tornado.locks: Condition, Event, Semaphore, BoundedSemaphore and Lock.
//
// # Waiting without blocking
//
// They look like their threading namesakes but never block a goroutine:
// waiting returns a Future that a coroutine awaits (gen.Await), and each
// wait takes an optional timeout (zero for none) after which it fails with
// ErrTimeout (Condition.Wait resolves false instead, as Tornado). They are
// for coroutines of one loop only and are not safe across goroutines; use
// package sync between goroutines.
//
// # Use
//
//	lock := locks.NewLock(loop)
//	if _, err := gen.Await(c, lock.Acquire(0)); err != nil { ... }
//	defer lock.Release()
package locks
