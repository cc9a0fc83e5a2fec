// Streaming gzip: with CompressResponse, a response sent with Flush is
// gzipped chunk by chunk, each chunk sync-flushed so that the client can
// decode it before the next one exists (Tornado's GZipContentEncoding as
// an output transform), and every way such a response ends puts its gzip
// writer back.

package web

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
)

// streamChunks are what gzStreamer flushes, one at a time.
var streamChunks = []string{"chunk one: " + strings.Repeat("stream ", 8) + "\n", "chunk two\n", "chunk three\n"}

// streamTotal is the length of streamChunks together.
var streamTotal = len(strings.Join(streamChunks, ""))

// gzStreamer flushes streamChunks, and after each one but the last waits
// until the test lets it go on: the test decodes a chunk before the next
// one is written. Arguments: ct sets Content-Type; cl=1 sets the
// Content-Length of the whole (uncompressed) body first; mode=fail returns
// an error after the first chunk, mode=finish calls Finish itself with a
// last piece.
type gzStreamer struct {
	RequestHandler
	// Gates receives, after each flushed chunk but the last, the function
	// that lets the handler go on; Gone hears of OnConnectionClose.
	Gates chan func()
	Gone  chan struct{}
	// gate is the Future the handler waits for.
	gate *concurrent.Future[struct{}]
}

func (h *gzStreamer) Get(...string) error {
	h.SetHeader("Content-Type", h.GetArgumentDefault("ct", "text/plain; charset=UTF-8"))
	if h.GetArgumentDefault("cl", "") != "" {
		h.SetHeader("Content-Length", strconv.Itoa(streamTotal))
	}
	mode := h.GetArgumentDefault("mode", "")
	loop := h.Loop()
	return h.Go(func(c *gen.Co) error {
		for i, s := range streamChunks {
			h.WriteString(s)
			if _, err := gen.Await(c, h.Flush()); err != nil {
				return err
			}
			if i == len(streamChunks)-1 {
				break
			}
			f := concurrent.NewFuture[struct{}]()
			h.gate = f
			h.Gates <- func() { loop.AddCallback(func() { f.SetResult(struct{}{}) }) }
			if _, err := gen.Await(c, f); err != nil {
				return err
			}
			if mode == "fail" {
				return errors.New("failed after the head")
			}
		}
		if mode == "finish" {
			h.WriteString("tail\n")
			return h.Finish()
		}
		return nil
	})
}

// Head flushes like Get, without waiting.
func (h *gzStreamer) Head(...string) error {
	h.SetHeader("Content-Type", "text/plain; charset=UTF-8")
	h.SetHeader("Content-Length", strconv.Itoa(streamTotal))
	for _, s := range streamChunks {
		h.WriteString(s)
		h.Flush()
	}
	return nil
}

func (h *gzStreamer) OnConnectionClose() {
	if h.gate != nil {
		h.gate.Cancel()
	}
	select {
	case h.Gone <- struct{}{}:
	default:
	}
}

// gzTiny flushes two bytes: a streamed response is gzipped whatever its
// length, as Tornado's is.
type gzTiny struct{ RequestHandler }

func (h *gzTiny) Get(...string) error {
	h.WriteString("hi")
	h.Flush()
	return nil
}

// gzServer is the application of these tests, served on one loop by
// httpserver or under net/http.
type gzServer struct {
	base  string
	loop  *ioloop.IOLoop
	gates chan func()
	gone  chan struct{}
}

func newGzApp(s *gzServer) *Application {
	s.gates, s.gone = make(chan func(), 4), make(chan struct{}, 4)
	return NewApplication([]*URLSpec{
		URL("/stream", &gzStreamer{Gates: s.gates, Gone: s.gone}),
		URL("/tiny", &gzTiny{}),
		URL("/big", &bigHandler{}),
	}, Settings{CompressResponse: true, Logger: quiet})
}

