package blocking

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startServer(t *testing.T, delay time.Duration, threaded bool) *Server {
	t.Helper()
	srv, err := Listen("127.0.0.1:0", delay)
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() {
		if threaded {
			served <- srv.ServeThreaded()
		} else {
			served <- srv.ServeOneAtATime()
		}
	}()
	t.Cleanup(func() {
		assert.NoError(t, srv.Close())
		assert.NoError(t, <-served)
	})
	return srv
}

// fetchAll fetches n pages at once, from n goroutines, and returns when the last
// answer is in.
func fetchAll(t *testing.T, srv *Server, n int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := Fetch(fmt.Sprintf("%s/page/%d", srv.URL(), i))
			if assert.NoError(t, err) {
				assert.Equal(t, fmt.Sprintf("page %d\n", i), string(body))
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// A server that blocks on each connection makes the last of n clients wait
// n x delay, however many clients come at once.
func TestServeOneAtATime(t *testing.T) {
	const n, delay = 4, 100 * time.Millisecond
	srv := startServer(t, delay, false)
	elapsed := fetchAll(t, srv, n)
	t.Logf("%d clients at once, served one at a time: the last answer came after %v", n, elapsed.Round(time.Millisecond))
	assert.GreaterOrEqual(t, elapsed, n*delay)
	assert.Equal(t, 1, srv.PeakConcurrency())
}

// A goroutine per connection overlaps the waits: all n clients are served at
// the same moment.
func TestServeThreaded(t *testing.T) {
	const n, delay = 4, 100 * time.Millisecond
	srv := startServer(t, delay, true)
	elapsed := fetchAll(t, srv, n)
	t.Logf("%d clients at once, a goroutine each: the last answer came after %v", n, elapsed.Round(time.Millisecond))
	assert.Equal(t, n, srv.PeakConcurrency())
}

func TestServerErrors(t *testing.T) {
	srv := startServer(t, 0, true)
	cases := []struct{ request, status string }{
		{"GET /page/1 HTTP/1.1", "HTTP/1.1 200 OK"},
		{"GET /nothing HTTP/1.1", "HTTP/1.1 404 Not Found"},
		{"POST /page/1 HTTP/1.1", "HTTP/1.1 405 Method Not Allowed"},
		{"GET /page/1", "HTTP/1.1 400 Bad Request"},
		{"hello", "HTTP/1.1 400 Bad Request"},
	}
	for _, c := range cases {
		conn, err := net.Dial("tcp", srv.ln.Addr().String())
		require.NoError(t, err)
		fmt.Fprintf(conn, "%s\r\nHost: x\r\n\r\n", c.request)
		line, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, c.status+"\r\n", line, c.request)
		conn.Close()
	}
}

// Close ends connections that are still being read, so a client that connects
// and says nothing cannot keep the server from stopping.
func TestCloseWithIdleClient(t *testing.T) {
	srv, err := Listen("127.0.0.1:0", 0)
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.ServeThreaded() }()

	conn, err := net.Dial("tcp", srv.ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	// Half a request line: the server, if it got this far, is blocked reading
	// the rest. Close must end that read rather than wait 30 s for it.
	_, err = conn.Write([]byte("G"))
	require.NoError(t, err)

	start := time.Now()
	require.NoError(t, srv.Close())
	require.NoError(t, <-served)
	assert.Less(t, time.Since(start), 10*time.Second)
	_, err = bufio.NewReader(conn).ReadByte()
	assert.Error(t, err) // the server hung up
}
