package http1connection_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/httputil"
)

const getReq = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

func TestKeepAliveServesManyRequests(t *testing.T) {
	checkLeaks(t)
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	for range 3 {
		c.send(getReq)
		resp, body := c.response("GET")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "hello", body)
		assert.False(t, resp.Close)
		assert.NotEmpty(t, resp.Header.Get("Date"))
	}
}

// postReq is a request with a Content-Length body.
const postReq = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"

// chunkedReq is the same body chunked, with an extension and a trailer.
const chunkedReq = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
	"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"

func TestRequestSplitEveryWay(t *testing.T) {
	addr := startServer(t, nil, nil)
	for _, req := range []string{getReq, postReq, chunkedReq} {
		method, want := "GET", "hello"
		if strings.HasPrefix(req, "POST") {
			method, want = "POST", "hello world"
		}
		t.Run("whole", func(t *testing.T) {
			c := dial(t, addr)
			c.send(req)
			_, body := c.response(method)
			assert.Equal(t, want, body)
		})
		t.Run("bytewise", func(t *testing.T) {
			c := dial(t, addr)
			c.sendBytewise(req)
			_, body := c.response(method)
			assert.Equal(t, want, body)
		})
		t.Run("random", func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(len(req))))
			c := dial(t, addr)
			for range 20 {
				rest := req
				for len(rest) > 0 {
					k := 1 + rng.Intn(len(rest))
					c.send(rest[:k])
					rest = rest[k:]
				}
				_, body := c.response(method)
				require.Equal(t, want, body)
			}
		})
	}
}

func TestPipelinedResponsesInOrder(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	// A slow answer in the middle must not let later ones overtake it.
	c.send(getReq + postReq + "GET /later HTTP/1.1\r\nHost: x\r\n\r\n" + chunkedReq + getReq)
	for _, want := range []string{"hello", "hello world", "later", "hello world", "hello"} {
		method := "GET"
		if strings.Contains(want, " ") {
			method = "POST"
		}
		_, body := c.response(method)
		assert.Equal(t, want, body)
	}
}

func TestPipelinedBatchLeavesInOneWrite(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	const n = 32
	c.send(strings.Repeat(getReq, n))
	// The responses of one batch are gathered into one write: the first
	// read returns them all (one segment of well under the MSS each... the
	// kernel may still split, so read until all are in and count reads).
	buf := make([]byte, 64*1024)
	got, reads := 0, 0
	for got < n {
		k, err := c.c.Read(buf)
		require.NoError(t, err)
		reads++
		got += bytes.Count(buf[:k], []byte("hello"))
	}
	assert.Equal(t, n, got)
	assert.LessOrEqual(t, reads, 2, "responses of one pipelined batch should leave together")
}

func TestConnectionCloseServesNothingAfter(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + getReq)
	resp, body := c.response("GET")
	assert.Equal(t, "hello", body)
	assert.True(t, resp.Close)
	c.expectClosed()
}

func TestHTTP10KeepAlive(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body := c.response("GET")
	assert.Equal(t, "hello", body)
	assert.Equal(t, "keep-alive", resp.Header.Get("Connection"))
	c.send("GET / HTTP/1.0\r\n\r\n")
	_, body = c.response("GET")
	assert.Equal(t, "hello", body)
	c.expectClosed()
}

func TestNoKeepAlive(t *testing.T) {
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.NoKeepAlive = true })
	c := dial(t, addr)
	c.send(getReq + getReq)
	resp, _ := c.response("GET")
	assert.True(t, resp.Close)
	c.expectClosed()
}

func TestExpect100Continue(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	line, err := c.br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	line, err = c.br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "\r\n", line)
	c.send("abcde")
	resp, body := c.response("POST")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "abcde", body)
}

