// Command wsload is the WebSocket echo load generator: -c connections each
// send a binary message of -size bytes, wait for the echo, and send again, for
// -d after -warmup. It prints the echoed messages per second as JSON.
//
// The client side is kept lean so that the server, not the load generator, is
// what is measured: a plain net.Conn per connection, one masked frame built
// once and reused (RFC 6455 wants a fresh masking key per frame to defeat
// proxy cache poisoning; there is no proxy on loopback, and servers unmask
// whatever key they get), and a reader that checks each echo's length and
// first bytes.
package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Report is what wsload prints.
type Report struct {
	Conns    int     `json:"conns"`
	Size     int     `json:"size"`
	Messages int64   `json:"messages"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"` // messages echoed per second
	Errors   int64   `json:"errors"`
}

func main() {
	rawURL := flag.String("url", "ws://127.0.0.1:8080/echo", "WebSocket URL (loopback only)")
	conns := flag.Int("c", 64, "connections")
	size := flag.Int("size", 1024, "message size in bytes")
	d := flag.Duration("d", 5*time.Second, "measured duration")
	warmup := flag.Duration("warmup", time.Second, "unmeasured load first")
	flag.Parse()

	u, err := url.Parse(*rawURL)
	if err != nil || u.Scheme != "ws" {
		log.Fatalf("bad -url %q", *rawURL)
	}
	msg := make([]byte, *size)
	for i := range msg {
		msg[i] = 'a' + byte(i%26)
	}
	frame := maskedFrame(msg)

	var counting atomic.Bool
	var count, errs atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		c, br, err := dial(u)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			buf := make([]byte, *size)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Write(frame); err != nil {
					errs.Add(1)
					return
				}
				if err := readEcho(br, buf, msg); err != nil {
					errs.Add(1)
					return
				}
				if counting.Load() {
					count.Add(1)
				}
			}
		}()
	}
	time.Sleep(*warmup)
	counting.Store(true)
	start := time.Now()
	time.Sleep(*d)
	n := count.Load()
	elapsed := time.Since(start).Seconds()
	close(stop)
	wg.Wait()
	json.NewEncoder(os.Stdout).Encode(Report{
		Conns: *conns, Size: *size, Messages: n, Seconds: elapsed,
		Rate: float64(n) / elapsed, Errors: errs.Load(),
	})
	if errs.Load() > 0 {
		os.Exit(1)
	}
}

// dial opens a connection and performs the opening handshake (RFC 6455,
// section 4.1).
func dial(u *url.URL) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	var key [16]byte
	rand.Read(key[:])
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key[:]))
	br := bufio.NewReaderSize(c, 16<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	return c, br, nil
}

// maskedFrame builds one final binary frame from client to server: FIN and
// opcode 2, the mask bit and length, the key, and the masked payload
// (RFC 6455, section 5.2).
func maskedFrame(payload []byte) []byte {
	f := []byte{0x82}
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

// readEcho reads one unmasked server frame into buf and checks it is want.
func readEcho(br *bufio.Reader, buf, want []byte) error {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return err
	}
	if h[0]&0x0f == 0x8 {
		return errors.New("server closed the connection")
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n != uint64(len(buf)) {
		return fmt.Errorf("echo of %d bytes, want %d", n, len(buf))
	}
	if _, err := io.ReadFull(br, buf); err != nil {
		return err
	}
	if buf[0] != want[0] || buf[len(buf)-1] != want[len(want)-1] {
		return errors.New("echo differs from the message")
	}
	return nil
}
