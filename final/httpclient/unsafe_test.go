package httpclient_test

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/httputil"
)

// A method, header or User-Agent that would split the request is refused
// before anything is sent: the server never sees a connection.
func TestUnsafeRequestsAreRefusedBeforeSending(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	url := "http://" + ln.Addr().String() + "/"

	c := syncClient(t)
	for _, req := range []*httpclient.HTTPRequest{
		{URL: url, Method: "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET"},
		{URL: url, Method: "GE T"},
		{URL: url, Headers: httputil.NewHTTPHeaders("X-A", "v\r\nX-Injected: 1")},
		{URL: url, Headers: httputil.NewHTTPHeaders("X-A", "v\nb")},
		{URL: url, Headers: httputil.NewHTTPHeaders("Bad Name", "v")},
		{URL: url, UserAgent: "ua\r\nX-Injected: 1"},
	} {
		_, err := c.Fetch(req)
		var he *httpclient.HTTPClientError
		require.ErrorAs(t, err, &he, "%+v", req)
		assert.Equal(t, 599, he.Code)
		assert.ErrorIs(t, err, httpclient.ErrUnsafeRequest, "%+v", req)
	}
	assert.Zero(t, accepted.Load(), "nothing may be sent for an unsafe request")

	// A tab and obs-text are allowed in a value, and the request goes out.
	_, err = c.Fetch(&httpclient.HTTPRequest{URL: url, Method: "PATCH", Headers: httputil.NewHTTPHeaders("X-A", "a\tb \xe9")})
	assert.NotErrorIs(t, err, httpclient.ErrUnsafeRequest)
}
