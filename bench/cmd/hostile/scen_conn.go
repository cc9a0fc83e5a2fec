// Scenarios 5 and 6: a second server on the first one's port, and a
// connection that sends half a request head and then nothing.

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// portResult is scenario 5's figures for one demo.
type portResult struct {
	Demo string `json:"demo"`
	// Second is what the second server did: "refused" (it exited) or
	// "listening"; Said its output.
	Second string `json:"second"`
	Said   string `json:"said"`
	// FirstGot and SecondGot are how many of 20 new connections each
	// server accepted, when both listen (counted as the growth of its
	// open sockets in /proc/PID/fd).
	FirstGot  int    `json:"first_got,omitempty"`
	SecondGot int    `json:"second_got,omitempty"`
	Err       string `json:"err,omitempty"`
}

func (e *env) portSharing() []section {
	s := section{
		Title: "5. Port sharing",
		Method: "Each demo is started on a free port, then a second copy of it with `-addr` set to the first's " +
			"address. The second should refuse (\"address already in use\") and exit; the table says what it did " +
			"within 30 s.",
		Head: []string{"demo", "second server", "it said"},
	}
	var raw []portResult
	for _, demo := range []string{"chat", "helloworld", "websocket", "file_upload"} {
		r := e.runPort(demo)
		raw = append(raw, r)
		if r.Err != "" {
			s.Rows = append(s.Rows, []string{demo, "error: " + r.Err})
			continue
		}
		s.Rows = append(s.Rows, []string{demo, r.Second, "`" + r.Said + "`"})
	}
	s.Raw = raw
	return []section{s}
}

func (e *env) runPort(demo string) portResult {
	r := portResult{Demo: demo}
	first, err := e.startDemo(demo, "")
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer first.stop(5 * time.Second)
	second, err := e.startDemo(demo, first.addr)
	switch {
	case errors.Is(err, errNoURL):
		r.Second = "refused: " + second.exit()
	case err != nil:
		r.Err = err.Error()
		return r
	default:
		r.Said = strings.TrimSpace(second.out.String())
		r.FirstGot, r.SecondGot = splitConns(first, second, 20)
		r.Second = fmt.Sprintf("listening on the same port; of 20 new connections the first server took %d, "+
			"the second %d", r.FirstGot, r.SecondGot)
		second.stop(5 * time.Second)
		return r
	}
	r.Said = strings.ReplaceAll(strings.TrimSpace(second.out.String()), "\n", " / ")
	return r
}

// splitConns opens n connections, each with one answered request, and
// counts how many each server holds.
func splitConns(a, b *proc, n int) (gotA, gotB int) {
	a0, b0 := sockets(a), sockets(b)
	var conns []net.Conn
	for range n {
		c, err := net.DialTimeout("tcp", a.addr, 5*time.Second)
		if err != nil {
			continue
		}
		conns = append(conns, c)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", a.addr)
		c.Read(make([]byte, 4096)) // the server has accepted it once it answers
	}
	gotA, gotB = sockets(a)-a0, sockets(b)-b0
	for _, c := range conns {
		c.Close()
	}
	return gotA, gotB
}

// sockets counts the sockets process p has open.
func sockets(p *proc) int {
	dir := fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid)
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// slowResult is scenario 6's figures for one connection.
type slowResult struct {
	Demo string `json:"demo"`
	Sent string `json:"sent"`
	// ClosedS is when the server closed the connection, -1 if not
	// within the limit; Got what it sent before closing.
	ClosedS float64 `json:"closed_s"`
	How     string  `json:"how,omitempty"`
	Got     string  `json:"got,omitempty"`
	Err     string  `json:"err,omitempty"`
}

// slowLimit is how long a silent connection is watched.
const slowLimit = 70 * time.Second

func (e *env) slowHead() []section {
	s := section{
		Title: "6. Slow head",
		Method: fmt.Sprintf("One connection per demo sends `GET / HTTP/1.1\\r\\nHost: x\\r\\n` (half a head) and "+
			"then nothing; another sends nothing at all. Each waits up to %.0f s for the server to close it. All "+
			"demos are watched at once.", slowLimit.Seconds()),
		Head: []string{"demo", "sent", "server closed it after", "it sent first"},
	}
	demos := []string{"chat", "helloworld", "websocket", "file_upload"}
	sends := []string{"GET / HTTP/1.1\r\nHost: x\r\n", ""}
	results := make([]slowResult, len(demos)*len(sends))
	var wg sync.WaitGroup
	for i, demo := range demos {
		srv, err := e.startDemo(demo, "")
		for j, send := range sends {
			r := &results[i*len(sends)+j]
			r.Demo, r.Sent, r.ClosedS = demo, fmt.Sprintf("`%q`", send), -1
			if send == "" {
				r.Sent = "nothing"
			}
			if err != nil {
				r.Err = err.Error()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				*r = silentConn(srv.addr, send, *r)
			}()
		}
		if err == nil {
			defer srv.stop(5 * time.Second)
		}
	}
	wg.Wait()
	for _, r := range results {
		if r.Got == "" {
			r.Got = "nothing"
		} else {
			r.Got = "`" + r.Got + "`"
		}
		switch {
		case r.Err != "":
			s.Rows = append(s.Rows, []string{r.Demo, r.Sent, "error: " + r.Err})
		case r.ClosedS < 0:
			s.Rows = append(s.Rows, []string{r.Demo, r.Sent, fmt.Sprintf("not within %.0f s", slowLimit.Seconds()), r.Got})
		default:
			s.Rows = append(s.Rows, []string{r.Demo, r.Sent, fmt.Sprintf("%.1f s (%s)", r.ClosedS, r.How), r.Got})
		}
	}
	s.Raw = results
	return []section{s}
}

// silentConn connects, sends send, and waits for the server to close.
func silentConn(addr, send string, r slowResult) slowResult {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer c.Close()
	t0 := time.Now()
	if _, err := io.WriteString(c, send); err != nil {
		r.Err = err.Error()
		return r
	}
	c.SetReadDeadline(t0.Add(slowLimit))
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			r.ClosedS = time.Since(t0).Seconds()
			r.How = "close"
			if errors.Is(err, syscall.ECONNRESET) {
				r.How = "reset"
			}
		}
		break
	}
	first, _, _ := strings.Cut(string(got), "\r\n")
	r.Got = first
	return r
}
