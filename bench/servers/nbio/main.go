// Command nbio is the lesismal/nbio peer: nbhttp's non-blocking engine (an
// epoll loop feeding a net/http-compatible Handler) and nbio's WebSocket
// upgrader echoing on /echo.
//
// Handlers run inline on the poller goroutine (ServerExecutor), which is
// nbio's fastest setting for handlers that never block, as these do not; and
// there is one poller per GOMAXPROCS, so one when pinned to a core.
package main

import (
	"flag"
	"log"
	"net"
	"runtime"

	"net/http"

	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/gornado/gornado/bench/internal/payload"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	hello := []byte(payload.Hello)
	jsonBody := []byte(payload.JSON)
	body64k := payload.Body64K()

	upgrader := websocket.NewUpgrader()
	upgrader.OnMessage(func(c *websocket.Conn, mt websocket.MessageType, data []byte) {
		c.WriteMessage(mt, data)
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jsonBody)
	})
	mux.HandleFunc("GET /64k", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body64k)
	})
	mux.HandleFunc(payload.PathEcho, func(w http.ResponseWriter, r *http.Request) {
		if _, err := upgrader.Upgrade(w, r, nil); err != nil {
			return
		}
	})

	// nbhttp binds its own listener; check the address first so that a busy
	// port fails here with a clear message.
	probe, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	probe.Close()

	engine := nbhttp.NewEngine(nbhttp.Config{
		Network:        "tcp",
		Addrs:          []string{*addr},
		Handler:        mux,
		NPoller:        runtime.GOMAXPROCS(0),
		ServerExecutor: func(f func()) { f() },
	})
	if err := engine.Start(); err != nil {
		log.Fatal(err)
	}
	payload.Ready(*addr)
	select {}
}
