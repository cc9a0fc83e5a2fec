// Command nethttp is the net/http peer: the standard library's server with a
// ServeMux, as most Go programs use it.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/gornado/gornado/bench/internal/payload"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	body64k := payload.Body64K()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(payload.Hello))
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Encode per request, as a real handler would; Marshal sorts nothing
		// here and yields exactly payload.JSON.
		b, _ := json.Marshal(struct {
			Message string `json:"message"`
		}{payload.Hello})
		w.Write(b)
	})
	mux.HandleFunc("GET /64k", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body64k)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	payload.Ready(ln.Addr().String())
	log.Fatal(http.Serve(ln, mux))
}
