// The hostile-server table: what the client answers to each malformed,
// endless, slow or desynchronising response, each row run against a small
// scripted server on 127.0.0.1:0, once through the blocking HTTPClient (its
// loop stopped between fetches) and once through an AsyncHTTPClient on a
// loop that keeps running. The table is rendered into the client section of
// docs/http-server.md and, with the descriptions of hostile_zh_test.go,
// into its Chinese edition, so the pages cannot drift from the code.

package httpclient_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
)

// updateDoc rewrites the client tables of docs/http-server.md and its
// Chinese edition.
var updateDoc = flag.Bool("update", false, "rewrite the hostile-server tables in docs/http-server.md and docs/zh/http-server.md")

// hostileServer is one row of the table.
type hostileServer struct {
	// what describes what the server does.
	what string
	// sends shows the bytes sent, for the doc; quoted from the script's
	// bytes when empty.
	sends string
	// script is what the server does on each connection.
	script script
	// opts are the request's options.
	opts reqOpts
	// want is the outcome.
	want want
	// rule names the rule, or who does the same.
	rule string
}

// reqOpts are the options of a case's request that differ from the
// defaults.
type reqOpts struct {
	// method is the request's method, GET if empty.
	method string
	// timeout is RequestTimeout.
	timeout time.Duration
	// maxBody is MaxBodySize.
	maxBody int
	// streaming sets a StreamingCallback that drops the bytes.
	streaming bool
}

// want is a case's expected outcome.
type want struct {
	// code and body are the response's, when there is one (a non-2xx
	// response comes inside an *HTTPClientError).
	code int
	body string
	// err is the sentinel a failed fetch wraps.
	err error
	// within bounds the time to the failure, if set.
	within time.Duration
	// requests is, if set, how many requests the server must have read.
	requests int32
	// fresh: a second request must get its own answer on a new connection
	// (the first one was not pooled, or was dropped when found unfit).
	fresh bool
	// later says the server acts on the idle connection after the first
	// response has been taken (it waits for the test to say so).
	later bool
}

// Bytes of the desynchronising cases.
const (
	// answerFirst is the answer to the first request.
	answerFirst = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
	// injected is a response nobody asked for.
	injected = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected"
)

// Small stand-ins for the defaults, so that the table runs in a moment:
// the same code paths bound them.
const (
	testMaxBody = 1 << 20
	testTimeout = 500 * time.Millisecond
)

// bomb is 16 gzip members of 1 MiB of zeros each (16 KB in all), which
// inflate to 16 times testMaxBody: a gzip stream may have many members
// (RFC 1952, section 2.2), and one compressed member repeated is cheaper
// to make than 16 MiB compressed.
var bomb = func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(b.Bytes(), 16)
}()

// gzipped is gzip of s.
func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

