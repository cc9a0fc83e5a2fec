package httpclient_test

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// syncClient returns a blocking client closed at the end of the test.
func syncClient(t *testing.T) *httpclient.HTTPClient {
	c, err := httpclient.NewHTTPClient()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// finalServer runs final's HTTPServer with a small echo handler.
func finalServer(t *testing.T) string {
	s := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		switch string(req.Path()) {
		case "/":
			req.Conn.Respond(200, nil, "text/plain", []byte("Hello, world"))
		case "/echo":
			req.Conn.Respond(200, nil, "text/plain", req.Body)
		default:
			req.Conn.Respond(404, nil, "text/plain", []byte("nope"))
		}
	}))
	s.Loops = 1
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start())
	t.Cleanup(func() { s.Close() })
	return "http://" + s.Addr("127.0.0.1")
}

func TestAgainstFinalServer(t *testing.T) {
	testutil.CheckLeaks(t)
	base := finalServer(t)
	c := syncClient(t)
	resp, err := c.FetchURL(base + "/")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Code)
	assert.Equal(t, "OK", resp.Reason)
	assert.Equal(t, "Hello, world", string(resp.Body))
	assert.Equal(t, "text/plain", resp.Headers.Get("Content-Type"))
	assert.Equal(t, base+"/", resp.EffectiveURL)
	assert.Positive(t, resp.RequestTime)

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: base + "/echo", Method: "POST", Body: []byte("ping")})
	require.NoError(t, err)
	assert.Equal(t, "ping", string(resp.Body))
	// Both went over one pooled connection.
	assert.Equal(t, 1, c.Async().IdleConnections())

	_, err = c.FetchURL(base + "/missing")
	var he *httpclient.HTTPClientError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 404, he.Code)
	require.NotNil(t, he.Response)
	assert.Equal(t, "nope", string(he.Response.Body))

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: base + "/missing", AllowNonOK: true})
	require.NoError(t, err)
	assert.Equal(t, 404, resp.Code)
}

func TestAgainstNetHTTP(t *testing.T) {
	var mu sync.Mutex
	var remotes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes = append(remotes, r.RemoteAddr)
		mu.Unlock()
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("part1,"))
			w.(http.Flusher).Flush()
			w.Write([]byte("part2"))
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write([]byte("unzipped"))
			zw.Close()
		case "/auth":
			u, p, ok := r.BasicAuth()
			fmt.Fprintf(w, "%v %s %s", ok, u, p)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %q %v", r.Method, r.Header.Get("Expect"), b, r.TransferEncoding)
		case "/head":
			w.Header().Set("Content-Length", "1234")
		default:
			w.Header().Set("X-Ua", r.Header.Get("User-Agent"))
			fmt.Fprint(w, "plain")
		}
	}))
	t.Cleanup(srv.Close)
	c := syncClient(t)

	resp, err := c.FetchURL(srv.URL + "/")
	require.NoError(t, err)
	assert.Equal(t, "plain", string(resp.Body))
	assert.Equal(t, httpclient.DefaultUserAgent, resp.Headers.Get("X-Ua"))

	resp, err = c.FetchURL(srv.URL + "/chunked")
	require.NoError(t, err)
	assert.Equal(t, "part1,part2", string(resp.Body))

	resp, err = c.FetchURL(srv.URL + "/gzip")
	require.NoError(t, err)
	assert.Equal(t, "unzipped", string(resp.Body))
	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/gzip", NoDecompress: true})
	require.NoError(t, err)
	assert.Equal(t, "gzip", resp.Headers.Get("Content-Encoding"))

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/auth", AuthUsername: "ann", AuthPassword: "s3cret"})
	require.NoError(t, err)
	assert.Equal(t, "true ann s3cret", string(resp.Body))

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/head", Method: "HEAD"})
	require.NoError(t, err)
	assert.Empty(t, resp.Body)

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/echo", Method: "PUT", Body: []byte("abc"), Expect100Continue: true})
	require.NoError(t, err)
	assert.Equal(t, `PUT 100-continue "abc" []`, string(resp.Body))

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/echo", Method: "POST", BodyProducer: func(write func([]byte) error) error {
		write([]byte("one,"))
		return write([]byte("two"))
	}})
	require.NoError(t, err)
	assert.Equal(t, `POST  "one,two" [chunked]`, string(resp.Body))

	// Keep-alive: every fetch above went over one connection.
	mu.Lock()
	for _, r := range remotes {
		assert.Equal(t, remotes[0], r)
	}
	mu.Unlock()

	// The server drops its idle connections: the pooled one is stale, and
	// the next fetch retries on a new one.
	srv.CloseClientConnections()
	resp, err = c.FetchURL(srv.URL + "/")
	require.NoError(t, err)
	assert.Equal(t, "plain", string(resp.Body))
}

