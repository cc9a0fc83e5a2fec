// Many loops serving one Application at once. The WebSocket routes and
// coroutine panics are tested on webtest, in webtest_test.go.

package web

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
)

func TestManyLoopsAtOnce(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL("/", &helloHandler{}),
		URL(`/args/(\w+)/(\d+)`, &argsHandler{Prefix: "p:"}),
		URL("/co", &coHandler{}),
		URL("/legacy", &FallbackHandler{Fallback: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("legacy")) })}),
	}, Settings{Logger: quiet})
	server := httpserver.NewWithDelegate(app)
	server.Loops = 4
	require.NoError(t, server.Bind(0, "127.0.0.1"))
	require.NoError(t, server.Start())
	defer server.Close()
	base := "http://" + server.Addr("127.0.0.1")
	want := map[string]string{"/": "Hello, world", "/args/a/1": "p:a,1", "/co": "before after", "/legacy": "legacy"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{}}
			defer c.Transport.(*http.Transport).CloseIdleConnections()
			for i := range 40 {
				for path, body := range want {
					if i%2 == 1 && path == "/co" {
						continue
					}
					resp, err := c.Get(base + path)
					if !assert.NoError(t, err) {
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					assert.Equal(t, body, string(b))
				}
			}
		}()
	}
	wg.Wait()
}
