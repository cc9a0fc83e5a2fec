// Application.Close under net/http: requests it cuts short, and those that
// come after it, get an answer instead of waiting for ever.

package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/internal/testutil"
)

// stuckHandler never finishes: it waits on a Future nobody resolves, and
// reports on started that it runs.
type stuckHandler struct {
	RequestHandler
	started chan struct{}
}

func (h *stuckHandler) Get(...string) error {
	h.started <- struct{}{}
	h.Wait(concurrent.NewFuture[struct{}]())
	return nil
}

type hiHandler struct{ RequestHandler }

func (h *hiHandler) Get(...string) error { return h.WriteString("hi") }

func TestNetHTTPAfterClose(t *testing.T) {
	started := make(chan struct{}, 1)
	app := NewApplication([]*URLSpec{
		URL("/stuck", &stuckHandler{started: started}),
		URL("/hi", &hiHandler{}),
	}, Settings{})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	get := func(path string) <-chan int {
		code := make(chan int, 1)
		go func() {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				code <- -1
				return
			}
			resp.Body.Close()
			code <- resp.StatusCode
		}()
		return code
	}
	assert.Equal(t, 200, testutil.Recv(t, get("/hi"), "GET /hi never answered"))

	stuck := get("/stuck")
	testutil.Recv(t, started, "the stuck handler never ran")
	require.NoError(t, app.Close())
	assert.Equal(t, 503, testutil.Recv(t, stuck, "a request cut short by Close was never answered"))
	assert.Equal(t, 503, testutil.Recv(t, get("/hi"), "a request after Close was never answered"))
	assert.NoError(t, app.Close(), "a second Close returns")
}
