// final's clients against Python Tornado's server: tornado_server.py
// answers /echo with the request as Tornado parsed it, and prints its
// WebSocket handler's events, which the test waits on.

package peers

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/websocket"
)

// tornadoReply is tornado_server.py's /echo answer.
type tornadoReply struct {
	Method           string `json:"method"`
	URI              string `json:"uri"`
	Version          string `json:"version"`
	BodyLen          int    `json:"body_len"`
	BodySHA256       string `json:"body_sha256"`
	ContentLength    string `json:"content_length"`
	TransferEncoding string `json:"transfer_encoding"`
	ContentType      string `json:"content_type"`
	Expect           string `json:"expect"`
	UserAgent        string `json:"user_agent"`
	// ClientPort is the port of the connection that carried the request.
	ClientPort int `json:"client_port"`
	// Accepted counts the connections the server had accepted.
	Accepted int `json:"accepted"`
}

// tornadoEvent is a WebSocket event tornado_server.py prints.
type tornadoEvent struct {
	Event       string  `json:"event"`
	Tag         string  `json:"tag"`
	Compressed  bool    `json:"compressed"`
	Extensions  string  `json:"extensions"`
	Subprotocol string  `json:"subprotocol"`
	Data        string  `json:"data"`
	Code        *int    `json:"code"`
	Reason      *string `json:"reason"`
}

// startTornadoIdle starts tornado_server.py closing connections idle for
// seconds, and reporting each close.
func startTornadoIdle(t *testing.T, seconds string) *tornadoServer {
	t.Helper()
	p := startProc(t, python(t), "tornado_server.py", "--idle", seconds)
	return &tornadoServer{proc: p, base: "http://127.0.0.1:" + strconv.Itoa(p.Port(t))}
}

// tornadoServer is a running tornado_server.py.
type tornadoServer struct {
	*proc
	// base is "http://127.0.0.1:port".
	base string
}

// startTornado starts tornado_server.py and waits until it listens.
func startTornado(t *testing.T) *tornadoServer {
	t.Helper()
	p := startProc(t, python(t), "tornado_server.py")
	return &tornadoServer{proc: p, base: "http://127.0.0.1:" + strconv.Itoa(p.Port(t))}
}

// event waits for the server's next WebSocket event.
func (s *tornadoServer) event(t *testing.T) tornadoEvent {
	t.Helper()
	line := s.Next(t)
	var ev tornadoEvent
	require.NoError(t, json.Unmarshal([]byte(line), &ev), "event line %q", line)
	return ev
}

