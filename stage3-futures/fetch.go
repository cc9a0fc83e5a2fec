package futures

import callbacks "github.com/gornado/gornado/stage2-callbacks"

// FetchFuture GETs url on stage2's loop and returns a Future for the body: the
// seed's async_fetch_future(url). The Future's result is a []byte; its error
// is what stage2's Fetch reports (a *callbacks.HTTPError for a status other
// than 2xx, callbacks.ErrTimeout, a network error).
//
// The seed builds it from a fetch that already returns a Future:
//
//	def async_fetch_future(url):
//	    http_client = AsyncHTTPClient()
//	    my_future = Future()
//	    fetch_future = http_client.fetch(url)
//	    fetch_future.add_done_callback(
//	        lambda f: my_future.set_result(f.result()))
//	    return my_future
//
// Stage2's Fetch takes a callback instead, so here the callback resolves the
// Future. That is the whole trick of wrapping a callback API, and the reason a
// Future must not care who resolves it. Unlike the seed's lambda, an error is
// passed on as the Future's error: f.result() would raise it inside the
// callback, where nobody catches it, and my_future would never be done.
//
// Call FetchFuture on the loop's goroutine (or before Start); the Future is
// resolved there too.
func FetchFuture(l *callbacks.Loop, url string) *Future {
	f := New()
	callbacks.Fetch(l, url, func(body []byte, err error) {
		if f.Done() {
			return // cancelled: nobody wants the page any more
		}
		if err != nil {
			_ = f.SetException(err)
			return
		}
		_ = f.SetResult(body)
	})
	return f
}
