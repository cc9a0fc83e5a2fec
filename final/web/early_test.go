// Requests refused from their head alone (404, 405) are answered before
// any of their body is read, on final's server and under net/http.

package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
)

// getOnly has no method but Get.
type getOnly struct{ RequestHandler }

func (h *getOnly) Get(...string) error { return h.WriteBytes([]byte("got")) }

// preparing has a Prepare that answers every request itself, from the
// body: Prepare may answer anything, so the body is read for it.
type preparing struct{ RequestHandler }

func (h *preparing) Prepare() error {
	h.SetHeader("X-Body", string(h.Request.Body))
	return h.Finish()
}

func (h *preparing) Get(...string) error { return nil }

// collecting takes POST bodies whole, and records a close it hears of.
type collecting struct {
	RequestHandler
	closes chan string
}

func (h *collecting) Post(...string) error {
	return h.WriteBytes([]byte(strconv.Itoa(len(h.Request.Body))))
}

func (h *collecting) OnConnectionClose() { h.closes <- h.Request.Method }

func earlyApp(closes chan string) *Application {
	if closes == nil {
		closes = make(chan string, 16)
	}
	return NewApplication([]*URLSpec{
		URL("/get", &getOnly{}),
		URL("/prepare", &preparing{}),
		URL("/post", &collecting{closes: closes}),
	}, Settings{Logger: quiet})
}

// onBothServersRaw runs f with the address of app served by final's
// server (one loop) and by net/http. t.Name() ends in "/httpserver" for
// the first (see ours).
func onBothServersRaw(t *testing.T, app func() *Application, f func(t *testing.T, addr string)) {
	t.Run("httpserver", func(t *testing.T) {
		addr, _ := serveOn(t, app(), withDelegate)
		f(t, addr)
	})
	t.Run("net/http", func(t *testing.T) {
		a := app()
		srv := httptest.NewServer(a)
		t.Cleanup(func() {
			srv.CloseClientConnections()
			srv.Close()
			a.Close()
		})
		f(t, strings.TrimPrefix(srv.URL, "http://"))
	})
}

// ours reports whether onBothServersRaw runs t on final's server.
func ours(t *testing.T) bool { return strings.HasSuffix(t.Name(), "/httpserver") }

// rawConn is a client connection that fails rather than hangs.
func rawConn(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c, bufio.NewReader(c)
}

// TestRefusedBeforeTheBody: a 404 or a 405 is answered from the head, with
// the body neither sent (the client waits for 100 Continue, or sends a
// declared 50 MiB body nothing of which has left) nor read; the server
// closes the connection after the answer, without a reset.
func TestRefusedBeforeTheBody(t *testing.T) {
	onBothServersRaw(t, func() *Application { return earlyApp(nil) }, func(t *testing.T, addr string) {
		for _, tc := range []struct {
			method, path, expect string
			code                 int
			allow                string
		}{
			{"POST", "/nowhere", "", 404, ""},
			{"POST", "/nowhere", "Expect: 100-continue\r\n", 404, ""},
			{"POST", "/get", "", 405, "GET"},
			{"PUT", "/get", "Expect: 100-continue\r\n", 405, "GET"},
			{"BREW", "/post", "", 405, "POST"},
		} {
			what := tc.method + " " + tc.path + " " + tc.expect
			c, br := rawConn(t, addr)
			fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s\r\n", tc.method, tc.path, 50<<20, tc.expect)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err, "%s: an answer without the body", what)
			assert.Equal(t, tc.code, resp.StatusCode, what)
			assert.Equal(t, tc.allow, resp.Header.Get("Allow"), what)
			assert.True(t, resp.Close, "%s: the connection closes after the answer", what)
			_, err = io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			// The client may go on sending what it announced; it still
			// reads the end of the stream, not a reset. (net/http lingers
			// for 500 ms only, so on a loaded machine its reset may
			// overtake the end of the stream: that is net/http's, and
			// checked only on final's server, which lingers 2 s.)
			c.Write(make([]byte, 64<<10))
			rest, err := io.ReadAll(br)
			if ours(t) {
				assert.NoError(t, err, what)
			}
			assert.Empty(t, rest, what)
		}
	})
}

