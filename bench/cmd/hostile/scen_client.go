// Scenario 7: final's client against hostile servers this tool runs on
// 127.0.0.1, the client being hostileclient built against the tree.

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hostileServer answers every connection with respond.
type hostileServer struct {
	ln net.Listener
	// respond answers request number n (from 1) of connection conn,
	// whose request line is line; it returns false to close the
	// connection.
	respond func(w io.Writer, conn, n int, line string) bool
	// written counts the bytes written to clients.
	written atomic.Int64

	mu sync.Mutex
	// requests logs "conn 1: GET /first HTTP/1.1" in arrival order.
	requests []string
	conns    int
	wg       sync.WaitGroup
	// open are the connections, closed by close.
	open []net.Conn
}

// serveHostile starts a hostile server on a free loopback port.
func serveHostile(respond func(w io.Writer, conn, n int, line string) bool) (*hostileServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &hostileServer{ln: ln, respond: respond}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			id := s.conns
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				s.serveConn(c, id)
			}()
		}
	}()
	return s, nil
}

func (s *hostileServer) serveConn(c net.Conn, id int) {
	br := bufio.NewReader(c)
	w := &countingWriter{w: c, n: &s.written}
	for n := 1; ; n++ {
		line, err := readHead(br)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, fmt.Sprintf("conn %d: %s", id, line))
		s.mu.Unlock()
		if !s.respond(w, id, n, line) {
			return
		}
	}
}

// close stops the server and waits for its connections.
func (s *hostileServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *hostileServer) url() string { return "http://" + s.ln.Addr().String() }

func (s *hostileServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// readHead reads a request head and returns its request line.
func readHead(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if l == "\r\n" || l == "\n" {
			return strings.TrimSpace(line), nil
		}
	}
}

// countingWriter counts what it writes.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// forever writes head then block again and again until a write fails.
func forever(w io.Writer, head string, block []byte) bool {
	if _, err := io.WriteString(w, head); err != nil {
		return false
	}
	for {
		if _, err := w.Write(block); err != nil {
			return false
		}
	}
}

// clientEvent is one line hostileclient prints.
type clientEvent struct {
	Event     string  `json:"event"`
	Name      string  `json:"name,omitempty"`
	LateMS    float64 `json:"late_ms,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
	Code      int     `json:"code,omitempty"`
	BodyLen   int     `json:"body_len,omitempty"`
	Body      string  `json:"body,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// clientRun is one run of hostileclient against a hostile server.
type clientRun struct {
	Case string `json:"case"`
	// Events are what the client printed.
	Events []clientEvent `json:"events"`
	// Ended says how the client's run ended: "finished", or why it was
	// stopped (the time cap, the RSS cap).
	Ended string `json:"ended"`
	// HWM is the client's VmHWM and CPU its CPU time, read before it
	// exited.
	HWM  int64   `json:"hwm"`
	CPUS float64 `json:"cpu_s"`
	// ServerWrote is what the hostile server wrote to the client (the
	// client read that, less what sat in the socket buffers).
	ServerWrote int64 `json:"server_wrote"`
	// Requests is the hostile server's log of what arrived, by
	// connection.
	Requests []string `json:"requests"`
	Err      string   `json:"err,omitempty"`
}

// event returns the first event named ev (and name, if set).
func (r *clientRun) event(ev, name string) (clientEvent, bool) {
	for _, e := range r.Events {
		if e.Event == ev && (name == "" || e.Name == name) {
			return e, true
		}
	}
	return clientEvent{}, false
}

// runClient runs hostileclient with args against s for at most limit.
func (e *env) runClient(name string, s *hostileServer, limit time.Duration, args ...string) clientRun {
	r := clientRun{Case: name}
	bin, err := e.tree.client()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer stdinW.Close()
	p, err := startProc("hostileclient", append([]string{bin, "-url", s.url()}, args...), stdinR, e.capBytes)
	stdinR.Close()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	deadline := time.After(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-p.done:
			r.Ended = "exited before finishing: " + p.exit()
			break wait
		case <-deadline:
			r.Ended = fmt.Sprintf("no end within %s: killed", limit)
			break wait
		case <-tick.C:
			if strings.Contains(p.out.String(), `{"event":"end"}`) {
				r.Ended = "finished"
				break wait
			}
		}
	}
	if !p.exited() {
		// Still there: its peak and CPU time can be read.
		r.HWM = p.mem().HWM
		if cpu, err := p.cpu(); err == nil {
			r.CPUS = cpu.Seconds()
		}
	} else {
		_, r.HWM = p.peak()
		if at, _ := p.killed(); !at.IsZero() {
			r.Ended = p.exit()
		}
	}
	stdinW.Close()
	if r.Ended != "finished" {
		p.stop(time.Second)
	} else {
		p.stop(3 * time.Second)
	}
	r.ServerWrote = s.written.Load()
	r.Requests = s.log()
	sc := bufio.NewScanner(strings.NewReader(p.out.String()))
	for sc.Scan() {
		var ev clientEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event != "" {
			r.Events = append(r.Events, ev)
		}
	}
	return r
}

