// The wire-level client pieces the scenarios share: a WebSocket handshake and
// masked frames (as cmd/wsload builds them), a writer that never cuts a frame
// in two, and one timed GET.

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opText   = 0x1
	opBinary = 0x2
)

// errStopped is a write abandoned because the scenario ended.
var errStopped = errors.New("hostile: stopped")

// wsDial opens a connection to addr and performs the opening handshake for
// path (RFC 6455, section 4.1), offering no extension.
func wsDial(addr, path string) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	var key [16]byte
	rand.Read(key[:])
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		path, addr, base64.StdEncoding.EncodeToString(key[:]))
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	c.SetDeadline(time.Time{})
	return c, br, nil
}

// maskedFrame builds one final client frame of opcode: FIN and the opcode,
// the mask bit and length, the key, and the masked payload (RFC 6455,
// section 5.2). One fixed key: servers unmask whatever key they get.
func maskedFrame(opcode byte, payload []byte) []byte {
	f := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, key[:]...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

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
