// Python Tornado's clients against final's server: tornado_client.py runs
// one case and prints what it sent and got; the test checks that against
// what final's server recorded.

package peers

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyLine is one line tornado_client.py prints; each case fills some fields.
type pyLine struct {
	// HTTP cases.
	Code    int               `json:"code"`
	Body    echoReply         `json:"body"`
	Headers map[string]string `json:"headers"`
	I       int               `json:"i"`
	BodyLen int               `json:"body_len"`
	SentLen int               `json:"sent_len"`
	SentSHA string            `json:"sent_sha256"`
	// StreamClosed: the client's stream after a keep-alive response.
	StreamClosed bool `json:"stream_closed"`

	// BodySHA is a streamed response body's.
	BodySHA string `json:"body_sha256"`

	// WebSocket cases.
	Extensions  *string `json:"extensions"`
	Subprotocol *string `json:"subprotocol"`
	Pong        *string `json:"pong"`
	Kind        string  `json:"kind"`
	GotBinary   bool    `json:"got_binary"`
	GotNone     bool    `json:"got_none"`
	GotLen      int     `json:"got_len"`
	GotSHA      string  `json:"got_sha256"`
	Closed      bool    `json:"closed"`
	CloseCode   *int    `json:"close_code"`
	CloseReason *string `json:"close_reason"`
}

// tornadoCase runs one case of tornado_client.py against final's server.
func tornadoCase(t *testing.T, f *finalServer, name string) []pyLine {
	t.Helper()
	out, _ := run(t, python(t), "tornado_client.py", name, "http://"+f.addr)
	lines := jsonLines[pyLine](t, out)
	require.NotEmpty(t, lines, "tornado_client.py %s printed nothing", name)
	return lines
}

func TestTornadoClientGet(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "get")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Equal(t, "application/json", r.Headers["content-type"])
	assert.Equal(t, "GET", r.Body.Method)
	assert.Equal(t, "/echo?x=1&y=%C3%A9", r.Body.Target)
	assert.Equal(t, "HTTP/1.1", r.Body.Version)
	assert.Equal(t, "Tornado/6", r.Body.UserAgent[:len("Tornado/6")])
	assert.Equal(t, f.requests(), []echoReply{r.Body}, "the server recorded what it answered")
}

func TestTornadoClientPostBody(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "post")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Equal(t, "POST", r.Body.Method)
	assert.Equal(t, "length", r.Body.Framing)
	assert.Equal(t, "300000", r.Body.ContentLength)
	assert.Equal(t, r.SentLen, r.Body.BodyLen)
	assert.Equal(t, r.SentSHA, r.Body.BodySHA256, "the body arrived intact")
	assert.Equal(t, "application/octet-stream", r.Body.ContentType)
}

// Tornado's expect_100_continue: the body waits for final's 100 Continue.
func TestTornadoClientExpect100Continue(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "expect100")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Equal(t, "100-continue", r.Body.Expect)
	assert.Equal(t, r.SentSHA, r.Body.BodySHA256, "the body followed the 100 Continue")
}

// HEAD: the GET's Content-Length and no body.
func TestTornadoClientHead(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "head")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Zero(t, r.BodyLen)
	reqs := f.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "HEAD", reqs[0].Method)
	body, err := json.Marshal(reqs[0])
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(len(body)), r.Headers["content-length"])
}

// final's response without a Content-Length arrives chunked, and Tornado
// reassembles it.
func TestTornadoClientChunkedResponse(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "chunked_response")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Equal(t, "chunked", r.Headers["transfer-encoding"])
	want := bytes.Join(pieces(), nil)
	assert.Equal(t, len(want), r.BodyLen)
	assert.Equal(t, sha(want), r.BodySHA)
}

