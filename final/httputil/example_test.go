package httputil_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/gornado/gornado/final/httputil"
)

// A server parses request heads as bytes arrive: ErrNeedMore until the head
// is complete, then the head and where its body starts.
func ExampleRequestParser() {
	var parser httputil.RequestParser
	var head httputil.RequestHead
	wire := "POST /upload?id=7 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello"

	var buf []byte
	for _, piece := range []string{wire[:20], wire[20:45], wire[45:]} {
		buf = append(buf, piece...)
		n, err := parser.Parse(buf, &head)
		if errors.Is(err, httputil.ErrNeedMore) {
			fmt.Println("need more")
			continue
		}
		if err != nil {
			fmt.Println("answer", httputil.StatusOf(err), "and close")
			return
		}
		fmt.Println(head.Method, string(head.Target), head.Version, string(head.Host))
		fmt.Println(head.Framing, head.ContentLength, "keep-alive:", head.KeepAlive)
		fmt.Printf("body %q\n", buf[n:])
	}
	// Output:
	// need more
	// need more
	// POST /upload?id=7 HTTP/1.1 example.com
	// length 5 keep-alive: true
	// body "hello"
}

// A smuggling attempt gets an *HTTPInputError carrying the status to answer.
func ExampleHTTPInputError() {
	var parser httputil.RequestParser
	var head httputil.RequestHead
	_, err := parser.Parse([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"), &head)
	var ie *httputil.HTTPInputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Status, ie, errors.Is(err, httputil.ErrTEAndCL))
	}
	// Output: 400 httputil: both Transfer-Encoding and Content-Length true
}

// Chunked bodies decode in place: each call returns a sub-slice of its input.
func ExampleChunkedDecoder() {
	var d httputil.ChunkedDecoder
	src := []byte("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Sum: 42\r\n\r\nNEXT")
	var body []byte
	for {
		n, data, err := d.Decode(src)
		body = append(body, data...)
		src = src[n:]
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("%s | %s | left %q\n", body, d.Trailers().Get("X-Sum"), src)
	// Output: hello, world | 42 | left "NEXT"
}

func ExampleHTTPHeaders() {
	h := httputil.NewHTTPHeaders("content-type", "text/html", "Set-Cookie", "a=1")
	h.Add("set-cookie", "b=2")
	fmt.Println(h.Get("Content-Type"))
	fmt.Println(h.Get("Set-Cookie"))
	fmt.Println(h.GetList("SET-COOKIE"))
	for name, value := range h.All() {
		fmt.Println(name + ": " + value)
	}
	// Output:
	// text/html
	// a=1,b=2
	// [a=1 b=2]
	// Content-Type: text/html
	// Set-Cookie: a=1
	// Set-Cookie: b=2
}

func ExampleParseCookie() {
	c := httputil.ParseCookie(`session=abc123; theme="dark\073mode"; unnamed`)
	fmt.Println(c["session"], c["theme"], c[""])
	// Output: abc123 dark;mode unnamed
}

func ExampleResponseParser() {
	var p httputil.ResponseParser
	var resp httputil.ResponseHead
	n, err := p.Parse([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "GET", &resp)
	fmt.Println(n, err, resp.StatusCode, string(resp.Reason), resp.Framing, resp.KeepAlive)
	// Output: 47 <nil> 200 OK chunked true
}

// The loop a connection runs over its read buffer: a head, then its body by
// the head's framing, then the next pipelined request. (A real connection
// reads more bytes on ErrNeedMore, and when Decode has consumed everything
// without io.EOF; this buffer holds everything at once.)
func ExampleRequestParser_pipelined() {
	buf := []byte("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n" +
		"GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	var (
		parser  httputil.RequestParser
		head    httputil.RequestHead
		chunked httputil.ChunkedDecoder
	)
	for len(buf) > 0 {
		n, err := parser.Parse(buf, &head)
		if err != nil {
			fmt.Println("answer", httputil.StatusOf(err), "and close")
			return
		}
		buf = buf[n:]
		if err := head.CheckBodySize(httputil.DefaultMaxBodySize); err != nil {
			fmt.Println("answer", httputil.StatusOf(err), "and close")
			return
		}
		var body []byte
		switch head.Framing {
		case httputil.FramingLength:
			body, buf = buf[:head.ContentLength], buf[head.ContentLength:]
		case httputil.FramingChunked:
			chunked.Reset()
			for {
				n, data, err := chunked.Decode(buf)
				body = append(body, data...)
				buf = buf[n:]
				if err == io.EOF {
					break
				}
				if err != nil {
					fmt.Println("answer", httputil.StatusOf(err), "and close")
					return
				}
			}
		}
		fmt.Printf("%s %s body=%q keep-alive=%v\n", head.Method, head.Target, body, head.KeepAlive)
		if !head.KeepAlive {
			break
		}
	}
	// Output:
	// POST /a body="abc" keep-alive=true
	// POST /b body="def" keep-alive=true
	// GET /c body="" keep-alive=false
}
