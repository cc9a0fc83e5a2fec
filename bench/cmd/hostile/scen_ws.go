// Scenarios 1 and 2: a WebSocket peer that never reads, and one that reads
// as fast as it can but floods a one-loop server.

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gornado/gornado/bench/internal/wsclient"
)

// wsTarget is a WebSocket endpoint of a demo and the message it takes.
type wsTarget struct {
	demo, path string
	args       []string
	// frames are burst 1 KiB messages, masked.
	frames []byte
	// what describes the message for the table.
	what string
}

// kib is the message size of the WebSocket scenarios.
const kib = 1024

// burst is how many frames go in one write: a client in a hurry fills the
// socket with many small frames per system call, and the server, not this
// tool's system calls, should bound the rate.
const burst = 32

// binaryKiB is burst 1 KiB binary frames, for the echoes.
func binaryKiB() []byte {
	return bytes.Repeat(wsclient.MaskedFrame(wsclient.OpBinary, bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 40)[:kib]), burst)
}

// chatKiB is burst 1 KiB text frames as the chat's page posts them:
// {"body": "aaa..."}.
func chatKiB() []byte {
	pre, post := `{"body": "`, `"}`
	return bytes.Repeat(wsclient.MaskedFrame(wsclient.OpText, []byte(pre+strings.Repeat("a", kib-len(pre)-len(post))+post)), burst)
}

// noReadResult is one server's figures in scenario 1.
type noReadResult struct {
	Demo string `json:"demo"`
	Path string `json:"path"`
	// BaseRSS is the server's RSS after the handshake, before the first
	// frame; GrowthAt its growth after 1, 2, 5 and 10 s of sending
	// (absent once the server is gone).
	BaseRSS  int64            `json:"base_rss"`
	GrowthAt map[string]int64 `json:"growth_at"`
	// GiBAtS is when the growth first passed 1 GiB, -1 if it never did.
	GiBAtS float64 `json:"gib_at_s"`
	// PeakRSS is the largest RSS sampled; HWM the last VmHWM read.
	PeakRSS int64 `json:"peak_rss"`
	HWM     int64 `json:"hwm"`
	// Frames and Bytes were written; BlockedS is how long the writes
	// waited for the server's window (the server had stopped reading).
	Frames   int64   `json:"frames"`
	Bytes    int64   `json:"bytes"`
	BlockedS float64 `json:"blocked_s"`
	// ClosedAtS is when a write failed because the server had closed the
	// connection, -1 if it never did; CloseErr that write's error.
	ClosedAtS float64 `json:"closed_at_s"`
	CloseErr  string  `json:"close_err,omitempty"`
	// Fate is how the server was at the end; Err a failure to run.
	Fate string `json:"fate"`
	Err  string `json:"err,omitempty"`
}

// growthMarks are the times the table shows RSS growth at.
var growthMarks = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second}

func (e *env) wsNoRead() []section {
	targets := []wsTarget{
		{demo: "websocket", path: "/echo", frames: binaryKiB(), what: "1 KiB binary"},
		{demo: "helloworld", path: "/echo", frames: binaryKiB(), what: "1 KiB binary"},
		{demo: "chat", path: "/chatsocket", frames: chatKiB(), what: `1 KiB text {"body": ...}`},
	}
	s := section{
		Title: "1. WebSocket peer that never reads",
		Method: fmt.Sprintf("One client completes the handshake and writes %s frames as fast as the server takes them "+
			"for %s, never reading what the server sends back (the echo; the chat's broadcast to every socket, "+
			"here the one). The server's RSS is sampled every %s. A write that fails means the server closed "+
			"the connection; writes that block mean it stopped reading (backpressure) without closing.",
			"1 KiB", e.d, sampleEvery) + fmt.Sprintf(" The frames go %d to a write.", burst),
		Head: []string{"demo", "messages", "RSS growth +1 s", "+2 s", "+5 s", "+10 s", "time to +1 GiB", "peak RSS",
			"sent", "writes blocked", "server closed the connection", "server at the end"},
	}
	var raw []noReadResult
	for _, t := range targets {
		r := e.runNoRead(t)
		raw = append(raw, r)
		if r.Err != "" {
			s.Rows = append(s.Rows, []string{t.demo + " " + t.path, t.what, "error: " + r.Err})
			continue
		}
		row := []string{t.demo + " " + t.path, t.what}
		for _, m := range growthMarks {
			if g, ok := r.GrowthAt[m.String()]; ok {
				row = append(row, mib(g))
			} else {
				row = append(row, "–")
			}
		}
		if r.GiBAtS >= 0 {
			row = append(row, fmt.Sprintf("%.2f s", r.GiBAtS))
		} else {
			row = append(row, "never")
		}
		closed := "no"
		if r.ClosedAtS >= 0 {
			closed = fmt.Sprintf("at %.2f s (%s)", r.ClosedAtS, r.CloseErr)
		}
		row = append(row, mib(r.PeakRSS), mib(r.Bytes), fmt.Sprintf("%.1f s", r.BlockedS), closed, r.Fate)
		s.Rows = append(s.Rows, row)
	}
	s.Notes = []string{"\"–\": the server was gone (killed at the cap) or the run had ended by then."}
	s.Raw = raw
	return []section{s}
}

