package httpclient_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpclient"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// watchedServer is a net/http server that reports every connection it
// accepts on opened and every one that closes on closed.
func watchedServer(t *testing.T) (url string, opened, closed chan struct{}) {
	opened, closed = make(chan struct{}, 16), make(chan struct{}, 16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hi")
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			opened <- struct{}{}
		case http.StateClosed:
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, opened, closed
}

func TestIdleConnectionsCloseAfterIdleTimeout(t *testing.T) {
	url, opened, closed := watchedServer(t)
	loop, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { loop.Close(true) })
	client := httpclient.New(loop)
	t.Cleanup(client.Close)
	client.IdleTimeout = 50 * time.Millisecond

	// The loop keeps running after the fetch; the pooled connection is
	// closed by the client's sweep, and the server sees it go.
	left, err := ioloop.RunSync(loop, func() *concurrent.Future[int] {
		out := concurrent.NewFuture[int]()
		client.FetchURL(url).AddDoneCallback(func(f *concurrent.Future[*httpclient.HTTPResponse]) {
			if _, err := f.Result(); err != nil {
				out.SetException(err)
				return
			}
			if n := client.IdleConnections(); n != 1 {
				out.SetException(fmt.Errorf("%d pooled connections after the fetch, want 1", n))
				return
			}
			go func() {
				select {
				case <-closed:
					loop.AddCallback(func() { out.SetResult(client.IdleConnections()) })
				case <-time.After(10 * time.Second):
					loop.AddCallback(func() { out.SetException(fmt.Errorf("the server never saw the idle connection close")) })
				}
			}()
		})
		return out
	}, 20*time.Second)
	require.NoError(t, err)
	assert.Equal(t, 0, left, "the pool forgets what it closed")
	testutil.Recv(t, opened, "the first connection")
}

func TestIdleTimeoutHoldsWhileTheLoopIsStopped(t *testing.T) {
	// The blocking client's loop runs only during a Fetch: a connection
	// that expired in between is not reused, though no sweep ran.
	url, opened, closed := watchedServer(t)
	c := syncClient(t)
	c.Async().IdleTimeout = 50 * time.Millisecond
	_, err := c.FetchURL(url)
	require.NoError(t, err)
	testutil.Recv(t, opened, "the first connection")
	<-time.After(100 * time.Millisecond) // the timeout under test elapses

	_, err = c.FetchURL(url)
	require.NoError(t, err)
	testutil.Recv(t, opened, "a second connection")
	testutil.Recv(t, closed, "the expired connection closing")
	assert.Equal(t, 1, c.Async().IdleConnections())
}

func TestIdleConnectionIsReusedWithinTheTimeout(t *testing.T) {
	url, opened, _ := watchedServer(t)
	c := syncClient(t)
	for range 3 {
		_, err := c.FetchURL(url)
		require.NoError(t, err)
	}
	testutil.Recv(t, opened, "the connection")
	select {
	case <-opened:
		t.Fatal("a second connection was opened: the pooled one was not reused")
	default:
	}
	assert.Equal(t, 1, c.Async().IdleConnections())
}
