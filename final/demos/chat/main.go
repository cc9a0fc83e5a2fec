// Command chat is Tornado's demos/chat on gornado's final/web: a chat room
// whose page listens for new messages by long polling or over a WebSocket.
//
//	go run ./final/demos/chat -addr 127.0.0.1:8888
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/chat/chatapp"
)

func main() { os.Exit(chatapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