func TestBodyTooLargeAnsweredBeforeReading(t *testing.T) {
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.MaxBodySize = 10 })
	c := dial(t, addr)
	// No body is sent: the answer must come from the head alone, without
	// 100 Continue.
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
	resp, _ := c.response("POST")
	assert.Equal(t, 413, resp.StatusCode)
	assert.True(t, resp.Close)
	c.expectClosed()

	// A chunked body is counted as it is decoded.
	c = dial(t, addr)
	c.send(chunkedReq)
	resp, _ = c.response("POST")
	assert.Equal(t, 413, resp.StatusCode)
	c.expectClosed()
}

func TestHeadAnd204And304HaveNoBody(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n" + getReq)
	resp, body := c.response("HEAD")
	assert.Equal(t, "5", resp.Header.Get("Content-Length"))
	assert.Empty(t, body)
	resp, _ = c.response("GET")
	assert.Equal(t, 204, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Transfer-Encoding"))
	resp, _ = c.response("GET")
	assert.Equal(t, 304, resp.StatusCode)
	// If any of them had sent a body, this would not parse as "hello".
	_, body = c.response("GET")
	assert.Equal(t, "hello", body)
}

func TestChunkedResponseWhenLengthUnknown(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response("GET")
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
	assert.Equal(t, "abcd", body)

	// HTTP/1.0 has no chunked coding: the body runs until close.
	c = dial(t, addr)
	c.send("GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	raw := c.raw()
	assert.NotContains(t, raw, "chunked")
	assert.True(t, strings.HasSuffix(raw, "\r\n\r\nabcd"), raw)
}

func TestAnswerAfterAsyncWork(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := c.response("GET")
	assert.Equal(t, "later", body)
	c.send(getReq)
	_, body = c.response("GET")
	assert.Equal(t, "hello", body)
}

func TestPanicAnswers500AndServingGoesOn(t *testing.T) {
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := c.response("GET")
	assert.Equal(t, 500, resp.StatusCode)
	c2 := dial(t, addr)
	c2.send(getReq)
	_, body := c2.response("GET")
	assert.Equal(t, "hello", body)
}

func gzipped(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func TestDecompressRequest(t *testing.T) {
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) {
		s.DecompressRequest = true
		s.MaxBodySize = 1000
	})
	body := gzipped(t, []byte("hello gzip"))
	c := dial(t, addr)
	c.send(fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	resp, got := c.response("POST")
	assert.Equal(t, "hello gzip", got)
	assert.Equal(t, "gzip", resp.Header.Get("X-Consumed"))

	// The limit applies to the decompressed size: a small bomb is 413.
	bomb := gzipped(t, make([]byte, 100000))
	require.Less(t, len(bomb), 1000)
	c = dial(t, addr)
	c.send(fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(bomb), bomb))
	resp, _ = c.response("POST")
	assert.Equal(t, 413, resp.StatusCode)
	c.expectClosed()

	// Not gzip at all: 400.
	c = dial(t, addr)
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc")
	resp, _ = c.response("POST")
	assert.Equal(t, 400, resp.StatusCode)
}

func TestWithoutDecompressTheBodyIsAsSent(t *testing.T) {
	addr := startServer(t, nil, nil)
	body := gzipped(t, []byte("hello gzip"))
	c := dial(t, addr)
	c.send(fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	_, got := c.response("POST")
	assert.Equal(t, string(body), got)
}

func TestLimits(t *testing.T) {
	addr := startServer(t, nil, nil)
	cases := []struct {
		name, req string
		status    int
	}{
		{"header block over 64 KiB", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 1000)+"\r\n", 70) + "\r\n", 431},
		{"request line over 8 KiB", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"too many fields", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: a\r\n", 200) + "\r\n", 431},
		{"body over 100 MiB", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 104857601\r\n\r\n", 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			c.send(tc.req)
			resp, _ := c.response("GET")
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.True(t, resp.Close)
			c.expectClosed()
		})
	}
}