// 24 MiB from final, with a Content-Length and chunked.
func TestTornadoClientLargeResponse(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "big")
	require.Len(t, lines, 2)
	want := bigBody()
	for i, r := range lines {
		assert.Equal(t, 200, r.Code)
		assert.Equal(t, len(want), r.BodyLen, "response %d", i)
		assert.Equal(t, sha(want), r.BodySHA, "response %d arrived intact", i)
	}
	assert.Equal(t, strconv.Itoa(len(want)), lines[0].Headers["content-length"])
	assert.Equal(t, "chunked", lines[1].Headers["transfer-encoding"])
}

// 24 MiB up: final's server reads it in pieces while Tornado writes.
func TestTornadoClientLargePost(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "post_large")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Equal(t, r.SentLen, r.Body.BodyLen)
	assert.Equal(t, r.SentSHA, r.Body.BodySHA256)
}

// Tornado's body_producer sends the body chunked, in pieces of 1 byte to
// 100 KB.
func TestTornadoClientChunkedUpload(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "chunked")
	require.Len(t, lines, 1)
	r := lines[0]
	assert.Equal(t, 200, r.Code)
	assert.Equal(t, "PUT", r.Body.Method)
	assert.Equal(t, "chunked", r.Body.Framing)
	assert.Equal(t, "chunked", r.Body.TransferEncoding)
	assert.Equal(t, r.SentLen, r.Body.BodyLen)
	assert.Equal(t, r.SentSHA, r.Body.BodySHA256, "the chunks were reassembled intact")
}

// Keep-alive, checked on final's side: three requests, one connection.
// Tornado's simple client opens a connection per request, so this runs
// Tornado's curl-based AsyncHTTPClient and its own HTTP1Connection client.
func TestTornadoClientKeepAlive(t *testing.T) {
	for _, name := range []string{"keepalive_curl", "keepalive_http1"} {
		t.Run(name, func(t *testing.T) {
			if name == "keepalive_curl" {
				pythonModule(t, "pycurl", "python3-pycurl")
			}
			f := startFinal(t)
			lines := tornadoCase(t, f, name)
			require.Len(t, lines, 3)
			for i, r := range lines {
				assert.Equal(t, 200, r.Code)
				assert.Equal(t, r.SentSHA, r.Body.BodySHA256, "request %d", i)
				assert.False(t, r.StreamClosed, "request %d: the client's connection stayed open", i)
			}
			assert.Len(t, f.requests(), 3)
			assert.Equal(t, 1, f.connections(), "one connection served all three requests")
		})
	}
}

// echoedMessages checks the five echoes of tornado_client.py's
// echo_messages.
func echoedMessages(t *testing.T, lines []pyLine) {
	t.Helper()
	kinds := []string{"text", "binary", "text", "binary", "text"}
	require.Len(t, lines, len(kinds))
	for i, m := range lines {
		assert.Equal(t, kinds[i], m.Kind, "message %d", i)
		assert.False(t, m.GotNone, "message %d: an echo came back", i)
		assert.Equal(t, m.Kind == "binary", m.GotBinary, "message %d keeps its type", i)
		assert.Equal(t, m.SentLen, m.GotLen, "message %d", i)
		assert.Equal(t, m.SentSHA, m.GotSHA, "message %d came back intact", i)
	}
}