// runNoRead runs scenario 1 against one server.
func (e *env) runNoRead(t wsTarget) noReadResult {
	r := noReadResult{Demo: t.demo, Path: t.path, GrowthAt: map[string]int64{}, ClosedAtS: -1, GiBAtS: -1}
	srv, err := e.startDemo(t.demo, "", t.args...)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer srv.stop(5 * time.Second)
	c, _, err := wsclient.Dial(srv.addr, t.path, 64<<10)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer c.Close()
	time.Sleep(200 * time.Millisecond)
	r.BaseRSS = srv.mem().RSS

	stop := make(chan struct{})
	writerDone := make(chan struct{})
	var frames atomic.Int64
	var blocked time.Duration
	var werr error
	start := time.Now()
	var closedAt time.Duration
	go func() {
		defer close(writerDone)
		for {
			b, err := writeFull(c, t.frames, stop)
			blocked += b
			if err != nil {
				werr = err
				closedAt = time.Since(start)
				return
			}
			frames.Add(burst)
		}
	}()
	select {
	case <-time.After(e.d):
	case <-srv.done:
	case <-writerDone:
		// The server closed the connection: watch its memory a little
		// longer, to see whether it lets go.
		select {
		case <-time.After(time.Second):
		case <-srv.done:
		}
	}
	close(stop)
	<-writerDone
	end := srv.mem()
	r.HWM = end.HWM
	r.PeakRSS, _ = srv.peak()
	r.PeakRSS = max(r.PeakRSS, end.RSS)
	for _, m := range growthMarks {
		if at := start.Add(m); time.Now().After(at) {
			if rss, ok := srv.rssAt(at); ok {
				r.GrowthAt[m.String()] = rss - r.BaseRSS
			}
		}
	}
	if at, ok := srv.firstAbove(r.BaseRSS + 1<<30); ok {
		r.GiBAtS = at.Sub(start).Seconds()
	}
	r.Frames = frames.Load()
	r.Bytes = r.Frames * int64(len(t.frames)/burst)
	r.BlockedS = blocked.Seconds()
	// A write that failed once the server was gone says nothing about
	// the server's choices.
	gone := srv.goneAt()
	if werr != nil && werr != errStopped && (gone.IsZero() || start.Add(closedAt).Before(gone)) {
		r.ClosedAtS = closedAt.Seconds()
		r.CloseErr = shortErr(werr)
	}
	r.Fate = srv.fate()
	return r
}

// starveResult is scenario 2's figures.
type starveResult struct {
	// Before, During and After are the well-behaved client's probes:
	// before the flood, while it runs, and in the second after it.
	Before, During, After probeSummary
	// FloodS is how long the flood ran: -d, or until the server died.
	FloodS float64 `json:"flood_s"`
	// Probes are every probe of the flood phase.
	Probes []probeResult `json:"probes"`
	// SentBytes and EchoBytes are what the flooding client wrote and
	// read.
	SentBytes int64 `json:"sent_bytes"`
	EchoBytes int64 `json:"echo_bytes"`
	// BaseRSS is the server's RSS before the flood; PeakRSS the largest
	// sampled; HWM the last VmHWM read.
	BaseRSS int64  `json:"base_rss"`
	PeakRSS int64  `json:"peak_rss"`
	HWM     int64  `json:"hwm"`
	Fate    string `json:"fate"`
	Err     string `json:"err,omitempty"`
}

