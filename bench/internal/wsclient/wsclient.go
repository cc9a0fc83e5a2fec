// Package wsclient is the wire-level WebSocket client the load and hostile
// tools share: an opening handshake and masked client frames, written by
// hand so that a tool controls every byte it sends (and may send without
// reading, which a client library would not let it do).
package wsclient

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"time"
)

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	OpText   = 0x1
	OpBinary = 0x2
)

// Dial opens a connection to addr and performs the opening handshake for
// path (RFC 6455, section 4.1), offering no extension, within 5 seconds.
// The reader, of readSize bytes, holds whatever followed the handshake.
func Dial(addr, path string, readSize int) (net.Conn, *bufio.Reader, error) {
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
	br := bufio.NewReaderSize(c, readSize)
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

// MaskedFrame builds one final client frame of opcode: FIN and the opcode,
// the mask bit and length, the key, and the masked payload (RFC 6455,
// section 5.2). One fixed key: servers unmask whatever key they get.
func MaskedFrame(opcode byte, payload []byte) []byte {
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
