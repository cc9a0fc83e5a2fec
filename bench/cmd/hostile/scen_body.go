// Scenario 4: endless chunked request bodies, one to a route that takes no
// body and twenty to routes that take one.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// bodyTarget is a route and how to send it an endless body.
type bodyTarget struct {
	// label names the row; demo and args start the server.
	label string
	demo  string
	args  []string
	// clients send at once.
	clients int
	// head builds the request head (chunked); prefix is the body's first
	// bytes, before the endless filler.
	head   func(addr string, cookie string) string
	prefix string
	// xsrf says the route needs the chat's _xsrf cookie and header.
	xsrf bool
}

// bodyClient is what one client sending an endless body got.
type bodyClient struct {
	// Sent is how many body bytes it wrote.
	Sent int64 `json:"sent"`
	// Status is the response's status (0: none), at StatusS seconds.
	Status  int     `json:"status,omitempty"`
	StatusS float64 `json:"status_s,omitempty"`
	// Ended is how the connection ended ("close", "reset", "" if it
	// was still open at the end), at EndedS seconds.
	Ended  string  `json:"ended,omitempty"`
	EndedS float64 `json:"ended_s,omitempty"`
	// WriteErr is why the writes stopped before the end of the run
	// (the server reset the connection), at WriteErrS seconds; empty if
	// the server took the body until the end.
	WriteErr  string  `json:"write_err,omitempty"`
	WriteErrS float64 `json:"write_err_s,omitempty"`
}

// bodyResult is one target's figures.
type bodyResult struct {
	Label   string       `json:"label"`
	Clients []bodyClient `json:"clients"`
	// BaseRSS is the server's RSS before the bodies; HWM its VmHWM at
	// the end (its peak since it started); PeakRSS the largest sampled.
	BaseRSS int64 `json:"base_rss"`
	HWM     int64 `json:"hwm"`
	PeakRSS int64 `json:"peak_rss"`
	// Probes are the well-behaved client's, meanwhile.
	Probes probeSummary `json:"probes"`
	Fate   string       `json:"fate"`
	Err    string       `json:"err,omitempty"`
}

// chunkHead is a chunked POST head for path with content type ct.
func chunkHead(path, ct string) func(addr, cookie string) string {
	return func(addr, cookie string) string {
		h := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nTransfer-Encoding: chunked\r\nContent-Type: " + ct + "\r\n"
		if cookie != "" {
			h += "Cookie: _xsrf=" + cookie + "\r\nX-Xsrftoken: " + cookie + "\r\n"
		}
		return h + "\r\n"
	}
}

const uploadBoundary = "hostileboundary"

func (e *env) bodies() []section {
	targets := []bodyTarget{
		{label: "helloworld POST / (GET-only route), 1 client", demo: "helloworld", args: []string{"-loops", "1"}, clients: 1,
			head: chunkHead("/", "application/octet-stream")},
		{label: "helloworld POST /echo (buffers the body), 20 clients", demo: "helloworld", args: []string{"-loops", "1"}, clients: 20,
			head: chunkHead("/echo", "application/octet-stream")},
		{label: "chat POST /a/message/new (form, XSRF), 20 clients", demo: "chat", clients: 20, xsrf: true,
			head: chunkHead("/a/message/new", "application/x-www-form-urlencoded"), prefix: "body="},
		{label: "file_upload POST /upload (streams), 20 clients", demo: "file_upload", clients: 20,
			head: chunkHead("/upload", "multipart/form-data; boundary="+uploadBoundary),
			prefix: "--" + uploadBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n" +
				"Content-Type: application/octet-stream\r\n\r\n"},
	}
	s := section{
		Title: "4. Large request bodies",
		Method: fmt.Sprintf("Each client sends a chunked POST whose body never ends (64 KiB chunks as fast as the "+
			"server takes them) for %s, while reading whatever the server answers. The chat clients first GET / "+
			"for the _xsrf cookie and send it back as cookie and X-Xsrftoken header; the body is `body=aaa...`. "+
			"The file_upload body is one multipart file part that never ends. Meanwhile a well-behaved client "+
			"sends GET / on a new connection every 200 ms (3 s timeout). Memory growth is VmHWM at the end less "+
			"RSS before the bodies. helloworld runs with -loops 1; chat has one loop; file_upload one per core.", e.d),
		Head: []string{"route", "server memory growth (VmHWM)", "what the clients got", "body sent per client (median / max)",
			"well-behaved GET / meanwhile (200 / timeouts / p50 / max)", "server at the end"},
	}
	var raw []bodyResult
	for _, t := range targets {
		r := e.runBodies(t)
		raw = append(raw, r)
		if r.Err != "" {
			s.Rows = append(s.Rows, []string{t.label, "error: " + r.Err})
			continue
		}
		var sent []int64
		for _, c := range r.Clients {
			sent = append(sent, c.Sent)
		}
		p := r.Probes
		s.Rows = append(s.Rows, []string{t.label, mib(r.HWM - r.BaseRSS), describeBodyClients(r.Clients),
			mib(percentile(sent, 50)) + " / " + mib(percentile(sent, 100)),
			fmt.Sprintf("%d of %d / %d / %s / %s", p.OK, p.N, p.Timeouts, msOrDash(p.P50), msOrDash(p.Max)), r.Fate})
	}
	s.Raw = raw
	return []section{s}
}

