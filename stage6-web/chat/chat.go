package chat

import (
	_ "embed"
	"encoding/json"
	"strconv"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage6-web/web"
	"github.com/gornado/gornado/stage6-web/websocket"
)

// # One chat room, two ways to listen
//
// This is Tornado's chat demo (demos/chat, and demos/websocket for the
// WebSocket half) in Go. A browser posts a message with an ordinary POST and
// learns of new messages in one of two ways:
//
//   - long polling: it POSTs /a/message/updates with the id of the last
//     message it has; if there are newer ones the answer comes at once, else
//     the request simply waits, for minutes if need be, until someone posts;
//     then it asks again;
//   - a WebSocket: /chatsocket pushes every new message down a connection
//     that stays open.
//
// A waiting long-poll request costs the server no thread: it is a handler
// paused at an Await, whose coroutine (in Go, a parked goroutine that only
// the loop switches to) holds a few KiB of stack. Tornado was written for
// exactly this (FriendFeed kept a long poll open for every user), and the
// messages and waiters below need no lock, because only the loop touches them.

// A Message is one chat message. IDs count up from 1.
type Message struct {
	ID   string `json:"id"`
	Body string `json:"body"`
}

// A MessageBuffer keeps the last messages and knows who waits for the next
// one. Everything it holds belongs to the loop's goroutine: handlers call it
// from there, so it needs no lock.
type MessageBuffer struct {
	cache   []Message
	size    int
	lastID  int
	waiters []*futures.Future // long polls waiting for the next message
	sockets map[*ChatSocketHandler]struct{}
}

// NewMessageBuffer keeps the last size messages (Tornado's demo keeps 200).
func NewMessageBuffer(size int) *MessageBuffer {
	return &MessageBuffer{size: size, sockets: map[*ChatSocketHandler]struct{}{}}
}

// MessagesSince returns the messages after the one with id cursor, or every
// cached message if cursor is empty or too old to be in the cache.
func (b *MessageBuffer) MessagesSince(cursor string) []Message {
	for i := len(b.cache) - 1; i >= 0; i-- {
		if b.cache[i].ID == cursor {
			return append([]Message(nil), b.cache[i+1:]...)
		}
	}
	return append([]Message(nil), b.cache...)
}

// AddMessage stores a message and tells everyone: it wakes every waiting
// long poll and writes to every WebSocket.
func (b *MessageBuffer) AddMessage(body string) Message {
	b.lastID++
	m := Message{ID: strconv.Itoa(b.lastID), Body: body}
	b.cache = append(b.cache, m)
	if len(b.cache) > b.size {
		b.cache = b.cache[len(b.cache)-b.size:]
	}
	// Tornado's demo waits on a tornado.locks.Condition; notify_all is
	// this: take the list of waiters, clear it, resolve each one.
	waiters := b.waiters
	b.waiters = nil
	for _, w := range waiters {
		if !w.Done() {
			_ = w.SetResult(nil)
		}
	}
	for s := range b.sockets {
		s.WriteMessage(map[string][]Message{"messages": {m}}, false)
	}
	return m
}

// Wait returns a Future that resolves when the next message arrives (the
// Condition's wait). Cancelling it drops the waiter at once: that is how a
// long poll whose client went away stops costing anything.
func (b *MessageBuffer) Wait() *futures.Future {
	f := futures.New()
	b.waiters = append(b.waiters, f)
	f.AddDoneCallback(func(f *futures.Future) {
		if !f.Cancelled() {
			return
		}
		for i, w := range b.waiters {
			if w == f {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
	})
	return f
}

// Waiters is how many long polls are waiting; Sockets how many WebSockets
// are open.
func (b *MessageBuffer) Waiters() int { return len(b.waiters) }

// Sockets is how many WebSockets are open.
func (b *MessageBuffer) Sockets() int { return len(b.sockets) }

// # The handlers

//go:embed index.html
var indexHTML []byte

// MainHandler serves the page, which runs the chat in the browser.
type MainHandler struct{ web.RequestHandler }

// Get writes the page.
func (h *MainHandler) Get(args ...string) error {
	h.Write(indexHTML)
	return nil
}

// MessageNewHandler takes a new message: POST /a/message/new with body=...
type MessageNewHandler struct {
	web.RequestHandler
	Buffer *MessageBuffer
}

// Post adds the message and answers with it (as JSON), or redirects to the
// next argument, for a form posted without JavaScript.
func (h *MessageNewHandler) Post(args ...string) error {
	body, err := h.RequireArgument("body")
	if err != nil {
		return err
	}
	if body == "" {
		return &web.HTTPError{Code: 400, Message: "empty message"}
	}
	m := h.Buffer.AddMessage(body)
	if next := h.GetArgument("next", ""); next != "" {
		h.Redirect(next, false)
		return nil
	}
	h.Write(m)
	return nil
}

// MessageUpdatesHandler is the long poll: POST /a/message/updates with
// cursor=<the last id the client has>. It answers {"messages": [...]} as soon
// as there is a message after cursor, waiting as long as it takes.
type MessageUpdatesHandler struct {
	web.RequestHandler
	Buffer *MessageBuffer
	wait   *futures.Future
}

// Post waits for messages newer than the cursor.
func (h *MessageUpdatesHandler) Post(args ...string) error {
	cursor := h.GetArgument("cursor", "")
	messages := h.Buffer.MessagesSince(cursor)
	for len(messages) == 0 {
		h.wait = h.Buffer.Wait()
		if _, err := h.Await(h.wait); err != nil {
			return nil // cancelled: the client has gone, nobody to answer
		}
		messages = h.Buffer.MessagesSince(cursor)
	}
	h.Write(map[string][]Message{"messages": messages})
	return nil
}

// OnConnectionClose runs when the client goes away mid-wait: cancelling the
// wait drops it from the buffer and ends the handler.
func (h *MessageUpdatesHandler) OnConnectionClose() {
	if h.wait != nil {
		h.wait.Cancel()
	}
}

// ChatSocketHandler is the same room over a WebSocket: it receives every new
// message as {"messages": [m]} and sends {"body": "..."} to post one.
type ChatSocketHandler struct {
	websocket.WebSocketHandler
	Buffer *MessageBuffer
}

// Open joins the room and sends the messages so far.
func (h *ChatSocketHandler) Open(args ...string) error {
	h.Buffer.sockets[h] = struct{}{}
	h.WriteMessage(map[string][]Message{"messages": h.Buffer.MessagesSince("")}, false)
	return nil
}

// OnMessage posts a message.
func (h *ChatSocketHandler) OnMessage(message []byte, binary bool) error {
	var m struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(message, &m); err != nil || m.Body == "" {
		h.Close(websocket.CloseInvalidPayload, `expected {"body": "..."}`)
		return nil
	}
	h.Buffer.AddMessage(m.Body)
	return nil
}

// OnClose leaves the room.
func (h *ChatSocketHandler) OnClose() { delete(h.Buffer.sockets, h) }

// NewApplication routes the chat's URLs to its handlers, all sharing buffer.
func NewApplication(buffer *MessageBuffer) *web.Application {
	return web.NewApplication(
		web.Route{Pattern: `/`, New: func() web.Handler { return &MainHandler{} }},
		web.Route{Pattern: `/a/message/new`, New: func() web.Handler { return &MessageNewHandler{Buffer: buffer} }},
		web.Route{Pattern: `/a/message/updates`, New: func() web.Handler { return &MessageUpdatesHandler{Buffer: buffer} }},
		web.Route{Pattern: `/chatsocket`, New: func() web.Handler { return &ChatSocketHandler{Buffer: buffer} }},
	)
}
