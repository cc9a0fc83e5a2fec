package http1connection_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/internal/testutil"
)

// waitServer is a ServerDelegate whose requests make the connection wait,
// on the pieces of body hold picks, for a Future the test resolves
// (release): a BodyWaiter.
type waitServer struct {
	// hold says whether piece n (from 0) of a request waits; nil: none.
	// It is read on the loop, so it must not change once serving.
	hold func(n int) bool
	// pieces receives every piece as it is delivered, closes the path of
	// each request whose delegate hears OnConnectionClose.
	pieces chan piece
	closes chan string
}

// piece is one DataReceivedWait call.
type piece struct {
	// n is its index in the request, size its length.
	n, size int
	// f is the Future the connection waits for (nil: not held).
	f *concurrent.Future[struct{}]
	// conn is the connection, for its loop.
	conn *http1connection.Conn
}

func newWaitServer(hold func(int) bool) *waitServer {
	return &waitServer{hold: hold, pieces: make(chan piece, 1<<16), closes: make(chan string, 16)}
}

func (s *waitServer) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	return &waitDelegate{s: s, c: c}
}
func (s *waitServer) OnClose(*http1connection.Conn) {}

// waitDelegate keeps the body and answers its length and SHA-256.
type waitDelegate struct {
	s    *waitServer
	c    *http1connection.Conn
	path string
	body []byte
	n    int
}

func (d *waitDelegate) HeadersReceived(req *http1connection.Request) error {
	d.path = string(req.Path())
	return nil
}

// DataReceived is what a connection that ignores BodyWaiter calls: the
// piece is recorded the same way, and nothing waits.
func (d *waitDelegate) DataReceived(b []byte) error {
	_, err := d.DataReceivedWait(b)
	return err
}

func (d *waitDelegate) DataReceivedWait(b []byte) (concurrent.Awaitable, error) {
	d.body = append(d.body, b...)
	p := piece{n: d.n, size: len(b), conn: d.c}
	d.n++
	var aw concurrent.Awaitable
	if d.s.hold != nil && d.s.hold(p.n) {
		p.f = concurrent.NewFuture[struct{}]()
		aw = p.f
	}
	d.s.pieces <- p
	return aw, nil
}

func (d *waitDelegate) Finish() {
	d.c.Respond(200, nil, "text/plain", []byte(digest(d.body)))
}

func (d *waitDelegate) OnConnectionClose() { d.s.closes <- d.path }

// digest is what waitDelegate answers for a body.
func digest(b []byte) string { return fmt.Sprintf("%d %x", len(b), sha256.Sum256(b)) }

// release resolves a held piece's Future on its loop, with err if not nil,
// and returns once that has run.
func release(t *testing.T, p piece, err error) {
	t.Helper()
	require.NotNil(t, p.f, "piece %d is not held", p.n)
	done := make(chan struct{})
	p.conn.Loop().AddCallback(func() {
		if err != nil {
			p.f.SetException(err)
		} else {
			p.f.SetResult(struct{}{})
		}
		close(done)
	})
	testutil.Recv(t, done, "the release")
}

// settle returns once the loop has run what the callbacks queued so far
// queued in turn (the connection goes on after a release on a callback of
// its own).
func settle(t *testing.T, c *http1connection.Conn) {
	t.Helper()
	for range 2 {
		done := make(chan struct{})
		c.Loop().AddCallback(func() { close(done) })
		testutil.Recv(t, done, "a loop callback")
	}
}

// serveWait serves s with ChunkSize chunk and configure applied.
func serveWait(t *testing.T, s *waitServer, configure func(*httpserver.HTTPServer)) string {
	return runServer(t, httpserver.NewWithDelegate(s), configure)
}

