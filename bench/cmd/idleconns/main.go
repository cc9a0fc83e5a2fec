// Command idleconns measures a server's resident memory per idle keep-alive
// connection: it reads the server's VmRSS, opens -n connections, makes one
// request on each (so that each has been through a full request and response
// and sits idle between requests, as a browser's kept-alive connection does),
// waits, reads VmRSS again, and prints the growth per connection as JSON.
//
// It raises its own RLIMIT_NOFILE to the hard limit; the server must allow
// -n descriptors too (Go raises its soft limit by itself since Go 1.19; the
// runner's nginx config and the Tornado app raise theirs). Connections are
// closed with an RST (SO_LINGER 0) so that repeated runs do not fill the
// ephemeral port range with TIME_WAIT sockets.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gornado/gornado/bench/internal/procmem"
)

// Report is what idleconns prints, one JSON object.
type Report struct {
	Conns       int     `json:"conns"`
	BeforeBytes int64   `json:"before_bytes"`
	AfterBytes  int64   `json:"after_bytes"`
	PerConn     float64 `json:"per_conn_bytes"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	pidList := flag.String("pids", "", "comma-separated process ids whose VmRSS is added up (the server; nginx's workers)")
	n := flag.Int("n", 10000, "connections to open")
	settle := flag.Duration("settle", 2*time.Second, "wait after the last response before reading VmRSS")
	path := flag.String("path", "/", "path to request on each connection")
	flag.Parse()

	var pids []int
	for _, s := range strings.Split(*pidList, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			log.Fatalf("bad -pids %q", *pidList)
		}
		pids = append(pids, p)
	}
	raiseNoFile()

	// One request first on a connection of its own, so that whatever the
	// server sets up lazily on its first request is in "before".
	c, err := dialAndRequest(*addr, *path)
	if err != nil {
		log.Fatal(err)
	}
	closeRST(c)
	time.Sleep(*settle / 2)
	before, err := procmem.TotalRSS(pids)
	if err != nil {
		log.Fatal(err)
	}

	conns := make([]net.Conn, *n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	var failed int
	next := make(chan int)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := dialAndRequest(*addr, *path)
				if err != nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				conns[i] = c
			}
		}()
	}
	for i := range conns {
		next <- i
	}
	close(next)
	wg.Wait()
	if failed > 0 {
		log.Fatalf("%d of %d connections failed; first: %v", failed, *n, firstErr)
	}

	time.Sleep(*settle)
	after, err := procmem.TotalRSS(pids)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range conns {
		closeRST(c)
	}
	json.NewEncoder(os.Stdout).Encode(Report{
		Conns: *n, BeforeBytes: before, AfterBytes: after,
		PerConn: procmem.PerConn(before, after, *n),
	})
}

// dialAndRequest opens a connection, sends one keep-alive GET, and reads the
// whole response, leaving the connection open and idle.
func dialAndRequest(addr, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %s", resp.Status)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func closeRST(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func raiseNoFile() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Fatal(err)
	}
}