// newClient returns final's blocking client, closed when the test ends.
func newClient(t *testing.T) *httpclient.HTTPClient {
	t.Helper()
	c, err := httpclient.NewHTTPClient()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// fetchEcho fetches req and decodes Tornado's /echo answer.
func fetchEcho(t *testing.T, c *httpclient.HTTPClient, req *httpclient.HTTPRequest) tornadoReply {
	t.Helper()
	resp, err := c.Fetch(req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.Code)
	var r tornadoReply
	require.NoError(t, json.Unmarshal(resp.Body, &r), "body %q", resp.Body)
	return r
}

// postBody is a body that is not all one byte, so that a misplaced piece
// shows.
func postBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// bigText is tornado_server.py's /big.
func bigText() []byte {
	var b bytes.Buffer
	for i := range 7000 {
		fmt.Fprintf(&b, "line %06d of the big response\n", i)
	}
	return b.Bytes()
}

func TestFinalClientAgainstTornado(t *testing.T) {
	s := startTornado(t)

	t.Run("get", func(t *testing.T) {
		r := fetchEcho(t, newClient(t), &httpclient.HTTPRequest{URL: s.base + "/echo?x=1&y=%C3%A9"})
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "/echo?x=1&y=%C3%A9", r.URI)
		assert.Equal(t, "HTTP/1.1", r.Version)
		assert.Equal(t, httpclient.DefaultUserAgent, r.UserAgent)
		assert.Zero(t, r.BodyLen)
	})

	t.Run("post", func(t *testing.T) {
		body := postBody(300_000)
		h := httputil.NewHTTPHeaders()
		h.Add("Content-Type", "application/octet-stream")
		r := fetchEcho(t, newClient(t), &httpclient.HTTPRequest{URL: s.base + "/echo", Method: "POST", Headers: h, Body: body})
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "300000", r.ContentLength)
		assert.Empty(t, r.TransferEncoding)
		assert.Equal(t, "application/octet-stream", r.ContentType)
		assert.Equal(t, len(body), r.BodyLen)
		assert.Equal(t, sha(body), r.BodySHA256, "Tornado got the body intact")
	})

	// 24 MiB up, with a Content-Length and chunked: final's client must
	// wait for Tornado to read.
	t.Run("post-large", func(t *testing.T) {
		body := postBody(24 << 20)
		c := newClient(t)
		r := fetchEcho(t, c, &httpclient.HTTPRequest{URL: s.base + "/echo", Method: "POST", Body: body, RequestTimeout: time.Minute})
		assert.Equal(t, sha(body), r.BodySHA256)
		r = fetchEcho(t, c, &httpclient.HTTPRequest{URL: s.base + "/echo", Method: "PUT", RequestTimeout: time.Minute,
			BodyProducer: func(write func([]byte) error) error {
				for b := body; len(b) > 0; b = b[min(len(b), 1<<20):] {
					if err := write(b[:min(len(b), 1<<20)]); err != nil {
						return err
					}
				}
				return nil
			}})
		assert.Equal(t, "chunked", r.TransferEncoding)
		assert.Equal(t, len(body), r.BodyLen)
		assert.Equal(t, sha(body), r.BodySHA256)
	})

	t.Run("chunked", func(t *testing.T) {
		sizes := []int{1, 15, 16, 4095, 65536, 100_000, 3}
		var all []byte
		r := fetchEcho(t, newClient(t), &httpclient.HTTPRequest{URL: s.base + "/echo", Method: "PUT",
			BodyProducer: func(write func([]byte) error) error {
				for i, n := range sizes {
					p := bytes.Repeat([]byte{'a' + byte(i)}, n)
					all = append(all, p...)
					if err := write(p); err != nil {
						return err
					}
				}
				return nil
			}})
		assert.Equal(t, "PUT", r.Method)
		assert.Equal(t, "chunked", r.TransferEncoding)
		assert.Empty(t, r.ContentLength)
		assert.Equal(t, len(all), r.BodyLen)
		assert.Equal(t, sha(all), r.BodySHA256, "Tornado reassembled the chunks intact")
	})

	t.Run("expect-100-continue", func(t *testing.T) {
		body := postBody(50_000)
		r := fetchEcho(t, newClient(t), &httpclient.HTTPRequest{URL: s.base + "/echo", Method: "POST",
			Body: body, Expect100Continue: true})
		assert.Equal(t, "100-continue", r.Expect)
		assert.Equal(t, sha(body), r.BodySHA256, "the body followed Tornado's 100 Continue")
	})

	// Keep-alive, checked on Tornado's side: the three requests came from
	// one client port, and the server accepted no connection meanwhile.
	t.Run("keep-alive", func(t *testing.T) {
		c := newClient(t)
		var replies []tornadoReply
		for i := range 3 {
			body := []byte("request " + strconv.Itoa(i))
			r := fetchEcho(t, c, &httpclient.HTTPRequest{URL: s.base + "/echo?n=" + strconv.Itoa(i), Method: "POST", Body: body})
			assert.Equal(t, sha(body), r.BodySHA256)
			replies = append(replies, r)
		}
		for _, r := range replies[1:] {
			assert.Equal(t, replies[0].ClientPort, r.ClientPort, "same connection")
			assert.Equal(t, replies[0].Accepted, r.Accepted, "no new connection accepted")
		}
	})

	// Tornado gzips /big (compress_response); final's client asks for
	// gzip and decodes it, or hands it over as sent with NoDecompress.
	t.Run("gzip", func(t *testing.T) {
		want := bigText()
		var head []string
		resp, err := newClient(t).Fetch(&httpclient.HTTPRequest{URL: s.base + "/big",
			HeaderCallback: func(line string) { head = append(head, strings.ToLower(strings.TrimSpace(line))) }})
		require.NoError(t, err)
		assert.Contains(t, head, "content-encoding: gzip", "Tornado compressed the response")
		assert.Equal(t, len(want), len(resp.Body))
		assert.True(t, bytes.Equal(want, resp.Body), "decompressed body")

		resp, err = newClient(t).Fetch(&httpclient.HTTPRequest{URL: s.base + "/big", NoDecompress: true,
			Headers: acceptGzip()})
		require.NoError(t, err)
		assert.Less(t, len(resp.Body), len(want)/2, "the body as sent is compressed")
		zr, err := gzip.NewReader(bytes.NewReader(resp.Body))
		require.NoError(t, err)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, plain))
	})

	// Tornado flushes /stream in five pieces: a chunked response, read
	// whole and through a StreamingCallback.
	t.Run("chunked-response", func(t *testing.T) {
		var want bytes.Buffer
		for i := range 5 {
			want.WriteString(strings.Repeat(fmt.Sprintf("piece %d\n", i), i*1000+1))
		}
		var head []string
		resp, err := newClient(t).Fetch(&httpclient.HTTPRequest{URL: s.base + "/stream",
			HeaderCallback: func(line string) { head = append(head, strings.ToLower(strings.TrimSpace(line))) }})
		require.NoError(t, err)
		assert.Contains(t, head, "transfer-encoding: chunked")
		assert.Equal(t, want.String(), string(resp.Body))

		var streamed []byte
		resp, err = newClient(t).Fetch(&httpclient.HTTPRequest{URL: s.base + "/stream",
			StreamingCallback: func(chunk []byte) { streamed = append(streamed, chunk...) }})
		require.NoError(t, err)
		assert.Empty(t, resp.Body)
		assert.Equal(t, want.String(), string(streamed))
	})

	// Bodiless answers: the client must not wait for a body that never
	// comes (the request timeout would fail the test), and the connection
	// stays usable.
	t.Run("no-body", func(t *testing.T) {
		c := newClient(t)
		for _, tc := range []struct {
			method string
			code   int
		}{{"GET", 204}, {"GET", 304}, {"HEAD", 200}, {"HEAD", 404}} {
			resp, err := c.Fetch(&httpclient.HTTPRequest{URL: s.base + "/status/" + strconv.Itoa(tc.code),
				Method: tc.method, AllowNonOK: true, RequestTimeout: 10 * time.Second})
			require.NoError(t, err, "%s %d", tc.method, tc.code)
			assert.Equal(t, tc.code, resp.Code)
			assert.Empty(t, resp.Body)
		}
		r := fetchEcho(t, c, &httpclient.HTTPRequest{URL: s.base + "/echo?after=bodiless"})
		assert.Equal(t, "/echo?after=bodiless", r.URI)
	})

	t.Run("redirect", func(t *testing.T) {
		resp, err := newClient(t).FetchURL(s.base + "/redirect")
		require.NoError(t, err)
		assert.Equal(t, s.base+"/echo?from=redirect", resp.EffectiveURL)
		var r tornadoReply
		require.NoError(t, json.Unmarshal(resp.Body, &r))
		assert.Equal(t, "/echo?from=redirect", r.URI)

		resp, err = newClient(t).Fetch(&httpclient.HTTPRequest{URL: s.base + "/redirect", NoFollowRedirects: true, AllowNonOK: true})
		require.NoError(t, err)
		assert.Equal(t, 302, resp.Code)
		assert.Equal(t, "/echo?from=redirect", resp.Headers.Get("Location"))
	})

	t.Run("404", func(t *testing.T) {
		_, err := newClient(t).FetchURL(s.base + "/nowhere")
		var he *httpclient.HTTPClientError
		require.True(t, errors.As(err, &he), "error %v", err)
		assert.Equal(t, 404, he.Code)
		require.NotNil(t, he.Response)
		assert.Contains(t, string(he.Response.Body), "404: Not Found")
	})
}

