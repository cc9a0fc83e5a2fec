package chat_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/gornado/gornado/stage6-web/chat"
	"github.com/gornado/gornado/stage6-web/internal/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fixture struct {
	s      *servertest.Server
	buffer *chat.MessageBuffer
}

func newFixture(t *testing.T) *fixture {
	buffer := chat.NewMessageBuffer(3)
	app := chat.NewApplication(buffer)
	s := servertest.Start(t, app)
	s.Do(func() { app.ErrorLog = s.Logger() })
	return &fixture{s: s, buffer: buffer}
}

// waiters reads the buffer's count of long polls, on the loop.
func (f *fixture) waiters() (n int) {
	f.s.Do(func() { n = f.buffer.Waiters() })
	return n
}

// post sends a form POST on a new connection and returns the response body.
func (f *fixture) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	c := f.s.Dial(t)
	body := form.Encode()
	c.Send(t, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\n\r\n%s", path, f.s.Addr, len(body), body))
	resp, got := c.ReadResponse(t, "POST")
	return resp.StatusCode, got
}

// startPoll sends a long poll on a new connection, without reading the answer.
func (f *fixture) startPoll(t *testing.T, cursor string) *servertest.Conn {
	t.Helper()
	c := f.s.Dial(t)
	body := url.Values{"cursor": {cursor}}.Encode()
	c.Send(t, fmt.Sprintf("POST /a/message/updates HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\n\r\n%s", len(body), body))
	return c
}

func messagesIn(t *testing.T, body string) []chat.Message {
	t.Helper()
	var v struct{ Messages []chat.Message }
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v.Messages
}

func TestPageIsServed(t *testing.T) {
	f := newFixture(t)
	c := f.s.Dial(t)
	c.Send(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.ReadResponse(t, "GET")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, "<title>gornado chat</title>")
	assert.Contains(t, body, "/a/message/updates")
}

func TestAPostWakesEveryWaiter(t *testing.T) {
	f := newFixture(t)
	polls := []*servertest.Conn{f.startPoll(t, ""), f.startPoll(t, ""), f.startPoll(t, "")}
	f.s.WaitFor(t, "three waiting polls", func() bool { return f.buffer.Waiters() == 3 })

	status, body := f.post(t, "/a/message/new", url.Values{"body": {"hello <world>"}})
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"id": "1", "body": "hello <world>"}`, body)

	for _, c := range polls {
		_, body := c.ReadResponse(t, "POST")
		assert.Equal(t, []chat.Message{{ID: "1", Body: "hello <world>"}}, messagesIn(t, body))
	}
	assert.Equal(t, 0, f.waiters())
}

func TestCursor(t *testing.T) {
	f := newFixture(t)
	for _, m := range []string{"a", "b", "c", "d"} {
		f.post(t, "/a/message/new", url.Values{"body": {m}})
	}
	// The buffer keeps 3: a client with no cursor, or one too old, gets them all.
	_, body := f.startPoll(t, "").ReadResponse(t, "POST")
	assert.Equal(t, []chat.Message{{"2", "b"}, {"3", "c"}, {"4", "d"}}, messagesIn(t, body))
	_, body = f.startPoll(t, "1").ReadResponse(t, "POST")
	assert.Len(t, messagesIn(t, body), 3)
	_, body = f.startPoll(t, "3").ReadResponse(t, "POST")
	assert.Equal(t, []chat.Message{{"4", "d"}}, messagesIn(t, body))

	// A client that has everything waits, and gets only what is new.
	c := f.startPoll(t, "4")
	f.s.WaitFor(t, "the poll to wait", func() bool { return f.buffer.Waiters() == 1 })
	f.post(t, "/a/message/new", url.Values{"body": {"e"}})
	_, body = c.ReadResponse(t, "POST")
	assert.Equal(t, []chat.Message{{"5", "e"}}, messagesIn(t, body))
}

func TestAWaiterWhoLeavesIsDropped(t *testing.T) {
	f := newFixture(t)
	gone := f.startPoll(t, "")
	stays := f.startPoll(t, "")
	f.s.WaitFor(t, "two waiting polls", func() bool { return f.buffer.Waiters() == 2 })

	require.NoError(t, gone.Close())
	f.s.WaitFor(t, "the closed poll to be dropped", func() bool { return f.buffer.Waiters() == 1 })
	f.s.WaitFor(t, "its connection to be gone", func() bool { return f.s.HTTP.Connections() == 1 })

	f.post(t, "/a/message/new", url.Values{"body": {"still here?"}})
	_, body := stays.ReadResponse(t, "POST")
	assert.Equal(t, "still here?", messagesIn(t, body)[0].Body)
	assert.NotContains(t, f.s.Logs(), "web: error", "the dropped poll ends quietly")
}

func TestWebSocketAndLongPollShareTheRoom(t *testing.T) {
	f := newFixture(t)
	f.post(t, "/a/message/new", url.Values{"body": {"before"}})

	ws := f.s.WSConnect(t, "/chatsocket")
	op, msg := ws.WSRecv(t)
	assert.Equal(t, byte(1), op)
	assert.Equal(t, []chat.Message{{"1", "before"}}, messagesIn(t, msg), "the history on open")
	f.s.WaitFor(t, "the socket to join", func() bool { return f.buffer.Sockets() == 1 })

	// A long-poll POST reaches the WebSocket ...
	f.post(t, "/a/message/new", url.Values{"body": {"by POST"}})
	_, msg = ws.WSRecv(t)
	assert.Equal(t, []chat.Message{{"2", "by POST"}}, messagesIn(t, msg))

	// ... and a WebSocket message reaches the long polls, and itself.
	poll := f.startPoll(t, "2")
	f.s.WaitFor(t, "the poll to wait", func() bool { return f.buffer.Waiters() == 1 })
	ws.WSSend(t, 1, `{"body": "by WebSocket"}`)
	_, body := poll.ReadResponse(t, "POST")
	assert.Equal(t, []chat.Message{{"3", "by WebSocket"}}, messagesIn(t, body))
	_, msg = ws.WSRecv(t)
	assert.Equal(t, []chat.Message{{"3", "by WebSocket"}}, messagesIn(t, msg))

	// Garbage closes the socket with 1007, and it leaves the room.
	ws.WSSend(t, 1, `not json`)
	op, msg = ws.WSRecv(t)
	assert.Equal(t, byte(8), op)
	assert.Equal(t, "\x03\xef", msg[:2], "1007")
	ws.WSSend(t, 8, msg[:2])
	f.s.WaitFor(t, "the socket to leave", func() bool { return f.buffer.Sockets() == 0 })
}

func TestNewMessageArguments(t *testing.T) {
	f := newFixture(t)
	status, _ := f.post(t, "/a/message/new", url.Values{})
	assert.Equal(t, 400, status, "body is required")
	status, _ = f.post(t, "/a/message/new", url.Values{"body": {""}})
	assert.Equal(t, 400, status, "and must not be empty")

	c := f.s.Dial(t)
	body := url.Values{"body": {"from a form"}, "next": {"/"}}.Encode()
	c.Send(t, fmt.Sprintf("POST /a/message/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\n\r\n%s", len(body), body))
	resp, _ := c.ReadResponse(t, "POST")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "/", resp.Header.Get("Location"))
}
