// Scenario 3: SIGTERM while keep-alive clients make requests back to back.

package main

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stopRun is one graceful-stop run's figures.
type stopRun struct {
	Demo string `json:"demo"`
	Run  int    `json:"run"`
	// Before and After count the outcomes of requests that ended before
	// and after the SIGTERM, over all clients.
	Before tally `json:"before_sigterm"`
	After  tally `json:"after_sigterm"`
	// Clients are each client's outcomes after the SIGTERM.
	Clients []tally `json:"clients"`
	// Refused counts clients whose new connection was refused (the
	// server had stopped listening), which ends that client.
	Refused int `json:"refused"`
	// Exit is how the server ended; ExitS the time from SIGTERM to its
	// exit.
	Exit  string  `json:"exit"`
	ExitS float64 `json:"exit_s"`
	Err   string  `json:"err,omitempty"`
}

const stopClients = 50

func (e *env) gracefulStop() []section {
	s := section{
		Title: "3. Graceful stop resets keep-alive clients",
		Method: fmt.Sprintf("%d clients each make GET / requests back to back on a keep-alive connection (a new "+
			"connection after an error or Connection: close; a refused connection ends the client). After 1 s the "+
			"server gets SIGTERM. Each request's outcome after the SIGTERM is counted: completed; reset "+
			"(ECONNRESET/EPIPE before any byte); truncated (some bytes, then EOF or reset); clean EOF before any "+
			"byte on a reused connection (the race a client may retry) or on a new one; timeout (5 s). "+
			"\"clients\" is how many of the %d saw at least one. Three runs per demo (helloworld with its default "+
			"loops).", stopClients, stopClients),
		Head: []string{"demo", "run", "completed before / after SIGTERM", "reset (clients)", "truncated (clients)",
			"EOF on reused conn (clients)", "EOF on new conn", "timeouts", "other", "exit", "SIGTERM to exit"},
	}
	var raw []stopRun
	for _, demo := range []string{"chat", "helloworld"} {
		for run := 1; run <= 3; run++ {
			r := e.runStop(demo, run)
			raw = append(raw, r)
			if r.Err != "" {
				s.Rows = append(s.Rows, []string{demo, itoa(run), "error: " + r.Err})
				continue
			}
			affected := func(o outcome) string {
				n := 0
				for _, c := range r.Clients {
					if c[o] > 0 {
						n++
					}
				}
				return fmt.Sprintf("%d (%d)", r.After[o], n)
			}
			s.Rows = append(s.Rows, []string{demo, itoa(run),
				fmt.Sprintf("%d / %d", r.Before[completed], r.After[completed]),
				affected(reset), affected(truncated), affected(eofReused),
				itoa(r.After[eofFresh]), itoa(r.After[timedOut]), itoa(r.After[otherErr]),
				r.Exit, fmt.Sprintf("%.2f s", r.ExitS)})
		}
	}
	s.Raw = raw
	return []section{s}
}

// runStop runs one graceful-stop run.
func (e *env) runStop(demo string, run int) stopRun {
	r := stopRun{Demo: demo, Run: run, Clients: make([]tally, stopClients)}
	srv, err := e.startDemo(demo, "")
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer srv.stop(time.Second) // already stopped, unless the test failed
	req := []byte("GET / HTTP/1.1\r\nHost: " + srv.addr + "\r\n\r\n")

	var termed atomic.Bool // the SIGTERM has been sent
	quit := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range stopClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var before, after tally
			refused := e.keepAliveClient(srv.addr, req, quit, func(o outcome) {
				if termed.Load() {
					after.add(o)
				} else {
					before.add(o)
				}
			})
			mu.Lock()
			defer mu.Unlock()
			r.Before = r.Before.plus(before)
			r.After = r.After.plus(after)
			r.Clients[i] = after
			if refused {
				r.Refused++
			}
		}()
	}
	time.Sleep(time.Second)
	termed.Store(true)
	t0 := time.Now()
	syscall.Kill(srv.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-srv.done:
		r.Exit = srv.exit()
	case <-time.After(15 * time.Second):
		r.Exit = "no exit within 15 s of SIGTERM: " + srv.stop(time.Second)
	}
	r.ExitS = time.Since(t0).Seconds()
	// The clients end on their own once the server is gone (refused);
	// quit is for a client stuck on a connection that something else
	// holds open.
	time.AfterFunc(2*time.Second, func() { close(quit) })
	wg.Wait()
	return r
}

// keepAliveClient makes requests back to back until a new connection is
// refused or quit closes, reporting each request's outcome; it reports
// whether it ended on a refusal.
func (e *env) keepAliveClient(addr string, req []byte, quit <-chan struct{}, report func(outcome)) (refused bool) {
	var k *keepAliveConn
	defer func() {
		if k != nil {
			k.c.Close()
		}
	}()
	for {
		select {
		case <-quit:
			return false
		default:
		}
		if k == nil {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if errors.Is(err, syscall.ECONNREFUSED) {
				return true
			}
			if err != nil {
				report(otherErr)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			k = newKeepAliveConn(c)
		}
		o, again := k.exchange(req, 5*time.Second)
		report(o)
		if !again {
			k.c.Close()
			k = nil
		}
	}
}
