// Command gorilla is the gorilla/websocket peer: net/http's server upgrading
// /echo to a WebSocket that echoes every message, one goroutine per
// connection, as gorilla's echo example does. It also serves GET / so the
// runner's readiness check and the HTTP workloads can reach it.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/gornado/gornado/bench/internal/payload"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	upgrader := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(payload.Hello))
	})
	mux.HandleFunc(payload.PathEcho, func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	payload.Ready(ln.Addr().String())
	log.Fatal(http.Serve(ln, mux))
}
