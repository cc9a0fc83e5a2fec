// Command websocket serves a WebSocket echo on final/web: /echo sends back
// every message, text or binary, with permessage-deflate offered, and /
// is a page to try it.
//
//	go run ./final/demos/websocket -addr 127.0.0.1:8888
package main

import (
	"os"

	"github.com/gornado/gornado/final/demos/websocket/echoapp"
)

func main() { os.Exit(echoapp.Main(os.Args[1:], os.Stdout, os.Stderr)) }
