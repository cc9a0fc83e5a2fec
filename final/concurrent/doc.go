// Package concurrent provides Future, the placeholder for a result that is not
// ready yet, and the bridges between Futures, goroutines and channels. It
// mirrors tornado/concurrent.py.
//
// # Futures
//
// A Future[T] is pending until SetResult, SetException or Cancel resolves it,
// exactly once. Callbacks added with AddDoneCallback run when it resolves, in
// the order they were added; a callback added to a resolved Future runs at
// once. A Future belongs to no event loop: it runs its callbacks itself, on
// the goroutine that resolves it, so the ioloop and the gen coroutine runner
// build on it without the Future knowing about either.
//
// # Goroutines
//
// Like Tornado's Future (and asyncio's), a Future is not safe for concurrent
// use: create, resolve and read it on one goroutine, normally an IOLoop's.
// Work that must run elsewhere goes through RunOnExecutor, which runs a
// function on its own goroutine and resolves the Future back on the loop
// through a Scheduler (an *ioloop.IOLoop is one). FromChan and ToChan connect
// Futures with channels in the same way.
//
// # Chaining
//
// Then derives a Future from another's result, and Chain copies one Future's
// outcome into another, like tornado.concurrent.chain_future.
package concurrent