func (e *env) starve() []section {
	s := section{
		Title: "2. One connection starves its loop",
		Method: fmt.Sprintf("helloworld with -loops 1. A well-behaved client sends GET / on a new connection every "+
			"100 ms, each with a 3 s timeout: for 2 s before the flood, for %s during it (less if the server dies), and for 1 s after it. "+
			"The flood is one WebSocket connection to /echo that writes 1 KiB binary frames without pause while "+
			"another goroutine reads the echoes as fast as they come.", e.d),
		Head: []string{"phase", "GETs", "200", "timeouts (3 s)", "errors", "unanswered when the server died",
			"p50", "p99", "max"},
	}
	r := e.runStarve()
	s.Raw = r
	if r.Err != "" {
		s.Notes = append(s.Notes, "error: "+r.Err)
		return []section{s}
	}
	s.Rows = [][]string{
		append([]string{"before the flood"}, r.Before.cells()...),
		append([]string{fmt.Sprintf("during the flood (%.1f s)", r.FloodS)}, r.During.cells()...),
	}
	if r.After.N > 0 {
		s.Rows = append(s.Rows, append([]string{"1 s after it"}, r.After.cells()...))
	} else {
		s.Rows = append(s.Rows, []string{"1 s after it", "not run: the server was gone"})
	}
	s.Notes = append(s.Notes,
		fmt.Sprintf("Server RSS: %s before the flood, peak %s (VmHWM %s); at the end: %s.",
			mib(r.BaseRSS), mib(r.PeakRSS), mib(r.HWM), r.Fate),
		fmt.Sprintf("The flooding client wrote %s and read back %s of echoes.", mib(r.SentBytes), mib(r.EchoBytes)))
	return []section{s}
}

func (e *env) runStarve() starveResult {
	var r starveResult
	srv, err := e.startDemo("helloworld", "", "-loops", "1")
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer srv.stop(5 * time.Second)
	const every, limit = 100 * time.Millisecond, 3 * time.Second
	// A phase ends early when the server dies: GETs refused by a dead
	// server are not the figure.
	phase := func(d time.Duration) []probeResult {
		stop := make(chan struct{})
		go func() {
			select {
			case <-time.After(d):
			case <-srv.done:
			}
			close(stop)
		}()
		return probe(srv.addr, "/", every, limit, stop)
	}
	r.Before = summarize(phase(2*time.Second), time.Time{})
	r.BaseRSS = srv.mem().RSS

	c, br, err := wsclient.Dial(srv.addr, "/echo", 64<<10)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	stop := make(chan struct{})
	var sent, echoed atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	frames := binaryKiB()
	go func() {
		defer wg.Done()
		for {
			if _, err := writeFull(c, frames, stop); err != nil {
				return
			}
			sent.Add(int64(len(frames)))
		}
	}()
	go func() {
		defer wg.Done()
		io.Copy(counter{&echoed}, br)
	}()
	t0 := time.Now()
	r.Probes = phase(e.d)
	r.FloodS = time.Since(t0).Seconds()
	r.During = summarize(r.Probes, srv.goneAt())
	close(stop)
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	wg.Wait()
	r.SentBytes, r.EchoBytes = sent.Load(), echoed.Load()
	if !srv.exited() {
		r.After = summarize(phase(time.Second), srv.goneAt())
	}
	end := srv.mem()
	r.PeakRSS, _ = srv.peak()
	r.HWM = end.HWM
	r.Fate = srv.fate()
	return r
}

// counter is a Writer that counts what it is given.
type counter struct{ n *atomic.Int64 }

func (c counter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// shortErr is an error's last part ("connection reset by peer"), the part
// that says what happened.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
