// Package gen runs coroutines on an IOLoop, Tornado's tornado.gen: code that
// reads top to bottom, pausing at each await until a Future is done, while
// the loop serves everything else in between.
//
// # Coroutines
//
// Go starts a coroutine: a function that receives a *Co and awaits Futures
// through it.
//
//	fut := gen.Go(loop, func(c *gen.Co) (string, error) {
//		body, err := gen.Await(c, fetch(url)) // pauses here
//		if err != nil {
//			return "", err
//		}
//		return string(body), nil
//	})
//
// A coroutine is not a goroutine running in parallel. It is built on
// iter.Pull, the runtime's coroutine switch: the body runs only when the
// runner resumes it, and the runner resumes it from a loop callback once the
// awaited Future is done. Like a Tornado coroutine, then, everything the body
// touches runs on the loop, one step at a time, with no locks; a goroutine
// would run at the same time as the loop and need them. The body runs at
// once when Go is called, up to its first await of a pending Future.
//
// Errors stay in the returned Future until someone awaits it (the seed's
// bad_call and good_call); a panic in the body becomes a
// *concurrent.PanicError there. Spawn starts a coroutine whose error is
// logged instead: fire and forget, but never silently.
//
// # Waiting on many Futures
//
// Multi and MultiMap wait for a slice or map of Futures in parallel (the
// `yield [a, b]` and `yield {"a": a}` of Tornado), MultiAny for Futures of
// different types, WaitIterator hands results over in the order they finish,
// WithTimeout bounds a wait, Sleep is a non-blocking time.Sleep, Moment
// yields to the loop for one iteration, and Task wraps a callback API.
//
// As in Tornado, Multi waits for every input even after one fails, resolves
// with the first error, and logs the later ones through the loop's logger
// ("multiple exceptions in yield list"); QuietErrors, Tornado's
// quiet_exceptions, keeps expected ones such as iostream.ErrStreamClosed out
// of the log.
package gen