// Tornado's websocket_connect against final's Upgrade: text and binary
// messages up to 260 KB, with and without permessage-deflate, and the
// closing handshake started by either side with its code and reason.
func TestTornadoWebSocketClient(t *testing.T) {
	cases := []struct {
		name, tag  string
		compressed bool
		// what final's handler sees from the client, and the client from it
		serverGot      wsEvent
		clientCode     int
		clientReason   *string
		serverCloses   bool
		wantExtensions string
	}{
		{name: "ws", tag: "plain",
			serverGot: wsEvent{Event: "close", Tag: "plain", Code: 4001, Reason: "bye from tornado"}, clientCode: 4001},
		{name: "ws_compressed", tag: "compressed", compressed: true, wantExtensions: "permessage-deflate",
			serverGot: wsEvent{Event: "close", Tag: "compressed", Code: 4001, Reason: "bye from tornado"}, clientCode: 4001},
		{name: "ws_server_close", tag: "serverclose", serverCloses: true,
			serverGot: wsEvent{Event: "close", Tag: "serverclose", Code: 4000}, clientCode: 4000, clientReason: ptr("as you wish")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := startFinal(t)
			lines := tornadoCase(t, f, c.name)
			require.Len(t, lines, 7, "extensions, five echoes, close")
			require.NotNil(t, lines[0].Extensions)
			if c.compressed {
				assert.Contains(t, *lines[0].Extensions, c.wantExtensions)
			} else {
				assert.Empty(t, *lines[0].Extensions)
			}
			echoedMessages(t, lines[1:6])
			end := lines[6]
			assert.True(t, end.Closed, "read_message gave None after the close")
			require.NotNil(t, end.CloseCode, "the client got a close code")
			assert.Equal(t, c.clientCode, *end.CloseCode)
			if c.clientReason != nil {
				require.NotNil(t, end.CloseReason)
				assert.Equal(t, *c.clientReason, *end.CloseReason)
			}

			assert.Equal(t, wsEvent{Event: "open", Tag: c.tag, Compressed: c.compressed, Extensions: c.wantExtensions}, f.nextWS(t))
			got := f.nextWS(t)
			if c.serverCloses {
				// The client echoes the code; the reason it may leave out.
				got.Reason = ""
			}
			assert.Equal(t, c.serverGot, got)
		})
	}
}

// The rest of the protocol with Tornado's client: a subprotocol picked
// from its offer, permessage-deflate with no context takeover on either
// side (so every message is compressed afresh), a ping answered with a
// pong, and a Close frame without a status code.
func TestTornadoWebSocketClientExtras(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "ws_extras")
	require.Len(t, lines, 1+1+10+1, "handshake, pong, ten echoes, close")
	hs := lines[0]
	require.NotNil(t, hs.Subprotocol)
	assert.Equal(t, "gornado.v2", *hs.Subprotocol)
	require.NotNil(t, hs.Extensions)
	assert.Contains(t, *hs.Extensions, "server_no_context_takeover")
	assert.Contains(t, *hs.Extensions, "client_no_context_takeover")
	require.NotNil(t, lines[1].Pong)
	assert.Equal(t, "are you there?", *lines[1].Pong)
	echoedMessages(t, lines[2:7])
	echoedMessages(t, lines[7:12])
	end := lines[12]
	assert.True(t, end.Closed)
	assert.Nil(t, end.CloseCode, "final answered the empty Close frame with an empty one")

	open := f.nextWS(t)
	assert.Equal(t, "open", open.Event)
	assert.Equal(t, "gornado.v2", open.Subprotocol)
	assert.True(t, open.Compressed)
	assert.Equal(t, wsEvent{Event: "ping", Tag: "extras", Data: "are you there?"}, f.nextWS(t))
	closed := f.nextWS(t)
	assert.Equal(t, "close", closed.Event)
	assert.Equal(t, 1005, closed.Code, "no status code received (RFC 6455, section 7.1.5)")
}

// A message one byte over final's 10 MiB default limit: final sends Close
// 1009 "message too big" (RFC 6455, section 7.4.1) and, as Tornado does,
// closes the connection at once with most of the message unread, so the
// kernel's reset can overtake the Close frame. Tornado's client must see
// the connection end, with 1009 when the frame arrived and no code when it
// did not (what it sees against Tornado's own server too).
func TestTornadoWebSocketClientTooBig(t *testing.T) {
	f := startFinal(t)
	lines := tornadoCase(t, f, "ws_too_big")
	require.Len(t, lines, 1)
	assert.True(t, lines[0].Closed)
	if c := lines[0].CloseCode; c != nil {
		assert.Equal(t, 1009, *c)
		require.NotNil(t, lines[0].CloseReason)
		assert.Equal(t, "message too big", *lines[0].CloseReason)
	} else {
		t.Log("the reset overtook final's Close frame")
	}
	assert.Equal(t, "open", f.nextWS(t).Event)
	assert.Equal(t, "close", f.nextWS(t).Event)
}

func ptr[T any](v T) *T { return &v }