// describeBodyClients groups the clients by what they got, with the range
// of times it happened at: "15× 413, then close at 0.56–6.11 s (writes
// failed at 3.32–6.48 s: broken pipe)".
func describeBodyClients(cs []bodyClient) string {
	type group struct {
		n                int
		lo, hi, wlo, whi float64
	}
	groups := map[string]*group{}
	var keys []string
	for _, c := range cs {
		var key string
		var at float64
		switch {
		case c.Status != 0 && c.Ended != "":
			key, at = fmt.Sprintf("%d, then %s", c.Status, c.Ended), c.StatusS
		case c.Status != 0:
			key, at = fmt.Sprintf("%d, connection left open", c.Status), c.StatusS
		case c.Ended != "":
			key, at = c.Ended+" without a response", c.EndedS
		default:
			key, at = "nothing (still sending at the end)", -1
		}
		if c.WriteErr != "" {
			key += " / writes failed: " + c.WriteErr
		}
		g := groups[key]
		if g == nil {
			g = &group{lo: at, hi: at, wlo: c.WriteErrS, whi: c.WriteErrS}
			groups[key] = g
			keys = append(keys, key)
		}
		g.n++
		g.lo, g.hi = min(g.lo, at), max(g.hi, at)
		g.wlo, g.whi = min(g.wlo, c.WriteErrS), max(g.whi, c.WriteErrS)
	}
	span := func(lo, hi float64) string {
		if hi-lo < 0.01 {
			return fmt.Sprintf("at %.2f s", lo)
		}
		return fmt.Sprintf("at %.2f–%.2f s", lo, hi)
	}
	var parts []string
	for _, k := range keys {
		g := groups[k]
		what, werr, _ := strings.Cut(k, " / writes failed: ")
		p := fmt.Sprintf("%d× %s", g.n, what)
		if g.lo >= 0 {
			p += " " + span(g.lo, g.hi)
		}
		if werr != "" {
			p += fmt.Sprintf(" (writes failed %s: %s)", span(g.wlo, g.whi), werr)
		}
		parts = append(parts, p)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// runBodies runs one target.
func (e *env) runBodies(t bodyTarget) bodyResult {
	r := bodyResult{Label: t.label}
	srv, err := e.startDemo(t.demo, "", t.args...)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer srv.stop(5 * time.Second)
	var cookie string
	if t.xsrf {
		if cookie, err = xsrfCookie(srv.addr); err != nil {
			r.Err = err.Error()
			return r
		}
	}
	time.Sleep(200 * time.Millisecond)
	r.BaseRSS = srv.mem().RSS

	stop := make(chan struct{})
	probes := make(chan []probeResult, 1)
	go func() { probes <- probe(srv.addr, "/", 200*time.Millisecond, 3*time.Second, stop) }()
	r.Clients = make([]bodyClient, t.clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range r.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Clients[i] = endlessBody(srv.addr, t.head(srv.addr, cookie), t.prefix, start, stop)
		}()
	}
	select {
	case <-time.After(e.d):
	case <-srv.done:
	}
	close(stop)
	wg.Wait()
	r.Probes = summarize(<-probes, srv.goneAt())
	m := srv.mem()
	r.PeakRSS, r.HWM = srv.peak()
	r.HWM = max(r.HWM, m.HWM)
	r.Fate = srv.fate()
	return r
}

// chunk is one 64 KiB chunk of filler, framed (RFC 9112, section 7.1).
var chunk = func() []byte {
	data := bytes.Repeat([]byte("a"), 64<<10)
	return append(append([]byte(fmt.Sprintf("%x\r\n", len(data))), data...), "\r\n"...)
}()

// endlessBody sends head and a body that never ends until stop, reading
// the server's answer meanwhile; times are from start.
func endlessBody(addr, head, prefix string, start time.Time, stop <-chan struct{}) bodyClient {
	var out bodyClient
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		out.Ended, out.EndedS = "refused", time.Since(start).Seconds()
		return out
	}
	defer func() {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	// The reader records the response and the connection's end.
	var mu sync.Mutex
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			mu.Lock()
			out.Status, out.StatusS = resp.StatusCode, time.Since(start).Seconds()
			mu.Unlock()
			_, err = io.Copy(io.Discard, br)
		}
		how := "close"
		if errors.Is(err, syscall.ECONNRESET) {
			how = "reset"
		}
		select {
		case <-stop:
			return // this side ended it
		default:
		}
		mu.Lock()
		out.Ended, out.EndedS = how, time.Since(start).Seconds()
		mu.Unlock()
	}()
	first := []byte(head)
	if prefix != "" {
		first = append(first, fmt.Sprintf("%x\r\n%s\r\n", len(prefix), prefix)...)
	}
	var sent int64
	_, werr := writeFull(c, first, stop)
	for werr == nil {
		if _, werr = writeFull(c, chunk, stop); werr == nil {
			sent += int64(len(chunk))
		}
	}
	if werr != errStopped {
		mu.Lock()
		out.WriteErr, out.WriteErrS = shortErr(werr), time.Since(start).Seconds()
		mu.Unlock()
	}
	// The writer stops at the end of the run or when the server has gone;
	// give the reader a moment for a response already on its way.
	select {
	case <-readDone:
	case <-stop:
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		<-readDone
	}
	mu.Lock()
	defer mu.Unlock()
	out.Sent = sent
	return out
}

// xsrfCookie fetches the chat's page for its _xsrf cookie.
func xsrfCookie(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "_xsrf" {
			return ck.Value, nil
		}
	}
	return "", errors.New("chat set no _xsrf cookie on GET /")
}
