package http1connection_test

import (
	"bytes"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpserver"
)

// streamedResponse answers every request with a chunked body written in
// eight 4 KiB writes, none of them awaited; on /detach it detaches
// instead and reports the stream's write limit.
type streamedResponse struct {
	// c is the connection, path the request's target; detached receives
	// the detached stream's MaxWriteBufferSize.
	c        *http1connection.Conn
	path     string
	detached chan int
}

func (d *streamedResponse) StartRequest(c *http1connection.Conn) http1connection.MessageDelegate {
	d.c = c
	return d
}
func (d *streamedResponse) OnClose(*http1connection.Conn) {}
func (d *streamedResponse) HeadersReceived(req *http1connection.Request) error {
	d.path = string(req.Target())
	return nil
}
func (d *streamedResponse) DataReceived([]byte) error { return nil }
func (d *streamedResponse) OnConnectionClose()        {}
func (d *streamedResponse) Finish() {
	if d.path == "/detach" {
		s, _ := d.c.Detach()
		d.detached <- s.MaxWriteBufferSize
		s.Close()
		return
	}
	d.c.WriteHeaders(200, nil, nil)
	for i := range 8 {
		d.c.Write(bytes.Repeat([]byte{'a' + byte(i)}, 4096))
	}
	d.c.Finish()
}

func TestResponsesIgnoreTheStreamsWriteLimit(t *testing.T) {
	// A response leaves in several writes (head, chunk sizes, chunks,
	// CRLFs, the last chunk): were the stream's write limit to refuse one
	// of them, the response would be cut in the middle and the next one
	// misread. The connection turns the limit off; here it is 1 KiB, and
	// 32 KiB written without waiting arrive whole, twice.
	checkLeaks(t)
	g, err := ioloop.StartGroup(1, quietLogger())
	require.NoError(t, err)
	t.Cleanup(func() { g.Stop() })
	d := &streamedResponse{detached: make(chan int, 1)}
	srv := tcpserver.New(func(stream *iostream.IOStream, addr net.Addr) {
		stream.MaxWriteBufferSize = 1024
		http1connection.New(stream, addr, "http", nil, d).Start()
	})
	require.NoError(t, srv.Listen(g.Loops()[0], 0, "127.0.0.1"))
	t.Cleanup(srv.Stop)
	c := dial(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.Ports()[0])))
	var want []byte
	for i := range 8 {
		want = append(want, bytes.Repeat([]byte{'a' + byte(i)}, 4096)...)
	}
	for range 2 {
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := c.response("GET")
		assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
		assert.Equal(t, string(want), body)
	}
	// A protocol that takes the stream over gets the default limit back.
	c.send("GET /detach HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, iostream.DefaultMaxWriteBufferSize, testutil.Recv(t, d.detached, "Detach"))
}
