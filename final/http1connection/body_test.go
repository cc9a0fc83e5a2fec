package http1connection_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
)

// budgetServer serves bodyHandler with a body budget of budget bytes
// (and configure's other options); held receives the requests to /hold,
// which the test answers.
func budgetServer(t *testing.T, budget int64, configure func(*httpserver.HTTPServer)) (s *httpserver.HTTPServer, addr string, held chan *httpserver.Request) {
	held = make(chan *httpserver.Request, 4)
	s = httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		switch string(req.Path()) {
		case "/hold":
			held <- req
		case "/close":
			req.Conn.Close()
		default:
			h := req.Conn.ResponseHeaders()
			h.Set("X-Sum", checksum(req.Body))
			req.Conn.Respond(200, h, "text/plain", []byte(strconv.Itoa(len(req.Body))))
		}
	}))
	addr = runServer(t, s, func(s *httpserver.HTTPServer) {
		s.MaxBodyMemory = budget
		if configure != nil {
			configure(s)
		}
	})
	return s, addr, held
}

// checksum is a cheap digest of a body, so that a wrong byte anywhere in a
// large body shows without echoing it.
func checksum(b []byte) string {
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return strconv.FormatUint(h, 16)
}

// chunked frames body as chunks of random sizes, with the last chunk.
func chunked(rng *rand.Rand, body []byte) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(len(body), 1+rng.Intn(200000))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// answer finishes a held request on its loop.
func answer(req *httpserver.Request) {
	req.Conn.Loop().AddCallback(func() {
		req.Conn.Respond(200, nil, "text/plain", []byte(strconv.Itoa(len(req.Body))))
	})
}

