package chatapp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/final/webtest"
)

// serve starts the chat on a test loop: the room belongs to the loop, so
// the loop comes first, as in Start.
func serve(t *testing.T) (*webtest.Server, *MessageBuffer) {
	t.Helper()
	l := webtest.NewLoop(t)
	buffer := NewMessageBuffer(l.IOLoop())
	return l.Serve(App(buffer, "a secret for the test")), buffer
}

// waiting returns how many long polls wait, read on the room's loop.
func waiting(s *webtest.Server, b *MessageBuffer) int {
	var n int
	s.Call(func() { n = b.Waiting })
	return n
}

// cookie returns the value of the cookie name that resp sets.
func cookie(t *testing.T, resp *httpclient.HTTPResponse, name string) string {
	t.Helper()
	for _, line := range resp.Headers.GetList("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name {
			return c.Value
		}
	}
	t.Fatalf("no %s cookie set", name)
	return ""
}

// noRedirects returns a redirect as it is.
func noRedirects(r *httpclient.HTTPRequest) { r.NoFollowRedirects = true }

func TestChatLongPollingAndWebSocket(t *testing.T) {
	webtest.CheckLeaks(t)
	s, buffer := serve(t)

	// The page carries the form with its XSRF token and sets the cookie.
	page := s.Fetch("/")
	require.Equal(t, 200, page.Code)
	assert.Contains(t, string(page.Body), `id="messageform"`)
	assert.Contains(t, string(page.Body), `name="_xsrf"`)
	assert.Contains(t, string(page.Body), `/static/chat.js?v=`)
	xsrf := cookie(t, page, "_xsrf")
	withCookie := webtest.Header("Cookie", "_xsrf="+xsrf)
	post := func(path string, form url.Values) *httpclient.HTTPResponse {
		form.Set("_xsrf", xsrf)
		return s.Fetch(path, webtest.Form(form), withCookie, noRedirects)
	}

	// Without the token a post is refused.
	s.ExpectLog(slog.LevelWarn, `403 POST /a/message/new|web: HTTP 403`, func() {
		refused := s.Fetch("/a/message/new", webtest.Form(url.Values{"body": {"x"}}), withCookie)
		assert.Equal(t, 403, refused.Code)
	})

	// A long poll waits until a message arrives.
	polled := make(chan *httpclient.HTTPResponse, 1)
	go func() {
		resp, err := s.TryFetch("/a/message/updates", webtest.Form(url.Values{"cursor": {""}, "_xsrf": {xsrf}}), withCookie)
		assert.NoError(t, err)
		polled <- resp
	}()
	require.Eventually(t, func() bool { return waiting(s, buffer) == 1 }, 5*time.Second, time.Millisecond, "the poll waits")
	resp := post("/a/message/new", url.Values{"body": {"hello <b>"}})
	require.Equal(t, 200, resp.Code)
	var m Message
	require.NoError(t, json.Unmarshal(resp.Body, &m))
	assert.Equal(t, "hello <b>", m.Body)
	assert.Contains(t, string(m.HTML), "hello &lt;b&gt;", "the message is escaped")
	var got struct{ Messages []Message }
	select {
	case resp := <-polled:
		require.NotNil(t, resp)
		require.NoError(t, json.Unmarshal(resp.Body, &got))
	case <-time.After(s.Timeout()):
		t.Fatal("the poll was not answered")
	}
	require.Len(t, got.Messages, 1)
	assert.Equal(t, m.ID, got.Messages[0].ID)

	// The form's redirect, as without JavaScript.
	assert.Equal(t, 302, post("/a/message/new", url.Values{"body": {"second"}, "next": {"/"}}).Code)
	// A poll with the first cursor gets the second message at once.
	assert.Contains(t, string(post("/a/message/updates", url.Values{"cursor": {m.ID}}).Body), `"body":"second"`)

	// A WebSocket client receives what it posts, as every other client.
	s.Run(func(t testing.TB, c *gen.Co) error {
		conn, err := s.WebSocketConnect(c, "/chatsocket", websocket.ClientOptions{})
		require.NoError(t, err)
		conn.WriteMessage([]byte(`{"body":"over the socket"}`), false)
		msg, err := gen.Await(c, conn.ReadMessage())
		require.NoError(t, err)
		require.NotNil(t, msg)
		assert.Contains(t, string(msg.Data), `"body":"over the socket"`)
		conn.Close(websocket.CloseNormalClosure, "")
		return nil
	})
	assert.Contains(t, string(post("/a/message/updates", url.Values{"cursor": {m.ID}}).Body), "over the socket", "long pollers see WebSocket posts")

	// A foreign page cannot open the socket (CheckOrigin's same-host rule).
	s.Run(func(t testing.TB, c *gen.Co) error {
		_, err := s.WebSocketConnect(c, "/chatsocket", websocket.ClientOptions{Origin: "http://evil.example"})
		var he *websocket.HandshakeError
		require.ErrorAs(t, err, &he)
		return nil
	})
}

// A long poll whose client leaves stops waiting: the handler's
// OnConnectionClose cancels the Condition wait, and the room goes on.
func TestAbandonedPollIsCancelled(t *testing.T) {
	webtest.CheckLeaks(t)
	s, buffer := serve(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(""), "http://"))
	require.NoError(t, err)
	body := "cursor=&_xsrf=2%7C00000000%7C0123456789abcdef%7C1"
	fmt.Fprintf(conn, "POST /a/message/updates HTTP/1.1\r\nHost: x\r\nCookie: _xsrf=0123456789abcdef\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	require.Eventually(t, func() bool { return waiting(s, buffer) == 1 }, 5*time.Second, time.Millisecond, "the poll waits")
	conn.Close()
	require.Eventually(t, func() bool { return waiting(s, buffer) == 0 }, 5*time.Second, time.Millisecond, "and stops waiting when its client leaves")
}

func TestBadAddress(t *testing.T) {
	var out, errs strings.Builder
	assert.Equal(t, 1, Main([]string{"-addr", "127.0.0.1:99999"}, &out, &errs))
	assert.Contains(t, errs.String(), `invalid port "99999"`)
}
