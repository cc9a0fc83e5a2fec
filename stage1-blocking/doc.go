// Package blocking is stage 1 of gornado's learning path: fetching and serving
// web pages with blocking I/O, the way a script does it, and why that does not
// scale. It mirrors the seed's sections 介绍 (introduction), 阻塞 (blocking) and
// its first example, synchronous_fetch.
//
// # Blocking
//
// A call blocks when it does not return until its work is done. Fetch connects
// to a server, sends a request and reads the whole answer before it returns;
// while it waits for the network, the goroutine that called it can do nothing
// else. Crawl fetches pages one after another, so N pages that each take 50 ms
// to answer take N x 50 ms, however idle the machine is meanwhile.
//
// # One connection at a time, or a thread per connection
//
// A Server shows the same cost from the other side. ServeOneAtATime answers
// connections strictly in turn: the last of N clients that arrive together
// waits N x Delay. ServeThreaded gives each connection its own goroutine, the
// classic thread-per-connection design: N clients are answered after about one
// Delay, but every waiting client holds a thread (in C, Java or Python) or a
// goroutine with its stack (in Go). Ten thousand idle clients then cost ten
// thousand threads: that is the C10K problem, and the reason Tornado, nginx
// and Node.js run one thread with an event loop instead. Stage 2 builds one.
//
// # Errors
//
// A fetch fails with ErrBadURL for a URL it cannot use, with the network's own
// error (errors.Is(err, syscall.ECONNREFUSED), a net.Error that reports
// Timeout), with ErrMalformedResponse for bytes that are not HTTP/1.x, and
// with an *HTTPError carrying the status code when the server answers other
// than 2xx, like Tornado's HTTPError.
//
// The chapter is docs/01-blocking.md; run the demos with
//
//	go run ./stage1-blocking/cmd/crawl -n 10
//	go run ./stage1-blocking/cmd/serve
package blocking
