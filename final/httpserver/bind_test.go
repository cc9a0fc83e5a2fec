// Binding a port: refused when another process listens on it, unless both
// ask for ReusePort; shared by the loops of one server either way.

package httpserver_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
)

// helperPortEnv makes the test binary a second process that binds the
// port it names (TestBindHelperProcess).
const helperPortEnv = "GORNADO_TEST_BIND_PORT"

// A second server on a port in use is refused with "address already in
// use", whether it runs in another process or in this one, unless both it
// and the server already there ask for ReusePort. Before, every HTTPServer
// set SO_REUSEPORT: a second chat demo on 8888 said "listening" and took
// half the connections.
func TestBindRefusesAPortInUse(t *testing.T) {
	for _, tc := range []struct {
		first, second bool // ReusePort
		refused       bool
	}{
		{false, false, true},
		{false, true, true},
		{true, false, true},
		{true, true, false}, // both asked to share
	} {
		t.Run(fmt.Sprintf("ReusePort=%v,%v", tc.first, tc.second), func(t *testing.T) {
			s := httpserver.New(httpserver.HandlerFunc(hello))
			s.ReusePort = tc.first
			s.Loops = 2
			require.NoError(t, s.Bind(0, "127.0.0.1"))
			require.NoError(t, s.Start())
			t.Cleanup(func() { s.Close() })
			port := s.Ports()[0]

			// Another process.
			cmd := exec.Command(os.Args[0], "-test.run=^TestBindHelperProcess$", "-test.v")
			cmd.Env = append(os.Environ(), helperPortEnv+"="+strconv.Itoa(port), "GORNADO_TEST_BIND_REUSEPORT="+strconv.FormatBool(tc.second))
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			if tc.refused {
				assert.Contains(t, string(out), "bind: refused: ", "the second process is refused")
				assert.Contains(t, string(out), "address already in use")
			} else {
				assert.Contains(t, string(out), "bind: ok", "both asked for ReusePort")
			}

			// This process: the error is errors.Is EADDRINUSE.
			other := httpserver.New(httpserver.HandlerFunc(hello))
			other.ReusePort = tc.second
			err = other.Bind(port, "127.0.0.1")
			if tc.refused {
				assert.ErrorIs(t, err, syscall.EADDRINUSE)
			} else {
				assert.NoError(t, err)
			}
			other.Close()
		})
	}
}

// TestBindHelperProcess is not a test of its own: TestBindRefusesAPortInUse
// runs the test binary again with it, as the second process, and reads
// what it prints.
func TestBindHelperProcess(t *testing.T) {
	port, err := strconv.Atoi(os.Getenv(helperPortEnv))
	if err != nil {
		return // run directly: nothing to do
	}
	s := httpserver.New(httpserver.HandlerFunc(hello))
	s.ReusePort = os.Getenv("GORNADO_TEST_BIND_REUSEPORT") == "true"
	if err := s.Bind(port, "127.0.0.1"); err != nil {
		fmt.Printf("bind: refused: %v\n", err)
		return
	}
	fmt.Println("bind: ok")
	s.Close()
}

// Every loop of a server serves connections of the one port: with the
// default shared socket they are dealt in turn, so each loop gets exactly
// its share, however the kernel woke them; with ReusePort the kernel
// hashes them over a socket per loop.
func TestLoopsShareThePort(t *testing.T) {
	for _, reusePort := range []bool{false, true} {
		t.Run(fmt.Sprintf("ReusePort=%v", reusePort), func(t *testing.T) {
			const loops, conns = 2, 64
			var mu sync.Mutex
			perLoop := map[*ioloop.IOLoop]int{}
			s := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
				mu.Lock()
				perLoop[req.Conn.Loop()]++
				mu.Unlock()
				hello(req)
			}))
			s.ReusePort = reusePort
			s.Loops = loops
			require.NoError(t, s.Bind(0, "127.0.0.1"))
			require.NoError(t, s.Start())
			t.Cleanup(func() { s.Close() })
			addr := s.Addr("127.0.0.1")

			// All at once, as a client opening its pool does.
			errs := make(chan error, conns)
			var wg sync.WaitGroup
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- getOnce(addr)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, perLoop, loops, "every loop served: %v", perLoop)
			if !reusePort {
				for _, n := range perLoop {
					assert.Equal(t, conns/loops, n, "dealt in turn: %v", perLoop)
				}
			}
		})
	}
}

// getOnce sends one request on a new connection and reads the answer.
func getOnce(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(helloReq); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if n == 0 {
		return errors.Join(errors.New("no answer"), err)
	}
	return nil
}