func TestStreamingAndHeaderCallbacks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-A", "1")
		w.Write(bytes.Repeat([]byte("x"), 100000))
	}))
	t.Cleanup(srv.Close)
	c := syncClient(t)
	var lines []string
	n := 0
	resp, err := c.Fetch(&httpclient.HTTPRequest{
		URL:               srv.URL,
		StreamingCallback: func(b []byte) { n += len(b) },
		HeaderCallback:    func(l string) { lines = append(lines, l) },
	})
	require.NoError(t, err)
	assert.Empty(t, resp.Body)
	assert.Equal(t, 100000, n)
	require.NotEmpty(t, lines)
	assert.Equal(t, "HTTP/1.1 200 OK\r\n", lines[0])
	assert.Contains(t, lines, "X-A: 1\r\n")
	assert.Equal(t, "\r\n", lines[len(lines)-1])
}

func TestRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, auth := r.BasicAuth()
		fmt.Fprintf(w, "other auth=%v cookie=%q", auth, r.Header.Get("Cookie"))
	}))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/cross":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case "/see":
			http.Redirect(w, r, "/final", http.StatusSeeOther)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/final":
			_, _, auth := r.BasicAuth()
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "final %s auth=%v cookie=%q body=%q", r.Method, auth, r.Header.Get("Cookie"), b)
		}
	}))
	t.Cleanup(srv.Close)
	c := syncClient(t)
	cookie := httputil.NewHTTPHeaders("Cookie", "session=1")

	resp, err := c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/same", AuthUsername: "u", Headers: cookie})
	require.NoError(t, err)
	assert.Equal(t, `final GET auth=true cookie="session=1" body=""`, string(resp.Body))
	assert.Equal(t, srv.URL+"/final", resp.EffectiveURL)

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/cross", AuthUsername: "u", Headers: cookie})
	require.NoError(t, err)
	assert.Equal(t, `other auth=false cookie=""`, string(resp.Body), "credentials must not follow a cross-origin redirect")

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/see", Method: "POST", Body: []byte("data")})
	require.NoError(t, err)
	assert.Equal(t, `final GET auth=false cookie="" body=""`, string(resp.Body))

	_, err = c.FetchURL(srv.URL + "/loop")
	var he *httpclient.HTTPClientError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 302, he.Code)

	resp, err = c.Fetch(&httpclient.HTTPRequest{URL: srv.URL + "/same", NoFollowRedirects: true, AllowNonOK: true})
	require.NoError(t, err)
	assert.Equal(t, 302, resp.Code)
	assert.Equal(t, "/final", resp.Headers.Get("Location"))
}

func TestTimeoutsSayWhereTheyHappened(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	loop, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { loop.Close(true) })
	client := httpclient.New(loop)
	client.MaxClients = 1
	type result struct {
		a, b error
	}
	res, err := ioloop.RunSync(loop, func() *concurrent.Future[result] {
		out := concurrent.NewFuture[result]()
		fa := client.Fetch(&httpclient.HTTPRequest{URL: srv.URL, RequestTimeout: 200 * time.Millisecond})
		fb := client.Fetch(&httpclient.HTTPRequest{URL: srv.URL, ConnectTimeout: 50 * time.Millisecond})
		fa.AddDoneCallback(func(*concurrent.Future[*httpclient.HTTPResponse]) {
			fb.AddDoneCallback(func(*concurrent.Future[*httpclient.HTTPResponse]) {
				out.SetResult(result{fa.Exception(), fb.Exception()})
			})
		})
		return out
	}, 20*time.Second)
	require.NoError(t, err)
	assert.ErrorIs(t, res.a, httpclient.ErrTimeoutRequest)
	assert.ErrorIs(t, res.b, httpclient.ErrTimeoutInQueue)
	var he *httpclient.HTTPClientError
	require.ErrorAs(t, res.a, &he)
	assert.Equal(t, 599, he.Code)
	assert.Contains(t, he.Error(), "Timeout during request")
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}))
	t.Cleanup(srv.Close)
	c := syncClient(t)
	_, err := c.FetchURL(srv.URL)
	require.Error(t, err, "an unknown certificate must be refused")
	var x509err x509.UnknownAuthorityError
	assert.True(t, errors.As(err, &x509err) || strings.Contains(err.Error(), "certificate"), err.Error())

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.RootCAs = pool
	resp, err := c.Fetch(&httpclient.HTTPRequest{URL: srv.URL, TLSConfig: cfg})
	require.NoError(t, err)
	assert.Equal(t, "secure", string(resp.Body))
}