// waitBodyMemory waits until the server's bodies hold want bytes; nothing
// signals the release of a connection the peer closed, so it polls, and
// fails after ten seconds.
func waitBodyMemory(t *testing.T, s *httpserver.HTTPServer, want int64, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.BodyMemory() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: bodies hold %d bytes, want %d", what, s.BodyMemory(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCollectedBodiesWholeAtEverySize sends chunked bodies around the
// sizes where gathering changes (the reused head, the first block, block
// boundaries), in chunks of random sizes, and checks each arrives whole.
func TestCollectedBodiesWholeAtEverySize(t *testing.T) {
	s, addr, _ := budgetServer(t, 64<<20, nil)
	rng := rand.New(rand.NewSource(1))
	const head, block = 64 << 10, 1 << 20
	for _, n := range []int{0, 1, head - 1, head, head + 1, block - 1, block, block + 1, head + block, 3*block + 12345} {
		body := make([]byte, n)
		rng.Read(body)
		c := dial(t, addr)
		c.send("POST /len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rng, body))
		resp, got := c.response("POST")
		require.Equal(t, 200, resp.StatusCode, n)
		assert.Equal(t, strconv.Itoa(n), got)
		assert.Equal(t, checksum(body), resp.Header.Get("X-Sum"), "body of %d bytes", n)
		// The charge is gone before the answer is sent.
		assert.Zero(t, s.BodyMemory(), "after a body of %d bytes", n)

		// The same with a Content-Length.
		c.send(fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", n, body))
		resp, got = c.response("POST")
		assert.Equal(t, strconv.Itoa(n), got)
		assert.Equal(t, checksum(body), resp.Header.Get("X-Sum"), "body of %d bytes", n)
		assert.Zero(t, s.BodyMemory())
	}
}

// TestDecompressedBodyInBlocks decompresses a gzip body whose compressed
// bytes spill into blocks, chunked, into a collected body that does too.
func TestDecompressedBodyInBlocks(t *testing.T) {
	s, addr, _ := budgetServer(t, 64<<20, func(s *httpserver.HTTPServer) { s.DecompressRequest = true })
	rng := rand.New(rand.NewSource(2))
	body := make([]byte, 3<<20) // random: the gzip is as large
	rng.Read(body)
	gz := gzipped(t, body)
	require.Greater(t, len(gz), 2<<20)
	c := dial(t, addr)
	c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rng, gz))
	resp, got := c.response("POST")
	assert.Equal(t, strconv.Itoa(len(body)), got)
	assert.Equal(t, checksum(body), resp.Header.Get("X-Sum"))
	assert.Zero(t, s.BodyMemory())
}

// TestBodyBudgetAdmitsContentLengthAtTheHead: a body of known length is
// charged whole when its head arrives, and one that does not fit is
// refused with 503 before any of it is read (without 100 Continue).
func TestBodyBudgetAdmitsContentLengthAtTheHead(t *testing.T) {
	const budget = 1 << 20
	s, addr, held := budgetServer(t, budget, nil)
	a := dial(t, addr)
	a.send(fmt.Sprintf("POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", 700<<10, make([]byte, 700<<10)))
	req := testutil.Recv(t, held, "the held request")
	assert.Equal(t, int64(700<<10), s.BodyMemory())

	b := dial(t, addr)
	b.send(fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", 700<<10))
	resp, _ := b.response("POST")
	assert.Equal(t, 503, resp.StatusCode, "no 100 Continue, no waiting for the body")
	assert.True(t, resp.Close)
	b.expectClosed()

	// What still fits is served; what could never fit is 413.
	c := dial(t, addr)
	c.send(fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", 300<<10, make([]byte, 300<<10)))
	_, got := c.response("POST")
	assert.Equal(t, strconv.Itoa(300<<10), got)
	c.send(fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", budget+1))
	resp, _ = c.response("POST")
	assert.Equal(t, 413, resp.StatusCode)
	c.expectClosed()

	// Once the held request is answered, the whole budget is free.
	answer(req)
	resp, _ = a.response("POST")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Zero(t, s.BodyMemory())
	a.send(fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", budget, make([]byte, budget)))
	_, got = a.response("POST")
	assert.Equal(t, strconv.Itoa(budget), got)
}

// TestBodyBudgetChargesChunkedAsItGrows: a chunked body is refused with 503
// when it outgrows what is left of the budget, and gives its charge back
// before the answer is sent.
func TestBodyBudgetChargesChunkedAsItGrows(t *testing.T) {
	const budget = 4 << 20
	s, addr, held := budgetServer(t, budget, nil)
	rng := rand.New(rand.NewSource(3))
	a := dial(t, addr)
	a.send("POST /hold HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rng, make([]byte, 3<<20)))
	req := testutil.Recv(t, held, "the held request")
	assert.Equal(t, int64(3<<20), s.BodyMemory(), "a chunked body is charged its length")

	// An endless body: 503 once it passes the megabyte left.
	b := dial(t, addr)
	b.send("POST /len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	answered := make(chan *httpResult, 1)
	go func() { answered <- readResult(b) }()
	piece := fmt.Sprintf("%x\r\n%s\r\n", 64<<10, make([]byte, 64<<10))
	var r *httpResult
	for sent := 0; r == nil; sent += 64 << 10 {
		require.Less(t, sent, 100<<20, "no answer after 100 MiB")
		if _, err := io.WriteString(b.c, piece); err != nil {
			break // the server stopped reading; the answer is there
		}
		select {
		case r = <-answered:
		default:
		}
	}
	if r == nil {
		r = testutil.Recv(t, answered, "the 503")
	}
	require.NoError(t, r.err)
	assert.Equal(t, 503, r.resp.StatusCode)
	assert.True(t, r.resp.Close)
	assert.Equal(t, int64(3<<20), s.BodyMemory(), "the refused body's charge is back before the answer")

	answer(req)
	resp, _ := a.response("POST")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Zero(t, s.BodyMemory())
}

// httpResult is a response read on another goroutine.
type httpResult struct {
	resp *http.Response
	err  error
}

func readResult(c *client) *httpResult {
	resp, err := http.ReadResponse(c.br, nil)
	if err == nil {
		resp.Body.Close()
	}
	return &httpResult{resp, err}
}

// TestBodyBudgetReleasedHoweverTheRequestEnds: what a body holds goes back
// when its request ends, each way a request can end.
func TestBodyBudgetReleasedHoweverTheRequestEnds(t *testing.T) {
	const budget = 8 << 20
	half := fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", 2<<20, make([]byte, 1<<20))
	rng := rand.New(rand.NewSource(4))
	chunkedPart := "POST /len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		strings.TrimSuffix(chunked(rng, make([]byte, 3<<20)), "0\r\n\r\n")
	for _, tc := range []struct {
		name      string
		configure func(*httpserver.HTTPServer)
		run       func(t *testing.T, s *httpserver.HTTPServer, c *client, held chan *httpserver.Request)
	}{
		{"413 over MaxBodySize, chunked", func(s *httpserver.HTTPServer) { s.MaxBodySize = 2 << 20 }, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			c.send(chunkedPart)
			resp, _ := c.response("POST")
			assert.Equal(t, 413, resp.StatusCode)
			assert.Zero(t, s.BodyMemory(), "released before the answer")
		}},
		{"the handler closes the connection", nil, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			c.send("POST /close HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
			c.expectClosed()
			assert.Zero(t, s.BodyMemory(), "released before the close")
		}},
		{"body timeout", func(s *httpserver.HTTPServer) { s.BodyTimeout = 100 * time.Millisecond }, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			c.send(half)
			c.expectClosed()
			assert.Zero(t, s.BodyMemory(), "released before the close")
		}},
		{"the client leaves half-way, Content-Length", nil, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			c.send(half)
			waitBodyMemory(t, s, 2<<20, "charged at the head")
			c.c.Close()
			waitBodyMemory(t, s, 0, "after the client left")
		}},
		{"the client leaves half-way, chunked", nil, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			c.send(chunkedPart)
			waitBodyMemory(t, s, 3<<20, "charged as it arrived")
			c.c.Close()
			waitBodyMemory(t, s, 0, "after the client left")
		}},
		{"the client leaves while the handler holds the request", nil, func(t *testing.T, s *httpserver.HTTPServer, c *client, held chan *httpserver.Request) {
			c.send("POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
			req := testutil.Recv(t, held, "the held request")
			assert.Equal(t, int64(5), s.BodyMemory())
			c.c.Close()
			waitBodyMemory(t, s, 0, "after the client left")
			answer(req) // to a closed connection: nothing happens
		}},
		{"gzip, answered", func(s *httpserver.HTTPServer) { s.DecompressRequest = true }, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			gz := gzipped(t, bytes.Repeat([]byte("gornado "), 1<<17))
			c.send(fmt.Sprintf("POST /len HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(gz), gz))
			_, got := c.response("POST")
			assert.Equal(t, strconv.Itoa(8<<17), got)
			assert.Zero(t, s.BodyMemory(), "released before the answer")
		}},
		{"gzip, refused as bad", func(s *httpserver.HTTPServer) { s.DecompressRequest = true }, func(t *testing.T, s *httpserver.HTTPServer, c *client, _ chan *httpserver.Request) {
			c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc")
			resp, _ := c.response("POST")
			assert.Equal(t, 400, resp.StatusCode)
			assert.Zero(t, s.BodyMemory(), "released before the answer")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, addr, held := budgetServer(t, budget, tc.configure)
			tc.run(t, s, dial(t, addr), held)
		})
	}
}

var _ = http1connection.ErrBodyBudget
