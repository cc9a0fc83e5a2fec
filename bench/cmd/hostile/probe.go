// The well-behaved client beside a hostile one: GET on a fresh connection at
// a fixed pace, each with its own timeout, so that a stalled server shows as
// timeouts rather than as fewer probes.

package main

import (
	"fmt"
	"sync"
	"time"
)

// probeResult is one well-behaved request.
type probeResult struct {
	// AtS is when it was sent, in seconds from the phase's start.
	AtS float64 `json:"at_s"`
	// LatencyMS is the time to the last byte of the response; Status its
	// status; Err why there was none ("timeout" past the limit).
	LatencyMS float64 `json:"latency_ms,omitempty"`
	Status    int     `json:"status,omitempty"`
	Err       string  `json:"err,omitempty"`
	// sent and ended are when the request was sent and when it ended.
	sent, ended time.Time
}

// probeSummary is a phase's probes reduced to the figures the tables show.
type probeSummary struct {
	N        int `json:"n"`
	OK       int `json:"ok"`
	Timeouts int `json:"timeouts"`
	Errors   int `json:"errors"`
	// Cut counts the requests still unanswered when the server died,
	// which failed then; CutWaited is the longest any of them had
	// waited.
	Cut       int           `json:"cut"`
	CutWaited time.Duration `json:"cut_waited_ns"`
	// P50, P99 and Max are over the answered probes, -1 for none.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// probe sends GET path to addr every interval until stop closes, each
// request in a goroutine of its own with limit to finish, and returns every
// result once the last one has ended.
func probe(addr, path string, every, limit time.Duration, stop <-chan struct{}) []probeResult {
	var (
		mu  sync.Mutex
		out []probeResult
		wg  sync.WaitGroup
	)
	t0 := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		wg.Add(1)
		go func(at time.Duration) {
			defer wg.Done()
			sent := time.Now()
			lat, status, err := get(addr, path, limit)
			r := probeResult{AtS: at.Seconds(), Status: status, sent: sent, ended: time.Now()}
			switch {
			case err != nil && isTimeout(err):
				r.Err = "timeout"
			case err != nil:
				r.Err = err.Error()
			default:
				r.LatencyMS = float64(lat) / float64(time.Millisecond)
			}
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		}(time.Since(t0))
		select {
		case <-stop:
			wg.Wait()
			return out
		case <-tick.C:
		}
	}
}

// summarize reduces probe results: a probe is OK with status 200, a timeout
// when it passed its limit, cut when it failed as the server died (gone,
// zero if it did not), an error otherwise (refused, reset, another status).
func summarize(rs []probeResult, gone time.Time) probeSummary {
	s := probeSummary{N: len(rs)}
	var lats []time.Duration
	for _, r := range rs {
		switch {
		case r.Err == "timeout":
			s.Timeouts++
		case r.Err != "" && !gone.IsZero() && r.ended.After(gone.Add(-50*time.Millisecond)):
			s.Cut++
			s.CutWaited = max(s.CutWaited, gone.Sub(r.sent))
		case r.Err != "" || r.Status != 200:
			s.Errors++
		default:
			s.OK++
			lats = append(lats, time.Duration(r.LatencyMS*float64(time.Millisecond)))
		}
	}
	s.P50, s.P99, s.Max = percentile(lats, 50), percentile(lats, 99), percentile(lats, 100)
	return s
}

// cells formats a summary for a table: probes, OK, timeouts, errors, cut
// by the server's death, p50, p99, max.
func (s probeSummary) cells() []string {
	cut := "0"
	if s.Cut > 0 {
		cut = fmt.Sprintf("%d (waiting up to %s)", s.Cut, ms(s.CutWaited))
	}
	return []string{
		itoa(s.N), itoa(s.OK), itoa(s.Timeouts), itoa(s.Errors), cut,
		msOrDash(s.P50), msOrDash(s.P99), msOrDash(s.Max),
	}
}
