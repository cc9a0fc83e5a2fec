// A FallbackHandler's net/http handler sees its request's context end when
// its client goes away, as under net/http, however the application is
// served.

package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
)

// fetchOn sends a GET for path on c and returns the response's body.
func fetchOn(t *testing.T, c net.Conn, br *bufio.Reader, path string) string {
	t.Helper()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// fetchFrom fetches path from addr on a connection of its own.
func fetchFrom(t *testing.T, addr, path string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return fetchOn(t, c, bufio.NewReader(c), path)
}

// A net/http handler mounted with FallbackHandler blocks on
// r.Context().Done(), as a long poll or a slow query does; when its client
// leaves, the context ends with context.Canceled, and the application
// serves others all along. The fallback's request may come first on its
// connection or after a handler of the application's own.
func TestFallbackContextEndsWhenTheClientLeaves(t *testing.T) {
	for name, serve := range map[string]func(*testing.T, *Application) string{
		"New": func(t *testing.T, app *Application) string {
			addr, _ := serveOn(t, app, func(app *Application) *httpserver.HTTPServer { return httpserver.New(app) })
			return addr
		},
		"NewWithDelegate": func(t *testing.T, app *Application) string {
			addr, _ := serveOn(t, app, func(app *Application) *httpserver.HTTPServer { return httpserver.NewWithDelegate(app) })
			return addr
		},
		// Under net/http the fallback gets net/http's own request.
		"ServeHTTP": func(t *testing.T, app *Application) string {
			srv := httptest.NewServer(app)
			t.Cleanup(func() {
				srv.Close()
				app.Close()
			})
			return strings.TrimPrefix(srv.URL, "http://")
		},
	} {
		t.Run(name, func(t *testing.T) {
			entered, ended := make(chan struct{}, 1), make(chan error, 1)
			fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/legacy/hello" {
					io.WriteString(w, "legacy hello")
					return
				}
				entered <- struct{}{}
				<-r.Context().Done()
				ended <- r.Context().Err()
			})
			app := NewApplication([]*URLSpec{
				URL("/", &helloHandler{}),
				URL("/legacy/.*", &FallbackHandler{Fallback: fallback}),
			}, Settings{Logger: quiet})
			addr := serve(t, app)
			for _, after := range []bool{false, true} {
				t.Run(fmt.Sprintf("after another request: %v", after), func(t *testing.T) {
					c, err := net.Dial("tcp", addr)
					require.NoError(t, err)
					defer c.Close()
					require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
					br := bufio.NewReader(c)
					if after {
						assert.Equal(t, "Hello, world", fetchOn(t, c, br, "/"))
					}
					fmt.Fprintf(c, "GET /legacy/wait HTTP/1.1\r\nHost: x\r\n\r\n")
					testutil.Recv(t, entered, "the fallback did not get the request")

					// Others are served while the fallback waits.
					assert.Equal(t, "Hello, world", fetchFrom(t, addr, "/"))
					assert.Equal(t, "legacy hello", fetchFrom(t, addr, "/legacy/hello"))
					select {
					case err := <-ended:
						t.Fatalf("the context ended (%v) while the client was still there", err)
					default:
					}

					c.Close()
					err = testutil.Recv(t, ended, "the fallback's context did not end after its client left")
					assert.ErrorIs(t, err, context.Canceled)
				})
			}
			assert.Equal(t, "Hello, world", fetchFrom(t, addr, "/"), "the application goes on")
		})
	}
}
