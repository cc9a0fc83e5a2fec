package httpserver_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

func TestServeNetHTTPHandler(t *testing.T) {
	testutil.CheckLeaks(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s via %s host=%s", r.URL.Query().Get("name"), r.Proto, r.Host)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Len", fmt.Sprint(r.ContentLength))
		w.WriteHeader(201)
		w.Write(b)
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("one,"))
		w.(http.Flusher).Flush()
		w.Write([]byte("two"))
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })

	s := httpserver.New(httpserver.HTTPHandler(mux))
	g, err := ioloop.StartGroup(1, ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start(g.Loops()...))
	defer func() {
		s.Close()
		g.Stop()
	}()
	base := "http://" + s.Addr("127.0.0.1")
	client := &http.Client{}
	defer client.CloseIdleConnections()

	get := func(path string) (*http.Response, string) {
		resp, err := client.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	resp, body := get("/hello?name=ann")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "hello ann via HTTP/1.1 host="+strings.TrimPrefix(base, "http://"), body)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"), "sniffed as net/http does")
	assert.Equal(t, int64(len(body)), resp.ContentLength)

	resp, err = client.Post(base+"/echo", "text/plain", strings.NewReader("payload"))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "payload", string(b))
	assert.Equal(t, "7", resp.Header.Get("X-Len"))

	resp, body = get("/stream")
	assert.Equal(t, "one,two", body)
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)

	resp, _ = get("/panic")
	assert.Equal(t, 500, resp.StatusCode)
	resp, _ = get("/missing")
	assert.Equal(t, 404, resp.StatusCode)

	// HEAD gets the length without the body.
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprint(c, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	hr, err := http.ReadResponse(br, &http.Request{Method: "HEAD"})
	require.NoError(t, err)
	assert.Equal(t, "26", hr.Header.Get("Content-Length"))
	gr, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	require.NoError(t, err)
	b, _ = io.ReadAll(gr.Body)
	assert.Equal(t, "hello  via HTTP/1.1 host=x", string(b))
}