// serveGzip serves the application on httpserver, keeping the loop.
func serveGzip(t *testing.T) *gzServer {
	s := &gzServer{}
	addr, loop := serveOn(t, newGzApp(s), withDelegate)
	s.base, s.loop = "http://"+addr, loop
	return s
}

// serveGzipNetHTTP serves the application under net/http.
func serveGzipNetHTTP(t *testing.T) *gzServer {
	s := &gzServer{}
	app := newGzApp(s)
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		// A test that failed mid-stream leaves a handler waiting: its
		// client's connection goes first, so that Close does not wait
		// for it.
		srv.CloseClientConnections()
		srv.Close()
		app.Close()
	})
	loop, _, err := app.loopForNetHTTP()
	require.NoError(t, err)
	s.base, s.loop = srv.URL, loop
	return s
}

// inTime runs f and fails the test if it does not return in 10 seconds.
func inTime[T any](t *testing.T, what string, f func() (T, error)) T {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		require.NoError(t, r.err, what)
		return r.v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing within 10s", what)
	}
	panic("unreachable")
}

// gate waits for the handler's next gate.
func (s *gzServer) gate(t *testing.T) func() {
	t.Helper()
	select {
	case g := <-s.gates:
		return g
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not reach its next gate within 10s")
	}
	return nil
}

// writersBack waits, on the server's loop, until every gzip writer taken
// is back in the pool (want is the count from before the test).
func (s *gzServer) writersBack(t *testing.T, want int64) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		got := make(chan int64, 1)
		s.loop.AddCallback(func() { got <- gzipLive.Load() })
		select {
		case n := <-got:
			if n == want {
				return
			}
		case <-deadline:
			t.Fatalf("gzip writers not put back: %d live, want %d", gzipLive.Load(), want)
		}
	}
}

// get sends a GET (with Accept-Encoding: gzip when gz) and returns the
// response once its head arrived.
func get(t *testing.T, c *http.Client, method, url string, gz bool) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	return inTime(t, method+" "+url, func() (*http.Response, error) { return c.Do(req) })
}

// readStream reads streamChunks from r one at a time, letting the handler
// write each next chunk only once the previous one was read: what arrives
// is the stream, not a buffered whole.
func (s *gzServer) readStream(t *testing.T, r io.Reader) {
	t.Helper()
	for i, want := range streamChunks {
		got := inTime(t, "chunk "+strconv.Itoa(i+1), func() ([]byte, error) {
			b := make([]byte, len(want))
			_, err := io.ReadFull(r, b)
			return b, err
		})
		require.Equal(t, want, string(got), "chunk %d", i+1)
		if i < len(streamChunks)-1 {
			s.gate(t)()
		}
	}
}

// onBothServers runs f against the gzip test server on final/httpserver
// and under net/http.
func onBothServers(t *testing.T, f func(t *testing.T, s *gzServer)) {
	for _, tc := range []struct {
		name  string
		serve func(*testing.T) *gzServer
	}{{"httpserver", serveGzip}, {"net/http", serveGzipNetHTTP}} {
		t.Run(tc.name, func(t *testing.T) { f(t, tc.serve(t)) })
	}
}

