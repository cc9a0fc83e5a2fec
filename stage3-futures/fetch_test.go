package futures

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/workload"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

func newLoop(t testing.TB) *callbacks.Loop {
	t.Helper()
	l, err := callbacks.NewLoop()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

func startServer(t testing.TB, delay time.Duration) *workload.Server {
	t.Helper()
	srv, err := workload.Start("127.0.0.1:0", delay)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// runUntil runs the loop until f is done, and fails the test if that takes
// more than 10 seconds.
func runUntil(t testing.TB, l *callbacks.Loop, f *Future) {
	t.Helper()
	f.AddDoneCallback(func(*Future) { l.Stop() })
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		l.Stop() // no waiting for it: fail now, even if the loop is stuck
		t.Fatal("the Future was not done within 10s")
	}
	require.True(t, f.Done())
}

func TestFetchFuture(t *testing.T) {
	srv := startServer(t, 0)
	for _, tc := range []struct {
		name  string
		query string
		code  int // 0: success
	}{
		{"content-length", "", 0},
		{"chunked", "?framing=chunked", 0},
		{"until close", "?framing=close", 0},
		{"404", "?status=404", 404},
		{"500, chunked", "?status=500&framing=chunked", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t)
			f := FetchFuture(l, srv.PageURL(3)+tc.query)
			assert.False(t, f.Done(), "done before the loop ran")
			runUntil(t, l, f)
			v, err := f.Result()
			if tc.code == 0 {
				require.NoError(t, err)
				assert.Equal(t, []byte(workload.PageBody(3)), v)
				return
			}
			var he *callbacks.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tc.code, he.Code)
			assert.Nil(t, v)
		})
	}
}

// Cancelling a fetch's Future says nobody wants the page. The fetch still
// finishes (the toy cannot abort it), and its answer is dropped quietly.
func TestFetchFutureCancelled(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	f := FetchFuture(l, srv.PageURL(1))
	require.True(t, f.Cancel())
	// Run the loop until a later fetch to the same server is done; the
	// cancelled one's answer arrives meanwhile and must change nothing.
	runUntil(t, l, FetchFuture(l, srv.PageURL(2)+"?delay=20ms"))
	assert.True(t, f.Cancelled())
	assert.ErrorIs(t, f.Exception(), ErrCancelled)
}

// A fetch that needs the result of another: AndThen keeps it flat, and an
// error in the first step reaches the end without the second one starting.
func TestFetchChain(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	started := 0
	nextPage := func(v any) *Future {
		started++
		// "page 4\n" links to page 5, say.
		var n int
		_, err := fmt.Sscanf(string(v.([]byte)), "page %d", &n)
		if err != nil {
			return Failed(err)
		}
		return FetchFuture(l, srv.PageURL(n+1))
	}

	ok := FetchFuture(l, srv.PageURL(4)).AndThen(nextPage)
	failed := FetchFuture(l, srv.PageURL(4)+"?status=404").AndThen(nextPage)
	runUntil(t, l, All(ok, failed))

	v, err := ok.Result()
	require.NoError(t, err)
	assert.Equal(t, []byte(workload.PageBody(5)), v)
	var he *callbacks.HTTPError
	require.ErrorAs(t, failed.Exception(), &he)
	assert.Equal(t, 404, he.Code)
	assert.Equal(t, 1, started, "the second fetch started after a failed first")
}
