package http1connection_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gornado/gornado/final/httpserver"
)

func TestRespondNoCopy(t *testing.T) {
	// A static body, small or large, whole or streamed, arrives intact
	// with its Content-Length; HEAD gets the length and no body.
	checkLeaks(t)
	big := bytes.Repeat([]byte("static "), 20000)
	addr := startServer(t, httpserver.HandlerFunc(func(req *httpserver.Request) {
		c := req.Conn
		switch string(req.Path()) {
		case "/big":
			c.RespondNoCopy(200, nil, "text/plain", big)
		case "/small":
			c.RespondNoCopy(200, nil, "text/plain", big[:10])
		case "/streamed":
			c.WriteHeaders(200, nil, nil)
			c.WriteNoCopy(big)
			c.WriteNoCopy(big[:7])
			c.Finish()
		}
	}), nil)
	c := dial(t, addr)
	for range 2 {
		c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := c.response("GET")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, int64(len(big)), resp.ContentLength)
		assert.Equal(t, string(big), body)
	}
	c.send("GET /small HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := c.response("GET")
	assert.Equal(t, "static sta", body)
	resp, body := c.response("HEAD")
	assert.Equal(t, int64(len(big)), resp.ContentLength)
	assert.Empty(t, body)
	c.send("GET /streamed HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = c.response("GET")
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
	assert.Equal(t, string(big)+"static ", body)
}