func acceptGzip() *httputil.HTTPHeaders {
	h := httputil.NewHTTPHeaders()
	h.Add("Accept-Encoding", "gzip")
	return h
}

// The rest of the protocol with Tornado's server: a subprotocol from
// final's offer, permessage-deflate with client_no_context_takeover (so
// every message final sends is compressed afresh), a ping Tornado reports,
// and a Close frame without a code.
func TestFinalWebSocketClientExtrasAgainstTornado(t *testing.T) {
	s := startTornado(t)
	loop := startLoop(t)
	url := strings.Replace(s.base, "http://", "ws://", 1) + "/ws?tag=extras&compress=1"
	opts := websocket.ClientOptions{
		Subprotocols: []string{"chat", "gornado.v2"},
		Compression:  &websocket.CompressionOptions{ClientNoContextTakeover: true},
	}
	var code int
	onLoop(t, loop, func(co *gen.Co) error {
		conn, err := gen.Await(co, websocket.WebSocketConnect(loop, url, opts))
		if err != nil {
			return err
		}
		assert.Equal(t, "gornado.v2", conn.Subprotocol())
		if assert.NotNil(t, conn.Deflate()) {
			assert.True(t, conn.Deflate().ClientNoContextTakeover)
		}
		if err := conn.Ping([]byte("are you there?")); err != nil {
			return err
		}
		text := bytes.Repeat([]byte("the same text again "), 1000)
		for i := range 3 {
			if _, err := gen.Await(co, conn.WriteMessage(text, false)); err != nil {
				return err
			}
			got, err := gen.Await(co, conn.ReadMessage())
			if err != nil {
				return err
			}
			if assert.NotNil(t, got) {
				assert.True(t, bytes.Equal(text, got.Data), "echo %d", i)
			}
		}
		conn.Close(0, "")
		_, err = gen.Await(co, conn.ReadMessage())
		code = conn.CloseCode()
		return err
	})
	open := s.event(t)
	assert.Equal(t, "open", open.Event)
	assert.Equal(t, "gornado.v2", open.Subprotocol)
	assert.True(t, open.Compressed)
	ping := s.event(t)
	assert.Equal(t, "ping", ping.Event)
	assert.Equal(t, "are you there?", ping.Data)
	closed := s.event(t)
	assert.Equal(t, "close", closed.Event)
	assert.Nil(t, closed.Code, "Tornado got a Close frame without a code")
	assert.Equal(t, 1005, code, "and answered with one, which final reports as 1005")
}

