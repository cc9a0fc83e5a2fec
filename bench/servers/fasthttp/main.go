// Command fasthttp is the valyala/fasthttp peer: one fasthttp.Server with a
// switch on the path, the way fasthttp's own examples route.
package main

import (
	"flag"
	"log"
	"net"

	"github.com/valyala/fasthttp"

	"github.com/gornado/gornado/bench/internal/payload"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	hello := []byte(payload.Hello)
	jsonBody := []byte(payload.JSON)
	body64k := payload.Body64K()
	handler := func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) {
		case payload.PathHello:
			ctx.SetContentType("text/plain")
			ctx.Response.SetBodyRaw(hello)
		case payload.PathJSON:
			ctx.SetContentType("application/json")
			ctx.Response.SetBodyRaw(jsonBody)
		case payload.Path64K:
			ctx.SetContentType("application/octet-stream")
			ctx.Response.SetBodyRaw(body64k)
		default:
			ctx.Error("not found", fasthttp.StatusNotFound)
		}
	}

	ln, err := net.Listen("tcp4", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: handler, Name: "fasthttp"}
	payload.Ready(ln.Addr().String())
	log.Fatal(srv.Serve(ln))
}
