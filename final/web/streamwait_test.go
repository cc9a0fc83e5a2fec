// A streaming handler's DataReceived makes the body wait (Wait, Go), on
// final's server and under net/http.

package web

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// gated is a streaming handler whose DataReceived waits, on every piece,
// for a Future the test resolves: with Wait, or, for a body whose first
// byte is 'g', from a coroutine (Go) that awaits it.
type gated struct {
	RequestHandler
	// pieces receives each piece's Future; closes each OnConnectionClose.
	pieces chan gatedPiece
	closes chan struct{}
	body   []byte
}

// gatedPiece is a piece DataReceived made the body wait on.
type gatedPiece struct {
	size int
	f    *concurrent.Future[struct{}]
	loop *ioloop.IOLoop
}

func (h *gated) Prepare() error { h.body = nil; return nil }

func (h *gated) DataReceived(chunk []byte) error {
	h.body = append(h.body, chunk...)
	f := concurrent.NewFuture[struct{}]()
	h.pieces <- gatedPiece{size: len(chunk), f: f, loop: h.Loop()}
	if h.body[0] == 'g' {
		return h.Go(func(c *gen.Co) error {
			_, err := gen.Await(c, f)
			return err
		})
	}
	h.Wait(f)
	return nil
}

func (h *gated) Put(...string) error { return h.WriteString(bodyDigest(h.body)) }

func (h *gated) OnConnectionClose() { h.closes <- struct{}{} }

func bodyDigest(b []byte) string { return fmt.Sprintf("%d %x", len(b), sha256.Sum256(b)) }

// resolve resolves a piece's Future on its loop (with err if not nil) and
// returns once that has run.
func (p gatedPiece) resolve(t *testing.T, err error) {
	t.Helper()
	done := make(chan struct{})
	p.loop.AddCallback(func() {
		p.f.Set(struct{}{}, err)
		close(done)
	})
	testutil.Recv(t, done, "the resolution")
}

// gatedServers serves a gated handler at /up on final's server and under
// net/http, and runs test against each.
func gatedServers(t *testing.T, test func(t *testing.T, addr string, h *gated, netHTTP bool)) {
	for _, name := range []string{"final", "net/http"} {
		t.Run(name, func(t *testing.T) {
			h := &gated{pieces: make(chan gatedPiece, 4096), closes: make(chan struct{}, 4)}
			app := NewApplication([]*URLSpec{URL("/up", h)}, Settings{Logger: quiet})
			var addr string
			if name == "final" {
				addr = strings.TrimPrefix(serve(t, app), "http://")
			} else {
				srv := httptest.NewServer(app)
				t.Cleanup(func() {
					// The loop first: a ServeHTTP still waiting for it
					// then returns, which srv.Close waits for.
					app.Close()
					srv.Close()
				})
				addr = strings.TrimPrefix(srv.URL, "http://")
			}
			test(t, addr, h, name == "net/http")
		})
	}
}

// dialUpload dials addr with a deadline that turns a hang into a failure.
func dialUpload(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	return c, bufio.NewReader(c)
}

func readAnswer(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: "PUT"})
	require.NoError(t, err)
	var b strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&b)
	require.NoError(t, err)
	return resp, b.String()
}

// Each piece waits for its Future before the next is delivered, and the
// body arrives whole and in order.
func TestStreamingWaitInOrder(t *testing.T) {
	gatedServers(t, func(t *testing.T, addr string, h *gated, _ bool) {
		body := make([]byte, 1<<20)
		rand.New(rand.NewSource(3)).Read(body)
		body[0] = 'w'
		c, br := dialUpload(t, addr)
		go fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		for got := 0; got < len(body); {
			p := testutil.Recv(t, h.pieces, "a piece")
			select {
			case <-h.pieces:
				t.Fatal("a piece delivered while the one before waits")
			default:
			}
			got += p.size
			p.resolve(t, nil)
		}
		resp, got := readAnswer(t, br)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, bodyDigest(body), got)
	})
}

// A Future that fails answers the request like an error DataReceived
// returns: 500, or an HTTPError's code; from Wait or from Go. On final's
// server the answer goes out at once, with the rest of the body still to
// come; net/http sends it once it has read (to discard) what is left of a
// small body.
func TestStreamingWaitFails(t *testing.T) {
	for _, tc := range []struct {
		first byte
		err   error
		code  int
	}{
		{'w', errors.New("disk full"), 500},
		{'g', errors.New("disk full"), 500},
		{'w', &HTTPError{Code: 507}, 507},
		{'g', &HTTPError{Code: 507}, 507},
	} {
		t.Run(fmt.Sprintf("%c%d", tc.first, tc.code), func(t *testing.T) {
			gatedServers(t, func(t *testing.T, addr string, h *gated, netHTTP bool) {
				c, br := dialUpload(t, addr)
				fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n%c123456789", tc.first)
				p := testutil.Recv(t, h.pieces, "the piece")
				p.resolve(t, tc.err)
				if netHTTP {
					fmt.Fprint(c, "abcdefghij")
				}
				require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
				resp, _ := readAnswer(t, br)
				assert.Equal(t, tc.code, resp.StatusCode)
			})
		})
	}
}

