package echoapp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/final/webtest"
)

func TestEchoTextBinaryAndCompression(t *testing.T) {
	webtest.CheckLeaks(t)
	s := webtest.Serve(t, App())
	big := bytes.Repeat([]byte("gornado "), 10_000)
	for _, compress := range []bool{false, true} {
		opts := websocket.ClientOptions{}
		if compress {
			opts.Compression = &websocket.CompressionOptions{}
		}
		s.Run(func(t testing.TB, c *gen.Co) error {
			conn, err := s.WebSocketConnect(c, "/echo", opts)
			require.NoError(t, err)
			assert.Equal(t, compress, conn.Deflate() != nil, "deflate negotiated when offered")
			for _, m := range []struct {
				data   []byte
				binary bool
			}{{[]byte("hello"), false}, {[]byte{0, 1, 2, 255}, true}, {big, false}} {
				conn.WriteMessage(m.data, m.binary)
				got, err := gen.Await(c, conn.ReadMessage())
				require.NoError(t, err)
				require.NotNil(t, got)
				assert.Equal(t, m.data, got.Data)
				assert.Equal(t, m.binary, got.Binary)
			}
			conn.Close(websocket.CloseNormalClosure, "")
			return nil
		})
	}
}

// The page that tries the echo is served at /.
func TestPage(t *testing.T) {
	s := webtest.Serve(t, App())
	resp := s.Fetch("/")
	assert.Equal(t, 200, resp.Code)
	assert.Equal(t, page, resp.Body)
}
