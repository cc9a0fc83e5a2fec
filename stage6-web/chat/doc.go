// Package chat is stage 6's demo: Tornado's chat demo in Go, one chat room
// that browsers follow by long polling or over a WebSocket.
//
// # The URLs
//
//	GET  /                    the page (index.html, embedded), which runs the chat
//	POST /a/message/new       body=... posts a message; answers it as JSON
//	POST /a/message/updates   cursor=<last id> waits for newer messages: the long poll
//	GET  /chatsocket          a WebSocket: pushes {"messages": [...]}, takes {"body": "..."}
//
// # How the long poll waits
//
// MessageUpdatesHandler awaits MessageBuffer.Wait, a Future that
// AddMessage resolves; while it waits it is a paused coroutine, not a thread.
// If the client goes away, OnConnectionClose cancels the Future, which drops
// the waiter from the buffer.
//
// # Running it
//
//	go run ./stage6-web/cmd/chat          # http://127.0.0.1:8888/, and /?ws for the WebSocket
//
// ChatMain is that program, for the testscripts.
package chat
