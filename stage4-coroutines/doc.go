// Package coroutines is stage 4 of gornado's learning path: Tornado's gen
// coroutines in Go, the seed's sections 协程 (coroutines), 如何调用协程 (how to
// call a coroutine) and 协程模式 (coroutine patterns). The chapter is
// docs/04-coroutines.md.
//
// A coroutine reads like stage 1's blocking code and runs like stage 2's
// callbacks: it is a function that pauses at every Await and is resumed by a
// Runner when the Future it waits for is done, all on the loop's one goroutine,
// so the state it shares with other coroutines needs no lock.
//
//	crawl := func(await coroutines.Await) (any, error) {
//		body, err := await(futures.FetchFuture(loop, url)) // pauses; the loop runs on
//		return body, err
//	}
//	body, err := coroutines.NewRunner(loop).RunSync(crawl, time.Minute)
//
// # The runner
//
// Runner.Go starts a coroutine, like calling a @gen.coroutine function: the
// body runs at once up to its first pause, and Go returns the coroutine's
// Future. The machinery is the standard library's iter.Pull, which switches
// between the loop and a coroutine without ever running both. The runner asks a
// loop only for AddCallback (the Loop interface), so stage 2's toy loop and
// stage 5's IOLoop drive the same coroutines.
//
// # Calling a coroutine
//
// An error or panic inside a coroutine is trapped in its Future until someone
// awaits it (bad_call loses it, good_call surfaces it). Runner.SpawnCallback
// fires and forgets, logging a failure with its stack to Runner.ErrorLog;
// Runner.RunSync runs a coroutine at the top of a program, with a timeout.
//
// # Patterns
//
// Runner.Multi and Runner.MultiMap wait for many Futures at once (gen.multi);
// Runner.ConvertYielded is gen.convert_yielded; Task wraps a callback API
// (gen.Task); Executor runs blocking functions on a bounded pool; Sleep is
// gen.sleep, for background loops. FromChan and Runner.Call are where coroutines
// meet goroutines and channels.
//
// # Stopping
//
// Cancelling a coroutine's Future stops it at its pending Await, which returns
// ErrStopped; Runner.Close stops every paused coroutine once the loop has
// stopped, so none is left parked inside iter.Pull.
package coroutines
