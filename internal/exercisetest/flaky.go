package exercisetest

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
)

// Flaky starts the HTTP server the retry exercises fetch from: it answers
// 503 to the first `failures` requests, then "ok\n", and /gone always
// answers 404, an error no retry should repeat. seen counts the requests
// it saw. It stops when the test ends.
func Flaky(t T, failures int64) (srv *httptest.Server, seen *atomic.Int64) {
	t.Helper()
	seen = new(atomic.Int64)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := seen.Add(1)
		switch {
		case r.URL.Path == "/gone":
			http.Error(w, "gone", http.StatusNotFound)
		case n <= failures:
			http.Error(w, "try later", http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte("ok\n"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}
