// Command gnet is the panjf2000/gnet v2 peer: gnet has no HTTP layer, so this
// is a minimal HTTP/1.1 responder in the style of gnet's own HTTP example. It
// reads whatever the connection has buffered, answers every complete request
// head in it (so pipelined requests are answered in one write), and keeps the
// partial tail for the next event. It handles GET only: no request bodies, no
// chunked encoding, which is all the workloads send.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/gornado/gornado/bench/internal/payload"
	"github.com/gornado/gornado/bench/internal/te"
)

type server struct {
	gnet.BuiltinEventEngine
	addr string
	// date holds the current "Date: ...\r\n" header line, refreshed once a
	// second by OnTick, as net/http and fasthttp cache theirs.
	date atomic.Pointer[[]byte]
	// hello, json and big are the response heads without the Date line, and
	// bodies, built once.
	hello, json, big, notFound response
	// plaintext is TechEmpower's plaintext answer (the te workload
	// plaintext, the one te test gnet takes part in).
	plaintext response
}

type response struct {
	head []byte // status line and headers, without Date and the blank line
	body []byte
}

func newResponse(ctype string, body []byte, status string) response {
	head := fmt.Sprintf("HTTP/1.1 %s\r\nServer: gnet\r\nContent-Type: %s\r\nContent-Length: %d\r\n",
		status, ctype, len(body))
	return response{head: []byte(head), body: body}
}

func (s *server) OnBoot(eng gnet.Engine) gnet.Action {
	payload.Ready(s.addr)
	return gnet.None
}

func (s *server) OnTick() (time.Duration, gnet.Action) {
	d := []byte("Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n")
	s.date.Store(&d)
	return time.Second, gnet.None
}

// OnTraffic answers every complete request in the inbound buffer.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	date := *s.date.Load()
	var out []byte
	consumed := 0
	for {
		end := bytes.Index(buf[consumed:], []byte("\r\n\r\n"))
		if end < 0 {
			break
		}
		req := buf[consumed : consumed+end]
		consumed += end + 4
		r := s.route(req)
		if out == nil && len(r.body) > 4096 {
			// A large body goes out as a gathered write, not copied.
			c.Writev([][]byte{r.head, date, []byte("\r\n"), r.body})
			continue
		}
		out = append(out, r.head...)
		out = append(out, date...)
		out = append(out, "\r\n"...)
		out = append(out, r.body...)
	}
	if consumed > 0 {
		c.Discard(consumed)
	}
	if out != nil {
		c.Write(out)
	}
	if c.InboundBuffered() > 64<<10 {
		return gnet.Close // a head larger than 64 KiB: not our workload
	}
	return gnet.None
}

// route picks the response from the request line: "GET /path HTTP/1.1".
func (s *server) route(req []byte) *response {
	line := req
	if i := bytes.IndexByte(line, '\r'); i >= 0 {
		line = line[:i]
	}
	parts := bytes.SplitN(line, []byte(" "), 3)
	if len(parts) < 2 {
		return &s.notFound
	}
	switch string(parts[1]) {
	case payload.PathHello:
		return &s.hello
	case payload.PathJSON:
		return &s.json
	case payload.Path64K:
		return &s.big
	case te.PathPlaintext:
		return &s.plaintext
	}
	return &s.notFound
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	s := &server{
		addr:      *addr,
		hello:     newResponse("text/plain", []byte(payload.Hello), "200 OK"),
		json:      newResponse("application/json", []byte(payload.JSON), "200 OK"),
		big:       newResponse("application/octet-stream", payload.Body64K(), "200 OK"),
		plaintext: newResponse("text/plain", []byte(te.Message), "200 OK"),
		notFound:  newResponse("text/plain", []byte("not found"), "404 Not Found"),
	}
	s.OnTick()
	multicore := runtime.GOMAXPROCS(0) > 1
	log.Fatal(gnet.Run(s, "tcp://"+*addr,
		gnet.WithMulticore(multicore),
		gnet.WithTicker(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReusePort(false),
	))
}
