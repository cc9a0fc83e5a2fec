// Package callbacks is stage 2 of gornado's learning path: a toy event loop
// and a fetch that takes a callback, the seed's asynchronous_fetch(url,
// callback) (section 异步, "通过回调重写").
//
// # One thread, many sockets
//
// Stage 1's Fetch waits for its answer, so ten pages take ten delays. Here
// nothing waits except the loop: Fetch opens a non-blocking socket, starts
// connecting, registers a handler with the Loop and returns at once. The
// Loop sleeps in poll(2) until some socket is ready, runs that socket's
// handler, and goes back to sleep. Ten fetches are ten handlers on one
// goroutine, and ten pages take one delay.
//
//	l, _ := callbacks.NewLoop()
//	defer l.Close()
//	callbacks.Fetch(l, "http://127.0.0.1:8080/page/1", func(body []byte, err error) {
//		fmt.Printf("%s %v\n", body, err)
//		l.Stop()
//	})
//	l.Start() // runs until Stop
//
// # The loop
//
// Loop has handlers for file descriptors (AddHandler, UpdateHandler,
// RemoveHandler), timers (CallLater, Timer.Cancel), and a queue of callbacks
// for the next turn (AddCallback). Everything runs on the goroutine that
// called Start, so callbacks share state without locks. The exception is
// AddCallback, which other goroutines may call: it takes a lock and wakes the
// loop through a self-pipe. Stop is a callback, so it is safe anywhere too.
//
// # Fetch
//
// Fetch is a state machine of three handlers (connected, writable, readable)
// around a struct that carries the request's state from one to the next. It
// reads responses framed by Content-Length, chunked, or the end of the
// connection, and reports a status other than 2xx as *HTTPError.
//
// # The four async interface styles
//
// The seed lists four shapes an asynchronous API can take; styles.go has one
// of each: a callback argument (Fetch), a placeholder (FetchPlaceholder), a
// queue (FetchToQueue, a channel), and a callback registry (AddSignalHandler,
// POSIX signals delivered to the loop as callbacks).
//
// # What hurts
//
// The crawl's state is scattered across closures, every callback has to pass
// errors on by hand, and a stack trace from a failing callback starts at the
// loop, not at whoever started the fetch (stack ripping). Stage 3's Future
// gives the result a value of its own.
package callbacks