// Tornado closes a kept-alive connection once it has been idle for its
// idle_connection_timeout; final's client, finding its pooled connection
// closed, makes the next request on a new one.
func TestFinalClientAfterTornadoIdleClose(t *testing.T) {
	s := startTornadoIdle(t, "0.2")
	c := newClient(t)
	first := fetchEcho(t, c, &httpclient.HTTPRequest{URL: s.base + "/echo?n=1"})
	assert.Equal(t, "conn_closed", s.event(t).Event, "Tornado closed the idle connection")
	second := fetchEcho(t, c, &httpclient.HTTPRequest{URL: s.base + "/echo?n=2", Method: "POST", Body: []byte("after the close")})
	assert.Equal(t, "/echo?n=2", second.URI)
	assert.Equal(t, sha([]byte("after the close")), second.BodySHA256)
	assert.Equal(t, first.Accepted+1, second.Accepted, "on a new connection")
	assert.NotEqual(t, first.ClientPort, second.ClientPort)
}

// A message one byte over Tornado's websocket_max_message_size (10 MiB):
// Tornado sends Close 1009 "message too big" and aborts the connection at
// once, with most of the message unread, so the kernel answers with a
// reset that can overtake the Close frame (Tornado's own client then sees
// no code at all). final's client must end the connection either way:
// with 1009 when the frame arrived, 1006 (abnormal closure) when it did
// not.
func TestFinalWebSocketClientTooBigForTornado(t *testing.T) {
	s := startTornado(t)
	loop := startLoop(t)
	url := strings.Replace(s.base, "http://", "ws://", 1) + "/ws?tag=toobig"
	var code int
	var reason string
	onLoop(t, loop, func(co *gen.Co) error {
		conn, err := gen.Await(co, websocket.WebSocketConnect(loop, url, websocket.ClientOptions{}))
		if err != nil {
			return err
		}
		conn.WriteMessage(bytes.Repeat([]byte("x"), 10<<20+1), true) // may fail once Tornado has closed
		got, err := gen.Await(co, conn.ReadMessage())
		assert.Nil(t, got)
		code, reason = conn.CloseCode(), conn.CloseReason()
		return err
	})
	t.Logf("final's client saw close code %d %q", code, reason)
	if code == 1009 {
		assert.Equal(t, "message too big", reason)
	} else {
		assert.Equal(t, 1006, code)
	}
	assert.Equal(t, "open", s.event(t).Event)
}

