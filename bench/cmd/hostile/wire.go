// The wire-level client pieces the scenarios share (the WebSocket handshake
// and frames are bench/internal/wsclient's): a writer that never cuts a frame
// in two, and one timed GET.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// errStopped is a write abandoned because the scenario ended.
var errStopped = errors.New("hostile: stopped")

// writeFull writes b whole, unless stop is closed first. Each write has a
// short deadline so that stop is noticed while the peer does not read, and
// a write cut by its deadline is resumed where it stopped, so that a frame
// is never cut in two; a frame already begun when stop closes is abandoned
// (the connection is then of no further use). It returns
// how long the writes were blocked (the peer's window was full) and the
// first error that is not a deadline, or errStopped.
func writeFull(c net.Conn, b []byte, stop <-chan struct{}) (blocked time.Duration, err error) {
	for len(b) > 0 {
		select {
		case <-stop:
			return blocked, errStopped
		default:
		}
		t0 := time.Now()
		c.SetWriteDeadline(t0.Add(100 * time.Millisecond))
		n, err := c.Write(b)
		b = b[n:]
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return blocked, err
		}
		blocked += time.Since(t0)
	}
	return blocked, nil
}

// get makes one GET path request on a new connection and reads the whole
// response within limit; it returns the time to the last byte and the
// status.
func get(addr, path string, limit time.Duration) (time.Duration, int, error) {
	t0 := time.Now()
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	c.SetDeadline(t0.Add(limit))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr); err != nil {
		return 0, 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(t0), resp.StatusCode, err
}

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
