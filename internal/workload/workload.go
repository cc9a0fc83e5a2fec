// Package workload is the one workload of the learning path: a local web server
// whose pages each answer after a fixed delay, so that every stage can fetch the
// same N pages and only the concurrency mechanism changes between stages.
//
// The server is deliberately ordinary (net/http, one goroutine per request): it is
// the world the stages' clients talk to, not something they teach. Each page
// answers after Delay, so fetching N pages one after another takes about N x Delay,
// and fetching them all at once takes about 1 x Delay.
//
// Besides plain pages, query parameters make the server exercise every framing
// and error a client must handle:
//
//	/page/3                   "page 3" after the server's delay, framed by Content-Length
//	/page/3?framing=chunked   the same body in chunked Transfer-Encoding
//	/page/3?framing=close     no length at all: the body ends when the connection closes
//	/page/3?status=404        the answer carries that status code
//	/page/3?delay=0           override the delay for this request (a Go duration or ms)
//	/page/3?size=100000       a body of exactly that many bytes
package workload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultDelay is how long each page takes to answer unless the server or the
// request says otherwise: long enough that N x delay dwarfs the cost of a
// loopback round trip, short enough that the stage tests stay quick.
const DefaultDelay = 50 * time.Millisecond

// Server is a running workload server on a loopback address.
type Server struct {
	// URL is the base address, such as "http://127.0.0.1:41234", without a slash.
	URL string
	// Addr is the host:port the server listens on.
	Addr string
	// Delay is how long each page waits before it answers.
	Delay time.Duration

	srv      *http.Server
	ln       net.Listener
	served   atomic.Int64
	inflight atomic.Int64
	peak     atomic.Int64
	done     chan struct{}
}

// Start listens on addr (use "127.0.0.1:0" for a free port) and serves pages
// in the background until Close.
func Start(addr string, delay time.Duration) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("workload: listen: %w", err)
	}
	s := &Server{
		URL:   "http://" + ln.Addr().String(),
		Addr:  ln.Addr().String(),
		Delay: delay,
		ln:    ln,
		done:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/page/", s.page)
	mux.HandleFunc("/{$}", s.index)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits until its accept loop has returned.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}

// PageURL is the address of page i.
func (s *Server) PageURL(i int) string { return fmt.Sprintf("%s/page/%d", s.URL, i) }

// PageURLs lists the addresses of pages 0 to n-1, the crawl of every stage.
func (s *Server) PageURLs(n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = s.PageURL(i)
	}
	return urls
}

// Served counts the page requests answered so far.
func (s *Server) Served() int64 { return s.served.Load() }

// PeakConcurrency is the largest number of page requests that were being
// answered at the same moment: 1 for a crawler that fetches one page at a time,
// N for one that fetches N pages at once.
func (s *Server) PeakConcurrency() int64 { return s.peak.Load() }

// PageBody is the body of page i, so tests can check what a client received.
func PageBody(i int) string { return fmt.Sprintf("page %d\n", i) }

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "gornado workload server: GET /page/N answers after %v\n", s.Delay)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}

	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/page/"))
	if err != nil || i < 0 {
		http.Error(w, "no such page", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	delay := s.Delay
	if d := q.Get("delay"); d != "" {
		if delay, err = parseDelay(d); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	status := http.StatusOK
	if v := q.Get("status"); v != "" {
		if status, err = strconv.Atoi(v); err != nil || status < 200 || status > 999 {
			http.Error(w, "bad status", http.StatusBadRequest)
			return
		}
	}
	framing := q.Get("framing")
	if framing != "" && framing != "length" && framing != "chunked" && framing != "close" {
		http.Error(w, "framing must be length, chunked or close", http.StatusBadRequest)
		return
	}
	body := PageBody(i)
	if v := q.Get("size"); v != "" {
		size, err := strconv.Atoi(v)
		if err != nil || size < 0 || size > 64<<20 {
			http.Error(w, "bad size", http.StatusBadRequest)
			return
		}
		body = strings.Repeat(body, size/len(body)+1)[:size]
	}

	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	s.served.Add(1)

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch framing {
	case "", "length":
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	case "chunked":
		// net/http chunks any body whose length it does not know once the
		// handler flushes before finishing; send the body in two chunks.
		w.WriteHeader(status)
		half := len(body) / 2
		_, _ = w.Write([]byte(body[:half]))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte(body[half:]))
	case "close":
		// An HTTP/1.0-style answer: no Content-Length, no chunking, the body
		// ends when the server closes the connection. net/http will not send
		// that, so write it on the raw connection.
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		writeRawClose(rw.Writer, status, body)
	}
}

func writeRawClose(w *bufio.Writer, status int, body string) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), body)
	_ = w.Flush()
}

func parseDelay(v string) (time.Duration, error) {
	if ms, err := strconv.Atoi(v); err == nil {
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("workload: bad delay %q", v)
	}
	return d, nil
}
