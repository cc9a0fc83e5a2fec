package echoapp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/websocket"
)

func TestEchoTextBinaryAndCompression(t *testing.T) {
	s, err := Start("127.0.0.1:0", 2)
	require.NoError(t, err)
	defer s.HTTP.Close()
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(true)
	url := "ws" + strings.TrimPrefix(s.URL, "http") + "/echo"
	big := bytes.Repeat([]byte("gornado "), 10_000)
	for _, compress := range []bool{false, true} {
		opts := websocket.ClientOptions{}
		if compress {
			opts.Compression = &websocket.CompressionOptions{}
		}
		_, err := gen.Run(loop, 5*time.Second, func(co *gen.Co) (struct{}, error) {
			conn, err := gen.Await(co, websocket.WebSocketConnect(co.Loop(), url, opts))
			if err != nil {
				return struct{}{}, err
			}
			assert.Equal(t, compress, conn.Deflate() != nil, "deflate negotiated when offered")
			for _, m := range []struct {
				data   []byte
				binary bool
			}{{[]byte("hello"), false}, {[]byte{0, 1, 2, 255}, true}, {big, false}} {
				conn.WriteMessage(m.data, m.binary)
				got, err := gen.Await(co, conn.ReadMessage())
				if err != nil {
					return struct{}{}, err
				}
				require.NotNil(t, got)
				assert.Equal(t, m.data, got.Data)
				assert.Equal(t, m.binary, got.Binary)
			}
			conn.Close(websocket.CloseNormalClosure, "")
			return struct{}{}, nil
		})
		require.NoError(t, err)
	}
}