// hostile are malformed requests and the status each must get; the
// connection always closes after it. The full rule table is httputil's
// (docs/http-hostile-input.md); these check that the connection answers
// what the parser decides.
var hostile = []struct {
	name, req string
	status    int
}{
	{"bad request line", "GET /\r\n\r\n", 400},
	{"unsupported version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	{"missing host", "GET / HTTP/1.1\r\n\r\n", 400},
	{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
	{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400},
	{"signed content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400},
	{"conflicting content-lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400},
	{"TE and CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE not chunked last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
	{"TE twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	{"TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"unknown coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n", 501},
	{"chunk size 0x", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400},
	{"chunk size signed", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400},
	{"chunk without CRLF", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400},
	{"chunk size overflow", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400},
}

func TestHostileInput(t *testing.T) {
	addr := startServer(t, nil, nil)
	for _, tc := range hostile {
		for _, mode := range []string{"whole", "bytewise"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				c := dial(t, addr)
				if mode == "whole" {
					c.send(tc.req + getReq)
				} else {
					c.sendBytewise(tc.req)
				}
				resp, _ := c.response("GET")
				assert.Equal(t, tc.status, resp.StatusCode)
				assert.True(t, resp.Close)
				// Nothing after the bad request is served.
				c.expectClosed()
			})
		}
	}
	// The server still serves everyone else.
	c := dial(t, addr)
	c.send(getReq)
	_, body := c.response("GET")
	assert.Equal(t, "hello", body)
}

func TestIdleTimeoutClosesConnection(t *testing.T) {
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.IdleConnectionTimeout = 50 * time.Millisecond })
	c := dial(t, addr)
	c.send(getReq)
	_, body := c.response("GET")
	assert.Equal(t, "hello", body)
	start := time.Now()
	c.expectClosed() // idle after a response
	assert.Less(t, time.Since(start), 15*time.Second)
}

func TestBodyTimeoutClosesSlowBody(t *testing.T) {
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.BodyTimeout = 50 * time.Millisecond })
	c := dial(t, addr)
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	c.expectClosed()
}

func TestXHeaders(t *testing.T) {
	req := "GET /info HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nX-Forwarded-Proto: https\r\n\r\n"
	addr := startServer(t, nil, nil)
	c := dial(t, addr)
	c.send(req)
	_, body := c.response("GET")
	assert.Equal(t, "127.0.0.1 http", body, "xheaders are ignored unless enabled")

	addr = startServer(t, nil, func(s *httpserver.HTTPServer) {
		s.XHeaders = true
		s.TrustedDownstream = []string{"10.0.0.2"}
	})
	c = dial(t, addr)
	c.send(req)
	_, body = c.response("GET")
	assert.Equal(t, "10.0.0.1 https", body)
	c.send("GET /info HTTP/1.1\r\nHost: x\r\nX-Real-Ip: 192.0.2.7\r\nX-Scheme: javascript\r\n\r\n")
	_, body = c.response("GET")
	assert.Equal(t, "192.0.2.7 http", body, "X-Real-Ip wins; an unknown scheme is ignored")
	c.send("GET /info HTTP/1.1\r\nHost: x\r\nX-Real-Ip: not-an-ip\r\n\r\n")
	_, body = c.response("GET")
	assert.Equal(t, "127.0.0.1 http", body, "an invalid address is ignored and the next request starts fresh")
}

// streamer is a delegate that records how the body arrives.
type streamer struct {
	mu     sync.Mutex
	chunks []string
	closed chan struct{}
	req    *http1connection.Request
}

func (s *streamer) StartRequest(*http1connection.Conn) http1connection.MessageDelegate { return s }
func (s *streamer) OnClose(*http1connection.Conn)                                      {}
func (s *streamer) HeadersReceived(req *http1connection.Request) error {
	s.req = req
	if req.Method() == "PUT" {
		return httputil.ErrBadForm // refused from the head
	}
	return nil
}
func (s *streamer) DataReceived(chunk []byte) error {
	s.mu.Lock()
	s.chunks = append(s.chunks, string(chunk))
	s.mu.Unlock()
	return nil
}
func (s *streamer) Finish() {
	if string(s.req.Path()) == "/hold" {
		return // never answer: the client goes away
	}
	s.req.Conn.Respond(200, nil, "text/plain", []byte("ok"))
}
func (s *streamer) OnConnectionClose() { close(s.closed) }