// TestRefusedChunkedWhileItArrives: an endless chunked body to a route
// without that method is answered at once, not after MaxBodySize of it.
func TestRefusedChunkedWhileItArrives(t *testing.T) {
	onBothServersRaw(t, func() *Application { return earlyApp(nil) }, func(t *testing.T, addr string) {
		c, br := rawConn(t, addr)
		fmt.Fprint(c, "POST /get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
		got := make(chan *http.Response, 1)
		go func() {
			resp, err := http.ReadResponse(br, nil)
			if err == nil {
				got <- resp
			}
			close(got)
		}()
		piece := fmt.Sprintf("%x\r\n%s\r\n", 64<<10, make([]byte, 64<<10))
		for sent := 0; ; sent += 64 << 10 {
			// MaxBodySize is 100 MiB: before this change the answer was
			// its 413, after all of it.
			require.Less(t, sent, 20<<20, "no answer after 20 MiB of body")
			select {
			case resp := <-got:
				require.NotNil(t, resp, "the connection closed without an answer")
				assert.Equal(t, 405, resp.StatusCode)
				return
			default:
			}
			if _, err := io.WriteString(c, piece); err != nil {
				resp := testutil.Recv(t, got, "the answer")
				require.NotNil(t, resp, "the connection closed without an answer")
				assert.Equal(t, 405, resp.StatusCode)
				return
			}
		}
	})
}

// TestRefusalKeepsBodilessConnections: without a body there is nothing to
// save, and a 404 or 405 keeps the connection like any other answer.
func TestRefusalKeepsBodilessConnections(t *testing.T) {
	onBothServersRaw(t, func() *Application { return earlyApp(nil) }, func(t *testing.T, addr string) {
		c, br := rawConn(t, addr)
		for _, req := range []string{
			"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
			"POST /get HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
			"GET /get HTTP/1.1\r\nHost: x\r\n\r\n",
		} {
			io.WriteString(c, req)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err, req)
			io.Copy(io.Discard, resp.Body)
			assert.False(t, resp.Close, req)
		}
	})
}

// TestPrepareSeesTheBodyOfAMissingMethod: a handler with a Prepare is not
// refused from the head, since its Prepare may answer anything itself, from
// the body too (Tornado runs prepare once the body is read).
func TestPrepareSeesTheBodyOfAMissingMethod(t *testing.T) {
	onBothServersRaw(t, func() *Application { return earlyApp(nil) }, func(t *testing.T, addr string) {
		c, br := rawConn(t, addr)
		io.WriteString(c, "POST /prepare HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "hello", resp.Header.Get("X-Body"))
	})
}

// TestNoCloseCallbackBeforeTheHandlerRan: a handler that does not stream
// runs once its body is complete; a client that leaves before, or a body
// refused for the budget, never reaches it (Tornado's _HandlerDelegate
// drops the chunks and tells the handler nothing).
func TestNoCloseCallbackBeforeTheHandlerRan(t *testing.T) {
	closes := make(chan string, 4)
	var s *httpserver.HTTPServer
	addr, _ := serveOn(t, earlyApp(closes), func(a *Application) *httpserver.HTTPServer {
		s = httpserver.NewWithDelegate(a)
		s.MaxBodyMemory = 1 << 20
		return s
	})
	// A body within the budget is served.
	c, br := rawConn(t, addr)
	fmt.Fprintf(c, "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, "5", string(body))
	c.Close()

	// Refused: larger than the whole budget, so 413 (it could never fit).
	c, br = rawConn(t, addr)
	fmt.Fprintf(c, "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", 2<<20, make([]byte, 2<<20))
	resp, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, 413, resp.StatusCode)
	c.Close()

	// Half a body, then the client leaves.
	c, _ = rawConn(t, addr)
	fmt.Fprintf(c, "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
	require.NoError(t, waitFor(func() bool { return s.BodyMemory() == 10 }), "the head was read")
	c.Close()

	// Shutdown returns once every connection has closed, which is after
	// their delegates heard of it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	select {
	case m := <-closes:
		t.Fatalf("OnConnectionClose of a %s whose handler never ran", m)
	default:
	}
}

// waitFor polls cond until it holds, for up to ten seconds: nothing signals
// that the server has noticed a client leave.
func waitFor(cond func() bool) error {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}