// Every piece of a body waits for its Future, and the body arrives whole
// and in order, for each framing, with a pipelined request behind it that
// was received with the body (it waits in the connection's buffer, and is
// served after).
func TestBodyWaitResumesInOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	body := make([]byte, 300<<10)
	rng.Read(body)
	const next = "POST /next HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	for _, tc := range []struct {
		name string
		req  func(t *testing.T) string
		gzip bool
	}{
		{"content-length", func(*testing.T) string {
			return fmt.Sprintf("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}, false},
		{"chunked", func(*testing.T) string {
			return "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rng, body)
		}, false},
		{"gzip", func(t *testing.T) string {
			gz := gzipped(t, body)
			return fmt.Sprintf("POST /a HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(gz), gz)
		}, true},
		{"gzip chunked", func(t *testing.T) string {
			return "POST /a HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(rng, gzipped(t, body))
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWaitServer(func(int) bool { return true })
			addr := serveWait(t, s, func(hs *httpserver.HTTPServer) {
				hs.ChunkSize = 4096
				hs.DecompressRequest = tc.gzip
			})
			c := dial(t, addr)
			c.send(tc.req(t) + next)
			// Release each piece only once it has been delivered: the
			// next one must not come before.
			answered := make(chan string, 2)
			go func() {
				_, got := c.response("POST")
				answered <- got
				_, got = c.response("POST")
				answered <- got
			}()
			pieces := 0
			for delivered := 0; delivered < len(body); {
				p := testutil.Recv(t, s.pieces, "a piece")
				require.Equal(t, pieces, p.n)
				select {
				case p2 := <-s.pieces:
					t.Fatalf("piece %d delivered while piece %d waits", p2.n, p.n)
				default:
				}
				delivered += p.size
				pieces++
				release(t, p, nil)
			}
			assert.Greater(t, pieces, 70, "pieces of at most ChunkSize")
			assert.Equal(t, digest(body), testutil.Recv(t, answered, "the answer"))
			// The pipelined request: one held piece.
			release(t, testutil.Recv(t, s.pieces, "the next request's piece"), nil)
			assert.Equal(t, digest([]byte("hello")), testutil.Recv(t, answered, "the next answer"))
		})
	}
}

// While the connection waits it reads nothing: the client's write blocks
// once the sockets' buffers are full, and the server holds no more than
// one read of the body. Released, the body goes on where it stopped.
func TestBodyWaitPushesBack(t *testing.T) {
	s := newWaitServer(func(n int) bool { return n == 0 })
	addr := serveWait(t, s, nil)
	body := make([]byte, 64<<20)
	rand.New(rand.NewSource(2)).Read(body)
	c := dial(t, addr)
	c.send(fmt.Sprintf("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body)))
	// The write stops when the buffers are full; the deadline ends it.
	require.NoError(t, c.c.SetWriteDeadline(time.Now().Add(time.Second)))
	n, err := c.c.Write(body)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "the client's write should block, got n=%d err=%v", n, err)
	t.Logf("the client sent %d KiB before its write blocked", n>>10)
	assert.Less(t, n, len(body)/4)
	p := testutil.Recv(t, s.pieces, "the first piece")
	require.NotNil(t, p.f)
	select {
	case p2 := <-s.pieces:
		t.Fatalf("piece %d delivered while the first waits", p2.n)
	default:
	}
	held := make(chan int, 1)
	p.conn.Loop().AddCallback(func() { held <- p.conn.Stream().BufferedLen() })
	assert.LessOrEqual(t, testutil.Recv(t, held, "the stream's buffer"), 64<<10, "bytes the stream holds beyond the connection's one read")

	release(t, p, nil)
	require.NoError(t, c.c.SetWriteDeadline(time.Time{}))
	_, err = c.c.Write(body[n:])
	require.NoError(t, err)
	_, got := c.response("PUT")
	assert.Equal(t, digest(body), got)
}

// An Awaitable that fails answers the request: 500 for an error of the
// server's own, the status of an *httputil.HTTPInputError; the
// connection closes after the answer.
func TestBodyWaitFails(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{errors.New("disk full"), 500},
		{&httputil.HTTPInputError{Status: 413, Msg: "too much"}, 413},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			s := newWaitServer(func(n int) bool { return n == 0 })
			addr := serveWait(t, s, func(hs *httpserver.HTTPServer) { hs.ChunkSize = 4 })
			c := dial(t, addr)
			c.send("POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
			p := testutil.Recv(t, s.pieces, "the first piece")
			release(t, p, tc.err)
			resp, _ := c.response("POST")
			assert.Equal(t, tc.code, resp.StatusCode)
			assert.True(t, resp.Close)
			c.expectClosed()
			assert.Empty(t, s.pieces, "pieces after the failure")
		})
	}
}

// A client that closes while the connection waits reaches the delegate's
// OnConnectionClose once, whether the rest of its body had been received
// or not; the release that comes after does nothing.
func TestBodyWaitPeerCloses(t *testing.T) {
	for _, sent := range []int{4, 30} {
		t.Run(strconv.Itoa(sent), func(t *testing.T) {
			s := newWaitServer(func(n int) bool { return n == 0 })
			addr := serveWait(t, s, func(hs *httpserver.HTTPServer) { hs.ChunkSize = 4 })
			c := dial(t, addr)
			c.send("POST /gone HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + string(bytes.Repeat([]byte("x"), sent)))
			p := testutil.Recv(t, s.pieces, "the first piece")
			c.c.Close()
			assert.Equal(t, "/gone", testutil.Recv(t, s.closes, "OnConnectionClose"))
			release(t, p, nil)
			settle(t, p.conn)
			assert.Empty(t, s.closes, "a second OnConnectionClose")
			assert.Empty(t, s.pieces, "pieces after the close")
			assert.True(t, p.conn.Closed())
		})
	}
}

// BodyIdleTimeout does not run while the server makes the body wait: the
// client is not the slow one. From the release on it does again.
func TestBodyWaitIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	s := newWaitServer(func(n int) bool { return n == 0 })
	addr := serveWait(t, s, func(hs *httpserver.HTTPServer) { hs.BodyIdleTimeout = idle })
	c := dial(t, addr)
	c.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789")
	p := testutil.Recv(t, s.pieces, "the first piece")
	select {
	case path := <-s.closes:
		t.Fatalf("%s closed while the server held its body", path)
	case <-time.After(5 * idle):
	}
	release(t, p, nil)
	c.send("abcdefghij")
	_, got := c.response("POST")
	assert.Equal(t, digest([]byte("0123456789abcdefghij")), got)
	assert.Equal(t, 1, testutil.Recv(t, s.pieces, "the second piece").n)

	// Released, a client that sends nothing more is timed out again.
	c2 := dial(t, addr)
	c2.send("POST /idle HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789")
	release(t, testutil.Recv(t, s.pieces, "the first piece"), nil)
	assert.Equal(t, "/idle", testutil.Recv(t, s.closes, "the body idle timeout"))
	c2.expectClosed()
}

// A connection that waits, with a client pushing a large body at it,
// leaves its loop free: another client's requests on the same loop are
// answered meanwhile.
func TestBodyWaitOthersServed(t *testing.T) {
	s := newWaitServer(func(n int) bool { return n == 0 })
	addr := serveWait(t, s, nil)
	c := dial(t, addr)
	c.send(fmt.Sprintf("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 64<<20))
	pushing := make(chan error, 1)
	go func() {
		_, err := c.c.Write(make([]byte, 64<<20))
		pushing <- err
	}()
	p := testutil.Recv(t, s.pieces, "the first piece")
	other := dial(t, addr)
	var worst time.Duration
	for range 50 {
		start := time.Now()
		require.NoError(t, other.c.SetDeadline(start.Add(5*time.Second)))
		other.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, got := other.response("GET")
		worst = max(worst, time.Since(start))
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, digest(nil), got)
	}
	t.Logf("slowest of 50 round trips beside the waiting upload: %v", worst)
	select {
	case err := <-pushing:
		t.Fatalf("the upload was not held back: its write returned %v", err)
	default:
	}
	release(t, p, nil)
	require.NoError(t, testutil.Recv(t, pushing, "the rest of the upload"))
	_, got := c.response("PUT")
	assert.Equal(t, digest(make([]byte, 64<<20)), got)
}