// An offer of server_no_context_takeover: RFC 7692, section 7.1.1.1, says
// a server accepts it by including the parameter in its response. Tornado
// 6.2 drops every parameter without a value when it parses the offer
// (httputil._parse_header keeps only name=value pairs), so it answers a
// bare "permessage-deflate"; final's client then fails the connection, as
// the RFC and Python's websockets library do. A Tornado that echoes the
// parameter gets a connection that uses it.
func TestFinalWebSocketClientServerNoContextTakeoverAgainstTornado(t *testing.T) {
	s := startTornado(t)
	loop := startLoop(t)
	url := strings.Replace(s.base, "http://", "ws://", 1) + "/ws?tag=snct&compress=1"
	opts := websocket.ClientOptions{
		Compression: &websocket.CompressionOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
	}
	var connectErr error
	var params *websocket.DeflateParams
	onLoop(t, loop, func(co *gen.Co) error {
		conn, err := gen.Await(co, websocket.WebSocketConnect(loop, url, opts))
		if connectErr = err; err != nil {
			return nil // checked below, against what Tornado answered
		}
		params = conn.Deflate()
		conn.Close(1000, "")
		_, err = gen.Await(co, conn.ReadMessage())
		return err
	})
	open := s.event(t)
	require.Equal(t, "open", open.Event)
	t.Logf("Tornado answered %q", open.Extensions)
	if strings.Contains(open.Extensions, "server_no_context_takeover") {
		require.NoError(t, connectErr)
		require.NotNil(t, params)
		assert.True(t, params.ServerNoContextTakeover)
	} else {
		assert.ErrorIs(t, connectErr, websocket.ErrBadExtension)
	}
}

// final's WebSocketConnect against Tornado's WebSocketHandler: the same
// messages as tornado_client.py's, with and without permessage-deflate,
// and the closing handshake started by either side.
func TestFinalWebSocketClientAgainstTornado(t *testing.T) {
	s := startTornado(t)
	loop := startLoop(t)
	big := bytes.Repeat([]byte("compressible "), 20_000)
	random := postBody(100_000)
	messages := []websocket.ClientMessage{
		{Data: []byte("hello, \u2603")},
		{Data: postBody(256), Binary: true},
		{Data: big},
		{Data: random, Binary: true},
		{Data: []byte{}},
	}
	cases := []struct {
		tag          string
		compress     bool
		serverCloses bool
	}{
		{tag: "plain"},
		{tag: "compressed", compress: true},
		{tag: "serverclose", serverCloses: true},
	}
	for _, c := range cases {
		t.Run(c.tag, func(t *testing.T) {
			var opts websocket.ClientOptions
			if c.compress {
				opts.Compression = &websocket.CompressionOptions{}
			}
			url := strings.Replace(s.base, "http://", "ws://", 1) + "/ws?tag=" + c.tag + "&compress=" + map[bool]string{false: "0", true: "1"}[c.compress]
			var code int
			var reason string
			onLoop(t, loop, func(co *gen.Co) error {
				conn, err := gen.Await(co, websocket.WebSocketConnect(loop, url, opts))
				if err != nil {
					return err
				}
				assert.Equal(t, c.compress, conn.Deflate() != nil, "permessage-deflate negotiated")
				for i, m := range messages {
					if _, err := gen.Await(co, conn.WriteMessage(m.Data, m.Binary)); err != nil {
						return err
					}
					got, err := gen.Await(co, conn.ReadMessage())
					if err != nil {
						return err
					}
					if !assert.NotNil(t, got, "echo of message %d", i) {
						return nil
					}
					assert.Equal(t, m.Binary, got.Binary, "message %d keeps its type", i)
					assert.True(t, bytes.Equal(m.Data, got.Data), "message %d: %d bytes sent, %d back", i, len(m.Data), len(got.Data))
				}
				if c.serverCloses {
					if _, err := gen.Await(co, conn.WriteMessage([]byte("close me"), false)); err != nil {
						return err
					}
				} else {
					conn.Close(4001, "bye from go")
				}
				got, err := gen.Await(co, conn.ReadMessage())
				assert.Nil(t, got, "ReadMessage gives nil once closed")
				code, reason = conn.CloseCode(), conn.CloseReason()
				return err
			})
			open := s.event(t)
			assert.Equal(t, tornadoEvent{Event: "open", Tag: c.tag, Compressed: c.compress}, tornadoEvent{Event: open.Event, Tag: open.Tag, Compressed: open.Compressed})
			if c.compress {
				assert.True(t, strings.HasPrefix(open.Extensions, "permessage-deflate"), "Tornado answered %q", open.Extensions)
			}
			closed := s.event(t)
			assert.Equal(t, "close", closed.Event)
			require.NotNil(t, closed.Code, "Tornado got a close code")
			if c.serverCloses {
				assert.Equal(t, 4000, code)
				assert.Equal(t, "as you wish", reason)
				assert.Equal(t, 4000, *closed.Code, "final's client echoed the code")
			} else {
				assert.Equal(t, 4001, *closed.Code)
				require.NotNil(t, closed.Reason)
				assert.Equal(t, "bye from go", *closed.Reason)
				assert.Equal(t, 4001, code, "Tornado echoed the code")
			}
		})
	}
}