func (e *env) clientSide() []section {
	return []section{e.clientContinue(), e.clientBodies(), e.clientPool()}
}

// clientContinue is 7a: an endless stream of 100 Continue.
func (e *env) clientContinue() section {
	s := section{
		Title: "7a. Client: endless 100 Continue",
		Method: "The hostile server answers the request with `HTTP/1.1 100 Continue\\r\\n\\r\\n` again and again, " +
			"as fast as the client reads. The client (AsyncHTTPClient, GET, no Expect) runs once with a 60 s " +
			"RequestTimeout and a 30 s cap on the run (does the client give up by itself?), and once with a 5 s " +
			"RequestTimeout (when does the timeout fire?); both schedule a 0.5 s CallLater on the client's loop " +
			"when the fetch starts, and report how late it ran, and a 100 ms heartbeat timer whose worst delay says how " +
			"long the loop was kept from its timers.",
		Head: []string{"RequestTimeout", "outcome", "at", "0.5 s CallLater ran late by", "loop's worst timer delay", "server wrote",
			"client CPU", "client VmHWM", "run ended"},
	}
	block := bytes.Repeat([]byte("HTTP/1.1 100 Continue\r\n\r\n"), 2048)
	var raw []clientRun
	for _, c := range []struct {
		timeout string
		limit   time.Duration
	}{{"60s", 30 * time.Second}, {"5s", 15 * time.Second}} {
		srv, err := serveHostile(func(w io.Writer, _, _ int, _ string) bool { return forever(w, "", block) })
		if err != nil {
			s.Notes = append(s.Notes, "error: "+err.Error())
			continue
		}
		r := e.runClient("100-continue, timeout "+c.timeout, srv, c.limit, "-timeout", c.timeout)
		srv.close()
		raw = append(raw, r)
		s.Rows = append(s.Rows, fetchRow(c.timeout, r))
	}
	s.Raw = raw
	return s
}

// fetchRow formats a fetch-mode run: outcome, when, CallLater lateness,
// bytes, CPU, VmHWM, how the run ended.
func fetchRow(first string, r clientRun) []string {
	if r.Err != "" {
		return []string{first, "error: " + r.Err}
	}
	outcome, at := "none", "–"
	if d, ok := r.event("done", ""); ok {
		outcome = d.Error
		if outcome == "" {
			outcome = fmt.Sprintf("%d, %s body", d.Code, mib(int64(d.BodyLen)))
		}
		at = fmt.Sprintf("%.2f s", d.ElapsedMS/1000)
	}
	late := "never ran"
	if cl, ok := r.event("calllater", ""); ok {
		late = fmt.Sprintf("%.0f ms", cl.LateMS)
	}
	var worst float64
	for _, ev := range r.Events {
		if ev.Event == "maxlate" {
			worst = max(worst, ev.LateMS)
		}
	}
	return []string{first, outcome, at, late, fmt.Sprintf("%.0f ms", worst), mib(r.ServerWrote),
		fmt.Sprintf("%.2f s", r.CPUS), mib(r.HWM), r.Ended}
}

// bombSize is what the gzip bomb inflates to.
const bombSize = 1 << 30

// gzipBomb is bombSize zero bytes, gzipped at the best compression
// (deflate's ratio tops out near 1000:1, so about 1 MB).
func gzipBomb() []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range bombSize / len(zeros) {
		w.Write(zeros)
	}
	w.Close()
	return b.Bytes()
}

