package web

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type reasonHandler struct{ RequestHandler }

func (h *reasonHandler) Get(args ...string) error {
	switch args[0] {
	case "fine":
		h.SetStatus(299, "Fine Indeed")
	case "split":
		h.SetStatus(200, "OK\r\nX-Injected: yes")
	}
	return h.WriteString("body")
}

// statusLine sends a GET on a raw connection and returns the status line
// and the header block, so the test sees the bytes, not a client's reading.
func statusLine(t *testing.T, base, path string) (string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	var head strings.Builder
	for {
		h, err := r.ReadString('\n')
		if err != nil || h == "\r\n" {
			break
		}
		head.WriteString(h)
	}
	return line, head.String()
}

// SetStatus(code, reason) puts the reason on the status line, as Tornado
// does, and a reason that would split the response is refused.
func TestSetStatusReasonOnTheStatusLine(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL(`/r/(\w+)`, &reasonHandler{})}, Settings{}))

	line, _ := statusLine(t, base, "/r/fine")
	assert.Equal(t, "HTTP/1.1 299 Fine Indeed\r\n", line)

	line, _ = statusLine(t, base, "/r/plain")
	assert.Equal(t, "HTTP/1.1 200 OK\r\n", line)

	line, head := statusLine(t, base, "/r/split")
	assert.Equal(t, "HTTP/1.1 500 Internal Server Error\r\n", line)
	assert.NotContains(t, head, "X-Injected")
}