// While the handler waits, the server reads nothing more: the client's
// write blocks once the sockets' buffers are full. Released, the upload
// completes intact.
func TestStreamingWaitPushesBack(t *testing.T) {
	gatedServers(t, func(t *testing.T, addr string, h *gated, _ bool) {
		body := make([]byte, 64<<20)
		body[0] = 'w'
		c, br := dialUpload(t, addr)
		fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body))
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(time.Second)))
		n, err := c.Write(body)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "the client's write should block, got n=%d err=%v", n, err)
		t.Logf("the client sent %d KiB before its write blocked", n>>10)
		assert.Less(t, n, len(body)/4)
		p := testutil.Recv(t, h.pieces, "the first piece")
		assert.Empty(t, h.pieces, "pieces delivered while the first waits")
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(20*time.Second)))
		// Release every piece from now on, as the upload goes on.
		stop := make(chan struct{})
		released := make(chan struct{})
		go func() {
			defer close(released)
			for {
				p.loop.AddCallback(func() { p.f.SetResult(struct{}{}) })
				select {
				case p = <-h.pieces:
				case <-stop:
					return
				}
			}
		}()
		_, err = c.Write(body[n:])
		require.NoError(t, err)
		_, got := readAnswer(t, br)
		close(stop)
		<-released
		assert.Equal(t, bodyDigest(body), got)
	})
}

// A client that goes away while its handler waits reaches
// OnConnectionClose once: on final's server at once, its connection being
// watched; under net/http once the wait is over and the next read of the
// body fails, net/http watching a connection only once its request body
// has been read.
func TestStreamingWaitClientGone(t *testing.T) {
	gatedServers(t, func(t *testing.T, addr string, h *gated, netHTTP bool) {
		c, _ := dialUpload(t, addr)
		fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nw123456789")
		p := testutil.Recv(t, h.pieces, "the piece")
		c.Close()
		if !netHTTP {
			testutil.Recv(t, h.closes, "OnConnectionClose")
		}
		p.resolve(t, nil)
		if netHTTP {
			testutil.Recv(t, h.closes, "OnConnectionClose")
		}
		// The handler's end runs on callbacks after the resolution.
		for range 3 {
			done := make(chan struct{})
			p.loop.AddCallback(func() { close(done) })
			testutil.Recv(t, done, "a loop callback")
		}
		assert.Empty(t, h.closes, "a second OnConnectionClose")
		assert.Empty(t, h.pieces, "pieces after the close")
	})
}

// On final's server, the handler whose client left during a wait is
// releases its working storage to the loop's pool once the wait ends, not before (the wait may still
// use it).
func TestStreamingWaitReleasesAfterWait(t *testing.T) {
	h := &gated{pieces: make(chan gatedPiece, 16), closes: make(chan struct{}, 4)}
	app := NewApplication([]*URLSpec{URL("/up", h)}, Settings{Logger: quiet})
	addr, loop := serveOn(t, app, withDelegate)
	pooled := func() int {
		n := make(chan int, 1)
		loop.AddCallback(func() {
			n <- len(app.stateOf(loop).states)
		})
		return testutil.Recv(t, n, "the pool's size")
	}
	c, _ := dialUpload(t, addr)
	fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nw123456789")
	p := testutil.Recv(t, h.pieces, "the piece")
	c.Close()
	testutil.Recv(t, h.closes, "OnConnectionClose")
	assert.Equal(t, 0, pooled(), "released while its wait is in progress")
	p.resolve(t, nil)
	assert.Equal(t, 1, pooled(), "released once its wait ended")
}

// lookup is a streaming handler whose Prepare waits (a user looked up,
// say) before it knows whether to take the body: the log says in which
// order its steps ran.
type lookup struct {
	RequestHandler
	gate   *concurrent.Future[struct{}]
	events chan string
	n      int
}

func (h *lookup) Prepare() error {
	h.n = 0
	h.events <- "prepare"
	return h.Go(func(c *gen.Co) error {
		if _, err := gen.Await(c, h.gate); err != nil {
			return err
		}
		h.events <- "prepared"
		if h.GetArgumentDefault("refuse", "") != "" {
			return &HTTPError{Code: 403}
		}
		return nil
	})
}

func (h *lookup) DataReceived(chunk []byte) error {
	h.n += len(chunk)
	h.events <- "data"
	return nil
}

func (h *lookup) Put(...string) error { return h.WriteString(fmt.Sprint(h.n)) }

// TestPrepareWaitHoldsTheBody: as Tornado awaits prepare() before it
// reads the body, no piece reaches DataReceived while Prepare's wait is
// pending, and none at all once Prepare refused the request.
func TestPrepareWaitHoldsTheBody(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		events := make(chan string, 64)
		var loop *ioloop.IOLoop
		gate := concurrent.NewFuture[struct{}]()
		app := NewApplication([]*URLSpec{URL("/up", &lookup{gate: gate, events: events})}, Settings{Logger: quiet})
		addr, l := serveOn(t, app, withDelegate)
		loop = l
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		q := ""
		if refuse {
			q = "?refuse=1"
		}
		body := strings.Repeat("x", 1000)
		_, err = fmt.Fprintf(conn, "PUT /up%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", q, len(body), body)
		require.NoError(t, err)
		assert.Equal(t, "prepare", testutil.Recv(t, events, "Prepare"))
		// The body has been sent; give the server a round trip on its
		// loop to have read it, then check nothing reached DataReceived.
		sync := make(chan struct{})
		loop.AddCallback(func() { loop.AddCallback(func() { close(sync) }) })
		testutil.Recv(t, sync, "the loop")
		select {
		case e := <-events:
			t.Fatalf("refuse=%v: %q before Prepare's wait was done", refuse, e)
		default:
		}
		loop.AddCallback(func() { gate.SetResult(struct{}{}) })
		assert.Equal(t, "prepared", testutil.Recv(t, events, "Prepare's end"))
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		if refuse {
			assert.Equal(t, 403, resp.StatusCode)
			select {
			case e := <-events:
				t.Fatalf("%q after Prepare refused the request", e)
			default:
			}
			continue
		}
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "data", testutil.Recv(t, events, "the body"))
	}
}
