package chatapp

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
)

// post sends a form and returns the status and body.
func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestChatLongPollingAndWebSocket(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	require.NoError(t, err)
	defer s.Close()
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The page carries the form with its XSRF token and sets the cookie.
	resp, err := c.Get(s.URL + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(page), `id="messageform"`)
	assert.Contains(t, string(page), `name="_xsrf"`)
	assert.Contains(t, string(page), `/static/chat.js?v=`)
	u, _ := url.Parse(s.URL)
	var xsrf string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "_xsrf" {
			xsrf = ck.Value
		}
	}
	require.NotEmpty(t, xsrf)

	// Without the token a post is refused.
	code, _ := post(t, c, s.URL+"/a/message/new", url.Values{"body": {"x"}})
	assert.Equal(t, 403, code)

	// A long poll waits until a message arrives.
	polled := make(chan string, 1)
	go func() {
		_, body := post(t, c, s.URL+"/a/message/updates", url.Values{"cursor": {""}, "_xsrf": {xsrf}})
		polled <- body
	}()
	select {
	case body := <-polled:
		t.Fatalf("the poll answered before any message: %s", body)
	case <-time.After(50 * time.Millisecond):
	}
	code, body := post(t, c, s.URL+"/a/message/new", url.Values{"body": {"hello <b>"}, "_xsrf": {xsrf}})
	require.Equal(t, 200, code)
	var m Message
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	assert.Equal(t, "hello <b>", m.Body)
	assert.Contains(t, string(m.HTML), "hello &lt;b&gt;", "the message is escaped")
	var got struct{ Messages []Message }
	require.NoError(t, json.Unmarshal([]byte(<-polled), &got))
	require.Len(t, got.Messages, 1)
	assert.Equal(t, m.ID, got.Messages[0].ID)

	// The form's redirect, as without JavaScript.
	code, _ = post(t, c, s.URL+"/a/message/new", url.Values{"body": {"second"}, "next": {"/"}, "_xsrf": {xsrf}})
	assert.Equal(t, 302, code)
	// A poll with the first cursor gets the second message at once.
	_, body = post(t, c, s.URL+"/a/message/updates", url.Values{"cursor": {m.ID}, "_xsrf": {xsrf}})
	assert.Contains(t, body, `"body":"second"`)

	// A WebSocket client receives what it posts, as every other client.
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(true)
	wsURL := "ws" + strings.TrimPrefix(s.URL, "http") + "/chatsocket"
	data, err := gen.Run(loop, 5*time.Second, func(co *gen.Co) (string, error) {
		conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), wsURL, websocket.ClientOptions{}))
		if err != nil {
			return "", err
		}
		conn.WriteMessage([]byte(`{"body":"over the socket"}`), false)
		msg, err := gen.Await(co, conn.ReadMessage())
		if err != nil || msg == nil {
			return "", err
		}
		conn.Close(websocket.CloseNormalClosure, "")
		return string(msg.Data), nil
	})
	require.NoError(t, err)
	assert.Contains(t, data, `"body":"over the socket"`)
	_, body = post(t, c, s.URL+"/a/message/updates", url.Values{"cursor": {m.ID}, "_xsrf": {xsrf}})
	assert.Contains(t, body, "over the socket", "long pollers see WebSocket posts")

	// A foreign page cannot open the socket (CheckOrigin's same-host rule).
	_, err = gen.Run(loop, 5*time.Second, func(co *gen.Co) (struct{}, error) {
		_, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), wsURL, websocket.ClientOptions{Origin: "http://evil.example"}))
		return struct{}{}, err
	})
	assert.Error(t, err)
}

// A long poll whose client leaves stops waiting: the handler's
// OnConnectionClose cancels the Condition wait, and the room goes on.
func TestAbandonedPollIsCancelled(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	require.NoError(t, err)
	defer s.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	require.NoError(t, err)
	body := "cursor=&_xsrf=2%7C00000000%7C0123456789abcdef%7C1"
	fmt.Fprintf(conn, "POST /a/message/updates HTTP/1.1\r\nHost: x\r\nCookie: _xsrf=0123456789abcdef\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	pending := func() int {
		n := make(chan int, 1)
		s.Loop.AddCallback(func() { n <- s.Buffer.Waiting })
		return <-n
	}
	require.Eventually(t, func() bool { return pending() == 1 }, 5*time.Second, 5*time.Millisecond, "the poll waits")
	conn.Close()
	require.Eventually(t, func() bool { return pending() == 0 }, 5*time.Second, 5*time.Millisecond, "and stops waiting when its client leaves")
}

func TestBadAddress(t *testing.T) {
	var out, errs strings.Builder
	assert.Equal(t, 1, Main([]string{"-addr", "127.0.0.1:99999"}, &out, &errs))
	assert.Contains(t, errs.String(), `invalid port "99999"`)
}