func TestStreamingDelegate(t *testing.T) {
	st := &streamer{closed: make(chan struct{})}
	s := httpserver.NewWithDelegate(st)
	addr := runServer(t, s, func(s *httpserver.HTTPServer) { s.ChunkSize = 4 })
	c := dial(t, addr)
	c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
	_, body := c.response("POST")
	assert.Equal(t, "ok", body)
	st.mu.Lock()
	assert.Equal(t, []string{"0123", "4567", "89"}, st.chunks)
	st.mu.Unlock()

	c.send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na")
	resp, _ := c.response("PUT")
	assert.Equal(t, 400, resp.StatusCode)
	c.expectClosed()

	// OnConnectionClose tells a delegate that the client left.
	c = dial(t, addr)
	c.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
	c.c.Close()
	select {
	case <-st.closed:
	case <-time.After(20 * time.Second):
		t.Fatal("OnConnectionClose was not called")
	}
}

func TestManyConnectionsAtOnce(t *testing.T) {
	addr := startServer(t, nil, nil)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			cl := &client{t: t, c: c, br: bufioReader(c)}
			for range 5 {
				if _, err := c.Write([]byte(postReq)); !assert.NoError(t, err) {
					return
				}
				_, body := cl.response("POST")
				assert.Equal(t, "hello world", body, "conn %d", i)
			}
		}()
	}
	wg.Wait()
}

// A bad head that follows an answered request on the same connection is
// answered like one that comes first: the previous response is over, so
// its status goes out before the close. Pipelined or sent after the answer
// was read, and for each kind of refusal.
func TestBadHeadAfterAGoodRequestIsAnswered(t *testing.T) {
	addr := startServer(t, nil, func(s *httpserver.HTTPServer) { s.MaxBodySize = 10 })
	good := "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
	bad := map[string]struct {
		head   string
		status int
	}{
		"malformed":      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
		"not a request":  {"\x00\x01garbage\r\n\r\n", 400},
		"too large body": {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", 413},
		"bad version":    {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	}
	for name, b := range bad {
		for _, pipelined := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, pipelined %t", name, pipelined), func(t *testing.T) {
				c := dial(t, addr)
				if pipelined {
					c.send(good + b.head)
				} else {
					c.send(good)
				}
				resp, _ := c.response("GET")
				assert.Equal(t, 200, resp.StatusCode)
				if !pipelined {
					c.send(b.head)
				}
				resp, _ = c.response("GET")
				assert.Equal(t, b.status, resp.StatusCode)
				c.expectClosed()
			})
		}
	}
}

// A client that pipelines requests for large answers and reads none must
// not make the server buffer every answer: the connection takes the next
// request only while less than 64 KiB of answers wait to be sent, as
// Tornado reads the next request only once the last response is written.
// The handler sees how much its connection holds unsent when it runs.
func TestPipelinedAnswersAreNotBufferedWithoutBound(t *testing.T) {
	const size, requests = 128 << 10, 300
	body := bytes.Repeat([]byte("x"), size)
	var mu sync.Mutex
	handled, most := 0, 0
	addr := startServer(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		mu.Lock()
		handled++
		most = max(most, req.Conn.Stream().Queued())
		mu.Unlock()
		req.Conn.Respond(200, nil, "application/octet-stream", body)
	}), nil)
	c := dial(t, addr)
	// All requests leave before any answer is read: the server reads them
	// in one or a few reads, and answers as fast as it may.
	c.send(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", requests))
	for i := 0; i < requests; i++ {
		resp, got := c.response("GET")
		require.Equal(t, 200, resp.StatusCode)
		require.Len(t, got, size)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, requests, handled, "every request answered, in the end")
	assert.LessOrEqual(t, most, 64<<10, "unsent bytes when a request was taken")
}