// rawServer answers every connection with reply and closes.
func rawServer(t *testing.T, reply string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.Read(buf)
				c.Write([]byte(reply))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return "http://" + ln.Addr().String()
}

func TestMalformedResponses(t *testing.T) {
	c := syncClient(t)
	for _, reply := range []string{
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"",
	} {
		_, err := c.FetchURL(rawServer(t, reply))
		var he *httpclient.HTTPClientError
		require.ErrorAs(t, err, &he, "%q", reply)
		assert.Equal(t, 599, he.Code, "%q", reply)
	}
	// A body delimited by close is fine.
	resp, err := c.FetchURL(rawServer(t, "HTTP/1.0 200 OK\r\n\r\nuntil close"))
	require.NoError(t, err)
	assert.Equal(t, "until close", string(resp.Body))
}

func TestBadURL(t *testing.T) {
	c := syncClient(t)
	for _, u := range []string{"ftp://127.0.0.1/", "no-scheme", "http://127.0.0.1:99999/"} {
		_, err := c.FetchURL(u)
		assert.ErrorIs(t, err, httpclient.ErrBadURL, u)
	}
}

func TestMaxClientsQueues(t *testing.T) {
	var mu sync.Mutex
	active, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		active++
		peak = max(peak, active)
		mu.Unlock()
		time.Sleep(time.Millisecond) // lets other requests overlap if the client allowed it
		mu.Lock()
		active--
		mu.Unlock()
		fmt.Fprint(w, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	loop, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { loop.Close(true) })
	client := httpclient.New(loop)
	client.MaxClients = 2
	bodies, err := ioloop.RunSync(loop, func() *concurrent.Future[[]string] {
		out := concurrent.NewFuture[[]string]()
		got := make([]string, 8)
		left := len(got)
		for i := range got {
			client.FetchURL(fmt.Sprintf("%s/%d", srv.URL, i)).AddDoneCallback(func(f *concurrent.Future[*httpclient.HTTPResponse]) {
				if resp, err := f.Result(); err == nil {
					got[i] = string(resp.Body)
				} else {
					got[i] = err.Error()
				}
				if left--; left == 0 {
					out.SetResult(got)
				}
			})
		}
		return out
	}, 20*time.Second)
	require.NoError(t, err)
	for i, b := range bodies {
		assert.Equal(t, fmt.Sprintf("/%d", i), b)
	}
	mu.Lock()
	assert.LessOrEqual(t, peak, 2, "MaxClients bounds the requests in flight")
	mu.Unlock()
	assert.LessOrEqual(t, client.IdleConnections(), 2)
}

// fullListener returns the address of a socket whose accept queue is full,
// so that a new connection's handshake never completes: a connect that
// times out, on 127.0.0.1.
func fullListener(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: these connect (the kernel completes a backlog's
	// worth of handshakes) and are never accepted.
	for range 4 {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	return addr
}

func TestConnectTimeout(t *testing.T) {
	addr := fullListener(t)
	c := syncClient(t)
	_, err := c.Fetch(&httpclient.HTTPRequest{URL: "http://" + addr + "/", ConnectTimeout: 100 * time.Millisecond})
	require.ErrorIs(t, err, httpclient.ErrTimeoutConnecting)
	assert.Contains(t, err.Error(), "Timeout while connecting")
}