// clientBodies is 7b and 7c: endless bodies and a gzip bomb, with the
// default MaxBodySize.
func (e *env) clientBodies() section {
	s := section{
		Title: "7b/7c. Client: endless body, gzip bomb",
		Method: "AsyncHTTPClient GET with the default MaxBodySize (100 MiB) and a 60 s RequestTimeout, capped at " +
			"30 s: the server sends a 200 with a chunked body that never ends (64 KiB chunks), a body without " +
			"framing (Connection: close, no length) that never ends, or a gzip bomb: Content-Encoding: gzip, a " +
			"body of about 1 MB that inflates to 1 GiB of zeros.",
		Head: []string{"server sends", "outcome", "at", "0.5 s CallLater ran late by", "loop's worst timer delay", "server wrote",
			"client CPU", "client VmHWM", "run ended"},
	}
	filler := bytes.Repeat([]byte("a"), 64<<10)
	bomb := gzipBomb()
	cases := []struct {
		name    string
		respond func(w io.Writer, conn, n int, line string) bool
	}{
		{"endless chunked body", func(w io.Writer, _, _ int, _ string) bool {
			return forever(w, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", append(append([]byte("10000\r\n"), filler...), "\r\n"...))
		}},
		{"endless unframed body", func(w io.Writer, _, _ int, _ string) bool {
			return forever(w, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", filler)
		}},
		{fmt.Sprintf("gzip bomb (%s inflating to %s)", mib(int64(len(bomb))), mib(bombSize)), func(w io.Writer, _, _ int, _ string) bool {
			fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", len(bomb))
			w.Write(bomb)
			return true
		}},
	}
	var raw []clientRun
	for _, c := range cases {
		srv, err := serveHostile(c.respond)
		if err != nil {
			s.Notes = append(s.Notes, "error: "+err.Error())
			continue
		}
		r := e.runClient(c.name, srv, 30*time.Second, "-timeout", "60s")
		srv.close()
		raw = append(raw, r)
		s.Rows = append(s.Rows, fetchRow(c.name, r))
	}
	s.Raw = raw
	return s
}

// The pooling-desync responses: the server's answer to /second, and the
// response it smuggles ahead of it.
const (
	genuine  = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nGENUINE"
	smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"
)

// clientPool is 7d: bytes the client did not ask for, left on a pooled
// connection.
func (e *env) clientPool() section {
	s := section{
		Title: "7d. Client: pooling desync (blocking HTTPClient)",
		Method: "The blocking HTTPClient makes two requests 300 ms apart, which it may send on one pooled " +
			"connection: first HEAD /first or GET /first, then GET /second, which the server answers GENUINE. " +
			"\"HEAD with a body\": HEAD /first is answered `Content-Length: 7` and then the bytes of a whole " +
			"second response whose body is SMUGGLED, in the same write as the head or 100 ms later. \"bytes after " +
			"the body\": GET /first is answered `Content-Length: 5` `hello`, and 100 ms later the same SMUGGLED " +
			"response follows. If the client returns SMUGGLED for /second, bytes it never asked for were taken " +
			"as the next response.",
		Head: []string{"case", "first response", "second response (GET /second)", "connections the server saw"},
	}
	cases := []struct {
		name, mode string
		respond    func(w io.Writer, conn, n int, line string) bool
	}{
		{"HEAD with a body, in the same write", "head", func(w io.Writer, _, _ int, line string) bool {
			if strings.HasPrefix(line, "HEAD ") {
				io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"+smuggled)
				return true
			}
			io.WriteString(w, genuine)
			return true
		}},
		{"HEAD with a body, 100 ms after the head", "head", func(w io.Writer, _, _ int, line string) bool {
			if strings.HasPrefix(line, "HEAD ") {
				io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n")
				time.Sleep(100 * time.Millisecond)
				io.WriteString(w, smuggled)
				return true
			}
			io.WriteString(w, genuine)
			return true
		}},
		{"bytes after the body", "extra", func(w io.Writer, _, _ int, line string) bool {
			if strings.Contains(line, "/first") {
				io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
				time.Sleep(100 * time.Millisecond)
				io.WriteString(w, smuggled)
				return true
			}
			io.WriteString(w, genuine)
			return true
		}},
	}
	var raw []clientRun
	for _, c := range cases {
		srv, err := serveHostile(c.respond)
		if err != nil {
			s.Notes = append(s.Notes, "error: "+err.Error())
			continue
		}
		r := e.runClient(c.name, srv, 20*time.Second, "-mode", c.mode)
		srv.close()
		raw = append(raw, r)
		if r.Err != "" {
			s.Rows = append(s.Rows, []string{c.name, "error: " + r.Err})
			continue
		}
		resp := func(name string) string {
			ev, ok := r.event("response", name)
			switch {
			case !ok:
				return "none (" + r.Ended + ")"
			case ev.Error != "":
				return "error: " + ev.Error
			default:
				return fmt.Sprintf("%d %q", ev.Code, ev.Body)
			}
		}
		s.Rows = append(s.Rows, []string{c.name, resp("first"), resp("second"), strings.Join(r.Requests, "; ")})
	}
	s.Raw = raw
	return s
}