var hostileServers = []hostileServer{
	// Interim responses.
	{what: "100 Continue, then the answer", script: answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), want: want{code: 200, body: "ok"}, rule: "RFC 9110 §15.2"},
	{what: "10 × 102 Processing, then the answer", script: answer(strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 10) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), sends: `10 × "HTTP/1.1 102 Processing\r\n\r\n", then a 200`, want: want{code: 200, body: "ok"}, rule: "RFC 9110 §15.2"},
	{what: "11 interim responses", script: answer(strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", 11) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), sends: `11 × "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", then a 200`, want: want{err: httpclient.ErrTooManyInterimResponses}, rule: "net/http ≤ Go 1.23: 5"},
	{what: "interim heads over 64 KiB together", script: answer(strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: <"+strings.Repeat("a", 40<<10)+">\r\n\r\n", 2) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), sends: `2 × "HTTP/1.1 103 Early Hints\r\nLink: <aaa…>\r\n\r\n" (40 KiB each), then a 200`, want: want{err: httpclient.ErrTooManyInterimResponses}, rule: "curl: 300 KiB for all heads"},
	{what: "endless 100 Continue", script: endless("", "HTTP/1.1 100 Continue\r\n\r\n"), want: want{err: httpclient.ErrTooManyInterimResponses, within: 2 * time.Second}, rule: "net/http, curl, Tornado: refused in < 0.1 s"},

	// Framing.
	{what: "Content-Length and Transfer-Encoding (smuggled framing)", script: answer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), want: want{err: httputil.ErrTEAndCL}, rule: "RFC 9112 §6.3 rule 3; Tornado refuses too"},
	{what: "Content-Length twice with different values", script: answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), want: want{err: httputil.ErrBadContentLength}, rule: "RFC 9110 §8.6"},
	{what: "Content-Length: -1", script: answer("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello"), want: want{err: httputil.ErrBadContentLength}, rule: "RFC 9110 §8.6"},
	{what: "Content-Length: +5", script: answer("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"), want: want{err: httputil.ErrBadContentLength}, rule: "RFC 9110 §8.6"},
	{what: "Content-Length: 99999999999999999999", script: answer("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhello"), want: want{err: httputil.ErrBadContentLength}, rule: "RFC 9110 §8.6"},
	{what: "body cut short of its Content-Length", script: answerClose("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), want: want{err: iostream.ErrStreamClosed}, rule: "RFC 9112 §8"},
	{what: "chunked body cut inside a chunk", script: answerClose("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), want: want{err: iostream.ErrStreamClosed}, rule: "RFC 9112 §8"},
	{what: "chunked body without its last chunk", script: answerClose("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"), want: want{err: iostream.ErrStreamClosed}, rule: "RFC 9112 §8"},
	{what: "chunk extensions and a trailer", script: answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=1;b=\"x\"\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n"), want: want{code: 200, body: "hello"}, rule: "RFC 9112 §7.1.1, §7.1.2"},
	{what: "endless chunk extension", script: endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=", "b"), want: want{err: httputil.ErrBadChunkExtension}, rule: "RFC 9112 §7.1.1"},
	{what: "endless trailer", script: endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", "X: y\r\n"), want: want{err: httputil.ErrTrailerTooLarge}, rule: "RFC 9112 §7.1.2"},

	// Sizes.
	{what: "endless body, no length", script: endless("HTTP/1.1 200 OK\r\n\r\n", "x"), opts: reqOpts{maxBody: testMaxBody}, want: want{err: httpclient.ErrBodyTooLarge}, rule: "Tornado's max_body_size"},
	{what: "endless chunks", script: endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\nx\r\n"), opts: reqOpts{maxBody: testMaxBody}, want: want{err: httpclient.ErrBodyTooLarge}, rule: "Tornado's max_body_size"},
	{what: "Content-Length over MaxBodySize, body never sent", script: answer("HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n"), opts: reqOpts{maxBody: testMaxBody}, want: want{err: httpclient.ErrBodyTooLarge}, rule: "refused from the head, as the server does"},
	{what: "endless body, streamed, 1 s timeout", script: endless("HTTP/1.1 200 OK\r\n\r\n", "x"), opts: reqOpts{streaming: true, maxBody: 1 << 62, timeout: time.Second}, want: want{err: httpclient.ErrTimeoutRequest, within: 4 * time.Second}, rule: "timers run between read passes"},
	{what: "gzip body", script: answer("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + fmt.Sprint(len(gzipped("hello, gzip"))) + "\r\n\r\n" + gzipped("hello, gzip")), sends: fmt.Sprintf(`"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" + gzip of "hello, gzip"`, len(gzipped("hello, gzip"))), want: want{code: 200, body: "hello, gzip"}, rule: "RFC 9110 §8.4.1.3"},
	{what: "gzip bomb", script: answer("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + fmt.Sprint(len(bomb)) + "\r\n\r\n" + string(bomb)), sends: `16 × gzip of 1 MiB of zeros (16 KB)`, opts: reqOpts{maxBody: testMaxBody}, want: want{err: httpclient.ErrBodyTooLarge}, rule: "decompressed bytes count"},
	{what: "gzip cut short", script: answerClose("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + gzipped("hello, gzip")[:20]), sends: fmt.Sprintf(`"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + 20 of %d bytes of gzip, close`, len(gzipped("hello, gzip"))), want: want{err: io.ErrUnexpectedEOF}, rule: "RFC 1952"},
	{what: "Content-Encoding: gzip on a body that is not", script: answer("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 16\r\n\r\nthis is not gzip"), want: want{err: gzip.ErrHeader}, rule: "RFC 1952"},

	// Heads.
	{what: "head over 64 KiB", script: answer("HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 70000) + "\r\n\r\n"), sends: `"HTTP/1.1 200 OK\r\nX: aaa…\r\n\r\n" (70,000-byte value)`, want: want{err: httputil.ErrHeaderTooLarge}, rule: "nginx, net/http: bounded heads"},
	{what: "endless header lines", script: endless("HTTP/1.1 200 OK\r\n", "X: y\r\n"), want: want{err: httputil.ErrTooManyHeaders}, rule: "Apache's 100 fields"},
	{what: "endless header line", script: endless("HTTP/1.1 200 OK\r\nX: ", "a"), want: want{err: httputil.ErrHeaderTooLarge}, rule: "nginx, net/http: bounded heads"},
	{what: "NUL in a header value", script: answer("HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 2\r\n\r\nok"), want: want{err: httputil.ErrBadHeaderValue}, rule: "RFC 9110 §5.5"},
	{what: "CR in a header value", script: answer("HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 2\r\n\r\nok"), want: want{err: httputil.ErrBadHeaderValue}, rule: "RFC 9110 §5.5"},
	{what: "bare LF line endings", script: answer("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), want: want{code: 200, body: "ok"}, rule: "RFC 9112 §2.2"},
	{what: "status code of four digits", script: answer("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"), want: want{err: httputil.ErrBadStatusLine}, rule: "RFC 9112 §4"},
	{what: "status code under 100", script: answer("HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok"), want: want{err: httputil.ErrBadStatusLine}, rule: "RFC 9110 §15"},
	{what: "HTTP/2.0 status line", script: answer("HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), want: want{err: httputil.ErrBadStatusLine}, rule: "RFC 9112 §2.3"},
	{what: "ICY (SHOUTcast) status line", script: answer("ICY 200 OK\r\n\r\nok"), want: want{err: httputil.ErrBadStatusLine}, rule: "RFC 9112 §4"},
	{what: "HTTP/0.9 response (a body, no status line)", script: answerClose("<html>hello</html>\r\n"), want: want{err: httputil.ErrBadStatusLine}, rule: "RFC 9112 §2.3 (0.9 not supported)"},
	{what: "status line without a reason", script: answer("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"), want: want{code: 200, body: "ok"}, rule: "RFC 9112 §4"},

	// Redirects.
	{what: "redirect loop", script: eachRequest(func(*scriptConn, int) string {
		return "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"
	}), sends: `"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n" to every request`, want: want{code: 302, requests: 6}, rule: "Tornado's max_redirects (5)"},
	{what: "redirect to file:", script: answer("HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n"), want: want{code: 302, requests: 1}, rule: "http and https only"},
	{what: "redirect to ftp:", script: answer("HTTP/1.1 301 Moved Permanently\r\nLocation: ftp://127.0.0.1/x\r\nContent-Length: 0\r\n\r\n"), want: want{code: 301, requests: 1}, rule: "http and https only"},

	// Time.
	{what: "no answer", script: answer(""), sends: `nothing`, opts: reqOpts{timeout: testTimeout}, want: want{err: httpclient.ErrTimeoutRequest, within: 4 * time.Second}, rule: "Tornado's request_timeout"},
	{what: "head dripped a byte every 50 ms", script: drip("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), opts: reqOpts{timeout: testTimeout}, want: want{err: httpclient.ErrTimeoutRequest, within: 4 * time.Second}, rule: "Tornado's request_timeout"},
	{what: "body stalls after its first byte", script: answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nx"), opts: reqOpts{timeout: testTimeout}, want: want{err: httpclient.ErrTimeoutRequest, within: 4 * time.Second}, rule: "Tornado's request_timeout"},

	// Desynchronisation: bytes that are no answer to the next request.
	{what: "HEAD answered with a body", script: firstThen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), opts: reqOpts{method: "HEAD"}, want: want{code: 200, fresh: true}, rule: "RFC 9112 §6.3 rule 1"},
	{what: "204 followed by a response nobody asked for", script: firstThen("HTTP/1.1 204 No Content\r\n\r\n" + injected), want: want{code: 204, fresh: true}, rule: "RFC 9112 §6.3 rule 1"},
	{what: "bytes beyond Content-Length", script: firstThen(answerFirst + injected), want: want{code: 200, body: "first", fresh: true}, rule: "RFC 9112 §6.3 rule 6"},
	{what: "bytes after the last chunk", script: firstThen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n0\r\n\r\n" + injected), want: want{code: 200, body: "first", fresh: true}, rule: "RFC 9112 §7.1"},
	{what: "a response on the idle connection", script: firstThenLater(injected), sends: fmt.Sprintf("%s, then, idle: %s", testutil.QuoteBytes(answerFirst), testutil.QuoteBytes(injected)), want: want{code: 200, body: "first", fresh: true, later: true}, rule: "net/http: unsolicited response"},
	{what: "the server closes the idle connection", script: firstThenLater(""), sends: fmt.Sprintf("%s, then, idle: close", testutil.QuoteBytes(answerFirst)), want: want{code: 200, body: "first", fresh: true, later: true}, rule: "RFC 9112 §9.6"},
}

// script is what a scripted server does on each connection, and the bytes
// it sends, for the doc.
type script struct {
	// run serves one connection.
	run func(c *scriptConn)
	// sends shows what run sends.
	sends string
}

// scriptServer is a server on 127.0.0.1:0 running a script on each
// connection it accepts.
type scriptServer struct {
	// url is the server's URL.
	url string
	// conns and reqs count the connections accepted and the request
	// heads read.
	conns, reqs atomic.Int32
	// fetched is closed by the test once the first response is taken.
	fetched chan struct{}
	// ready says the script has done what it does on the idle connection.
	ready chan struct{}
	// mu guards open.
	mu sync.Mutex
	// open are the accepted connections, closed at the end of the test.
	open []net.Conn
}

// scriptConn is one connection of a scriptServer.
type scriptConn struct {
	net.Conn
	// r reads the requests.
	r *bufio.Reader
	// n numbers the connection from 1.
	n int32
	// srv is the server.
	srv *scriptServer
}

// newScriptServer starts a server running s; it stops when the test ends,
// its connections closed and its goroutines gone.
func newScriptServer(t *testing.T, s script) *scriptServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &scriptServer{url: "http://" + ln.Addr().String() + "/", fetched: make(chan struct{}), ready: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			srv.mu.Lock()
			srv.open = append(srv.open, c)
			srv.mu.Unlock()
			sc := &scriptConn{Conn: c, r: bufio.NewReader(c), n: srv.conns.Add(1), srv: srv}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				s.run(sc)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		srv.mu.Lock()
		for _, c := range srv.open {
			c.Close()
		}
		srv.mu.Unlock()
		wg.Wait()
	})
	return srv
}

// head reads a request head; false at end of input.
func (c *scriptConn) head() bool {
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return false
		}
		if line == "\r\n" {
			c.srv.reqs.Add(1)
			return true
		}
	}
}

// write sends s; false if the client has gone.
func (c *scriptConn) write(s string) bool {
	_, err := io.WriteString(c, s)
	return err == nil
}

// drain waits for the client to close.
func (c *scriptConn) drain() { io.Copy(io.Discard, c.r) }

// answer reads a request, sends s and waits for the client to close.
func answer(s string) script {
	sends := testutil.QuoteBytes(s)
	if s == "" {
		sends = "nothing"
	}
	return script{sends: sends, run: func(c *scriptConn) {
		if c.head() && c.write(s) {
			c.drain()
		}
	}}
}

// answerClose reads a request, sends s and closes.
func answerClose(s string) script {
	return script{sends: testutil.QuoteBytes(s) + ", close", run: func(c *scriptConn) {
		if c.head() {
			c.write(s)
		}
	}}
}

// endless reads a request, sends prefix and then unit over and over until
// the client goes.
func endless(prefix, unit string) script {
	sends := testutil.QuoteBytes(unit) + " forever"
	if prefix != "" {
		sends = testutil.QuoteBytes(prefix) + ", then " + sends
	}
	return script{sends: sends, run: func(c *scriptConn) {
		if !c.head() || !c.write(prefix) {
			return
		}
		buf := []byte(strings.Repeat(unit, max(1, (64<<10)/len(unit))))
		for {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}}
}

// drip reads a request and sends s a byte every 50 ms.
func drip(s string) script {
	return script{sends: testutil.QuoteBytes(s) + ", a byte every 50 ms", run: func(c *scriptConn) {
		if !c.head() {
			return
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := range len(s) {
			if !c.write(s[i : i+1]) {
				return
			}
			<-tick.C
		}
		c.drain()
	}}
}

// eachRequest answers every request on every connection with fn's answer
// to the connection and the request's number on it, from 1.
func eachRequest(fn func(c *scriptConn, i int) string) script {
	return script{run: func(c *scriptConn) {
		for i := 1; c.head(); i++ {
			if !c.write(fn(c, i)) {
				return
			}
		}
	}}
}

// ownAnswer is the answer to request i on connection n: a request that
// gets "conn 2 req 1" was sent on a new connection and got its own answer.
func ownAnswer(n int32, i int) string {
	body := fmt.Sprintf("conn %d req %d", n, i)
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// firstThen answers the first request of the first connection with
// first, in one write, and every other request with its own answer.
func firstThen(first string) script {
	s := eachRequest(func(c *scriptConn, i int) string {
		if c.n == 1 && i == 1 {
			return first
		}
		return ownAnswer(c.n, i)
	})
	s.sends = testutil.QuoteBytes(first)
	return s
}

// firstThenLater answers the first request of the first connection, and
// once the test says the answer was taken, sends idle on the idle
// connection (or ends its sending side if idle is empty) and says so once
// the client's kernel has the bytes; other requests get their own answers.
func firstThenLater(idle string) script {
	return script{run: func(c *scriptConn) {
		for i := 1; c.head(); i++ {
			if c.n != 1 || i != 1 {
				if !c.write(ownAnswer(c.n, i)) {
					return
				}
				continue
			}
			if !c.write(answerFirst) {
				return
			}
			select {
			case <-c.srv.fetched:
			case <-time.After(10 * time.Second):
				return
			}
			if idle == "" {
				c.Conn.(*net.TCPConn).CloseWrite() // end of file, then its ack
			} else {
				c.write(idle)
			}
			waitDelivered(c.Conn)
			c.srv.ready <- struct{}{}
		}
	}}
}

// request builds the case's request for url.
func (o reqOpts) request(url string) *httpclient.HTTPRequest {
	req := &httpclient.HTTPRequest{URL: url, Method: o.method, RequestTimeout: o.timeout, MaxBodySize: o.maxBody}
	if o.streaming {
		req.StreamingCallback = func([]byte) {}
	}
	return req
}

// fetcher fetches a request and returns the result, failing the test if
// none comes in time.
type fetcher func(t *testing.T, req *httpclient.HTTPRequest) (*httpclient.HTTPResponse, error)

// syncFetcher fetches through a blocking HTTPClient, whose loop stops
// between fetches.
func syncFetcher(t *testing.T) fetcher {
	c := syncClient(t)
	return func(t *testing.T, req *httpclient.HTTPRequest) (*httpclient.HTTPResponse, error) {
		type result struct {
			resp *httpclient.HTTPResponse
			err  error
		}
		ch := make(chan result, 1)
		go func() {
			resp, err := c.Fetch(req)
			ch <- result{resp, err}
		}()
		r := testutil.Recv(t, ch, "the blocking client's answer")
		return r.resp, r.err
	}
}

// asyncFetcher fetches through an AsyncHTTPClient on a loop that runs
// until the test ends.
func asyncFetcher(t *testing.T) fetcher {
	loop, err := ioloop.New()
	require.NoError(t, err)
	stopped := make(chan error, 1)
	go func() { stopped <- loop.Start() }()
	client := httpclient.New(loop)
	t.Cleanup(func() {
		loop.AddCallback(func() {
			client.Close()
			loop.Stop()
		})
		testutil.Recv(t, stopped, "the loop to stop")
		loop.Close(true)
	})
	return func(t *testing.T, req *httpclient.HTTPRequest) (*httpclient.HTTPResponse, error) {
		type result struct {
			resp *httpclient.HTTPResponse
			err  error
		}
		ch := make(chan result, 1)
		loop.AddCallback(func() {
			client.Fetch(req).AddDoneCallback(func(f *concurrent.Future[*httpclient.HTTPResponse]) {
				resp, err := f.Result()
				ch <- result{resp, err}
			})
		})
		r := testutil.Recv(t, ch, "the async client's answer")
		return r.resp, r.err
	}
}

// clients are the two ways each case is fetched.
var clients = []struct {
	// name names the subtest.
	name string
	// start returns a fetcher that lasts until the test ends.
	start func(*testing.T) fetcher
}{
	{"HTTPClient", syncFetcher},
	{"AsyncHTTPClient", asyncFetcher},
}

func TestHostileServers(t *testing.T) {
	testutil.CheckLeaks(t) // decompressing coroutines included
	for _, c := range hostileServers {
		t.Run(c.what, func(t *testing.T) {
			for _, cl := range clients {
				t.Run(cl.name, func(t *testing.T) {
					// The client first: cleanups run last first, so the
					// server goes before the client, which a wrong answer
					// may have left waiting on it.
					fetch := cl.start(t)
					srv := newScriptServer(t, c.script)
					start := time.Now()
					resp, err := fetch(t, c.opts.request(srv.url))
					c.want.check(t, resp, err, time.Since(start))
					if c.want.requests > 0 {
						assert.Equal(t, c.want.requests, srv.reqs.Load(), "requests the server read")
					}
					if !c.want.fresh {
						return
					}
					close(srv.fetched)
					if c.want.later {
						testutil.Recv(t, srv.ready, "the server's move on the idle connection")
					}
					resp, err = fetch(t, &httpclient.HTTPRequest{URL: srv.url})
					require.NoError(t, err)
					assert.Equal(t, "conn 2 req 1", string(resp.Body), "the second request must get its own answer, on a new connection")
				})
			}
		})
	}
}

// check compares a fetch's result and time with w.
func (w want) check(t *testing.T, resp *httpclient.HTTPResponse, err error, took time.Duration) {
	t.Helper()
	if w.err != nil {
		require.Error(t, err)
		assert.ErrorIs(t, err, w.err)
		var he *httpclient.HTTPClientError
		if assert.ErrorAs(t, err, &he) {
			assert.Equal(t, 599, he.Code)
		}
		if w.within > 0 {
			assert.Less(t, took, w.within, "time to the failure")
		}
		return
	}
	if w.code < 200 || w.code >= 300 {
		var he *httpclient.HTTPClientError
		require.ErrorAs(t, err, &he)
		require.NotNil(t, he.Response, "%v", err)
		resp = he.Response
	} else {
		require.NoError(t, err)
	}
	assert.Equal(t, w.code, resp.Code)
	assert.Equal(t, w.body, string(resp.Body))
}

// edition holds the words of one edition of the table.
type edition struct {
	// path is the page holding the table.
	path string
	// begin is the marker before the table.
	begin string
	// head is the table's header and rule lines.
	head string
	// what and rule give a row's description and Rule column.
	what, rule func(string) string
	// result describes an outcome.
	result func(want) string
	// request describes a request's options.
	request func(reqOpts) string
}

// english is the client section of docs/http-server.md.
var english = edition{
	path:    "../../docs/http-server.md",
	begin:   tableBegin,
	head:    "| Server | Sends | Request | Client's result | Rule |\n|---|---|---|---|---|\n",
	what:    func(s string) string { return s },
	rule:    func(s string) string { return s },
	result:  resultInEnglish,
	request: requestInEnglish,
}

// Markers around the generated table of the English page.
const (
	tableBegin = "<!-- BEGIN hostile-server table: generated by TestHostileServersDoc; edit final/httpclient/hostile_test.go -->\n"
	tableEnd   = "<!-- END hostile-server table -->\n"
)

// resultInEnglish describes w.
func resultInEnglish(w want) string {
	var b strings.Builder
	switch {
	case w.err != nil:
		fmt.Fprintf(&b, "599 `%s`", errName(w.err))
		if w.within > 0 {
			fmt.Fprintf(&b, " within %v", w.within)
		}
	case w.code >= 300:
		fmt.Fprintf(&b, "%d returned as `*HTTPClientError`", w.code)
	case w.body == "":
		fmt.Fprintf(&b, "%d, no body", w.code)
	default:
		fmt.Fprintf(&b, "%d, body `%s`", w.code, w.body)
	}
	switch {
	case w.requests == 1:
		b.WriteString(", after 1 request")
	case w.requests > 1:
		fmt.Fprintf(&b, ", after %d requests", w.requests)
	}
	if w.fresh {
		b.WriteString("; the connection is not reused: the next request gets its own answer on a new one")
	}
	return b.String()
}

// requestInEnglish describes o.
func requestInEnglish(o reqOpts) string {
	parts := requestParts(o)
	if len(parts) == 0 {
		return "GET"
	}
	return strings.Join(parts, ", ")
}

// requestParts lists o's settings as code spans, the same in every
// edition.
func requestParts(o reqOpts) []string {
	var parts []string
	if o.method != "" {
		parts = append(parts, "`"+o.method+"`")
	}
	if o.maxBody == testMaxBody {
		parts = append(parts, "`MaxBodySize: 1 MiB`")
	} else if o.maxBody > 0 {
		parts = append(parts, "`MaxBodySize: 2^62`")
	}
	if o.streaming {
		parts = append(parts, "`StreamingCallback`")
	}
	if o.timeout > 0 {
		parts = append(parts, fmt.Sprintf("`RequestTimeout: %v`", o.timeout))
	}
	return parts
}

// renderTable renders the table in the given edition.
func renderTable(ed edition) string {
	var b strings.Builder
	b.WriteString(ed.head)
	for _, c := range hostileServers {
		sends := c.sends
		if sends == "" {
			sends = c.script.sends
		}
		sends = strings.ReplaceAll(sends, "|", `\|`)
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", ed.what(c.what), sends, ed.request(c.opts), ed.result(c.want), ed.rule(c.rule))
	}
	return b.String()
}

// TestHostileServersDoc checks, or with -update rewrites, the table in
// the page and in its Chinese edition (hostile_zh_test.go).
func TestHostileServersDoc(t *testing.T) {
	for _, ed := range []edition{english, chinese} {
		t.Run(strings.TrimPrefix(ed.path, "../../"), func(t *testing.T) {
			table := renderTable(ed)
			testutil.CheckGenerated(t, ed.path, *updateDoc, "go test ./final/httpclient -run TestHostileServersDoc -update",
				testutil.Generated{Begin: ed.begin, End: tableEnd, Text: table})
			assert.NotContains(t, table, "`?`", "every error in the table has a name")
		})
	}
}

// errName returns the Go name of a sentinel error, for the doc.
func errName(err error) string {
	for name, e := range map[string]error{
		"ErrTooManyInterimResponses":    httpclient.ErrTooManyInterimResponses,
		"ErrBodyTooLarge":               httpclient.ErrBodyTooLarge,
		"ErrTimeoutRequest":             httpclient.ErrTimeoutRequest,
		"httputil.ErrBadContentLength":  httputil.ErrBadContentLength,
		"httputil.ErrTEAndCL":           httputil.ErrTEAndCL,
		"httputil.ErrBadChunkExtension": httputil.ErrBadChunkExtension,
		"httputil.ErrTrailerTooLarge":   httputil.ErrTrailerTooLarge,
		"httputil.ErrHeaderTooLarge":    httputil.ErrHeaderTooLarge,
		"httputil.ErrTooManyHeaders":    httputil.ErrTooManyHeaders,
		"httputil.ErrBadHeaderValue":    httputil.ErrBadHeaderValue,
		"httputil.ErrBadStatusLine":     httputil.ErrBadStatusLine,
		"iostream.ErrStreamClosed":      iostream.ErrStreamClosed,
		"io.ErrUnexpectedEOF":           io.ErrUnexpectedEOF,
		"gzip.ErrHeader":                gzip.ErrHeader,
	} {
		if e == err {
			return name
		}
	}
	return "?"
}