func TestGzipStreamed(t *testing.T) {
	onBothServers(t, func(t *testing.T, s *gzServer) {
		live := gzipLive.Load()
		c := client(t)

		for _, q := range []string{"", "?cl=1", "?mode=finish"} {
			resp := get(t, c, "GET", s.base+"/stream"+q, true)
			assert.Equal(t, 200, resp.StatusCode, q)
			assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), q)
			assert.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"), q)
			assert.Empty(t, resp.Header.Get("Content-Length"), "%s: a streamed response is chunked", q)
			assert.Equal(t, int64(-1), resp.ContentLength, q)
			zr := inTime(t, "gzip header", func() (*gzip.Reader, error) { return gzip.NewReader(resp.Body) })
			s.readStream(t, zr)
			want := ""
			if q == "?mode=finish" {
				want = "tail\n"
			}
			// The rest ends with the trailer, whose CRC and length the
			// reader checks.
			rest := inTime(t, "the end", func() ([]byte, error) { return io.ReadAll(zr) })
			assert.Equal(t, want, string(rest), q)
			resp.Body.Close()
		}

		// A tiny flushed response is gzipped all the same.
		resp := get(t, c, "GET", s.base+"/tiny", true)
		assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		zr := inTime(t, "gzip header", func() (*gzip.Reader, error) { return gzip.NewReader(resp.Body) })
		body := inTime(t, "tiny body", func() ([]byte, error) { return io.ReadAll(zr) })
		assert.Equal(t, "hi", string(body))
		resp.Body.Close()

		// HEAD: the head a GET would get, no body, the connection
		// reused after it.
		resp = get(t, c, "HEAD", s.base+"/stream", true)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		assert.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"))
		assert.Empty(t, resp.Header.Get("Content-Length"))
		body = inTime(t, "HEAD body", func() ([]byte, error) { return io.ReadAll(resp.Body) })
		assert.Empty(t, body)
		resp.Body.Close()
		_, big := do(t, c, "GET", s.base+"/big", "")
		assert.Len(t, big, 8000, "the connection serves on after HEAD")

		s.writersBack(t, live)
	})
}

func TestGzipStreamedPlain(t *testing.T) {
	onBothServers(t, func(t *testing.T, s *gzServer) {
		live := gzipLive.Load()
		c := client(t)
		for _, x := range []struct {
			query string
			gzip  bool
			vary  string
		}{
			{"?ct=image/png", true, ""},    // not a compressible type
			{"", false, "Accept-Encoding"}, // a client without gzip
			{"?ct=application/json", false, "Accept-Encoding"},
		} {
			resp := get(t, c, "GET", s.base+"/stream"+x.query, x.gzip)
			assert.Empty(t, resp.Header.Get("Content-Encoding"), x.query)
			assert.Equal(t, x.vary, resp.Header.Get("Vary"), x.query)
			s.readStream(t, resp.Body)
			rest := inTime(t, "the end", func() ([]byte, error) { return io.ReadAll(resp.Body) })
			assert.Empty(t, rest)
			resp.Body.Close()
		}
		s.writersBack(t, live)
	})
}

func TestGzipStreamedEndsEarly(t *testing.T) {
	onBothServers(t, func(t *testing.T, s *gzServer) {
		live := gzipLive.Load()

		// An error after the head: the first chunk decodes, then the
		// connection closes without the trailer.
		resp := get(t, client(t), "GET", s.base+"/stream?mode=fail", true)
		assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		zr := inTime(t, "gzip header", func() (*gzip.Reader, error) { return gzip.NewReader(resp.Body) })
		first := inTime(t, "chunk 1", func() ([]byte, error) {
			b := make([]byte, len(streamChunks[0]))
			_, err := io.ReadFull(zr, b)
			return b, err
		})
		assert.Equal(t, streamChunks[0], string(first))
		s.gate(t)()
		_, err := io.ReadAll(zr)
		assert.Error(t, err, "the stream ends without its trailer")
		resp.Body.Close()
		s.writersBack(t, live)

		// The client goes away while the handler waits.
		resp = get(t, client(t), "GET", s.base+"/stream", true)
		zr = inTime(t, "gzip header", func() (*gzip.Reader, error) { return gzip.NewReader(resp.Body) })
		first = inTime(t, "chunk 1", func() ([]byte, error) {
			b := make([]byte, len(streamChunks[0]))
			_, err := io.ReadFull(zr, b)
			return b, err
		})
		assert.Equal(t, streamChunks[0], string(first))
		s.gate(t) // the handler waits; the client leaves instead
		resp.Body.Close()
		select {
		case <-s.gone:
		case <-time.After(10 * time.Second):
			t.Fatal("OnConnectionClose did not run")
		}
		s.writersBack(t, live)
	})
}
