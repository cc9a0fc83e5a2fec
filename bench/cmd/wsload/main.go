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
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gornado/gornado/bench/internal/wsclient"
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
	frame := wsclient.MaskedFrame(wsclient.OpBinary, msg)

	var counting atomic.Bool
	var count, errs atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		c, br, err := wsclient.Dial(u.Host, u.RequestURI(), 16<<10)
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
