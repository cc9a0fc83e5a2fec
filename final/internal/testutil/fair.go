package testutil

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The bounds a loop shared with a busy peer must keep for everyone else:
// another client's 99th-percentile round trip, and the lateness of a
// 100 ms timer on the loop. Under the race detector, whose instrumentation
// makes each step of the loop several times as slow, they are
// raceScale times as wide: still two orders of magnitude under what a
// loop held by its peer shows (seconds); .ci/run also runs the fairness
// tests without it, against these bounds as they are.
const (
	FairP99       = 10 * time.Millisecond
	FairTimerLate = 20 * time.Millisecond
	raceScale     = 5
	fairDelay     = 100 * time.Millisecond
	// fairAttempts bounds the measurements MeasureFairness makes.
	fairAttempts = 5
)

// Fairness is what MeasureFairness saw: the other client's round trips,
// and how late the loop ran its timer; beside them, the same measured
// without the loop, which says how busy the machine was.
type Fairness struct {
	P50, P99, Max time.Duration
	TimerLate     time.Duration
	// ControlP99 and ControlLate are the 99th percentile of round trips
	// to an echo served by a plain goroutine, interleaved with the
	// others, and the lateness of a runtime timer set beside the loop's.
	ControlP99, ControlLate time.Duration
}

// ok reports whether the bounds hold for what the loop adds to what the
// machine does to any goroutine: the round trips' p99 and the timer's
// lateness, less the control's. On a quiet machine the control is a
// fraction of a millisecond and the bounds are the bounds; on a busy one
// (go test runs packages side by side; here, a virtual machine's CPU too)
// the machine's own delays, tens of milliseconds at times, are not
// charged to the loop. A loop held by its peer adds seconds, and fails
// either way.
func (f Fairness) ok() bool {
	p99, late := fairBounds()
	return f.P99-f.ControlP99 < p99 && f.TimerLate-f.ControlLate < late
}

// fairBounds returns FairP99 and FairTimerLate, scaled under the race
// detector.
func fairBounds() (p99, late time.Duration) {
	if raceEnabled {
		return raceScale * FairP99, raceScale * FairTimerLate
	}
	return FairP99, FairTimerLate
}

// MeasureFairness measures a loop while a busy peer (a flood the caller
// started) shares it: n round trips of another client (roundTrip, from
// the test's goroutine), and a 100 ms timer that timer schedules on the
// loop, returning a channel that receives its lateness. Beside them it
// measures a control that does not touch the loop: round trips to an echo
// served by a plain goroutine, interleaved with the others, and a runtime
// timer set beside the loop's. The bounds apply to what the loop adds
// (see ok). It measures up to fairAttempts times, until the bounds hold, and
// returns the last measurement for the caller to assert on (AssertFair): a
// loop held by its peer fails every one.
func MeasureFairness(t testing.TB, n int, timer func(delay time.Duration) <-chan time.Duration, roundTrip func() error) Fairness {
	t.Helper()
	// With the loop and a flooding peer each holding a P, a client
	// goroutine would wait for Go's scheduler (up to its 10 ms preemption
	// tick) rather than for the loop. Spare Ps leave the waiting to the
	// kernel, as for a client in another process.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 2)
	control := startControlEcho(t)
	var f Fairness
	for range fairAttempts {
		late := timer(fairDelay)
		want := time.Now().Add(fairDelay)
		controlLate := make(chan time.Duration, 1)
		time.AfterFunc(fairDelay, func() { controlLate <- time.Since(want) })
		rtts := make([]time.Duration, 0, n)
		ctrl := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			if err := roundTrip(); err != nil {
				t.Fatalf("round trip %d of the other client: %v", len(rtts)+1, err)
			}
			rtts = append(rtts, time.Since(start))
			start = time.Now()
			if err := control(); err != nil {
				t.Fatalf("round trip %d of the control: %v", len(ctrl)+1, err)
			}
			ctrl = append(ctrl, time.Since(start))
		}
		slices.Sort(rtts)
		slices.Sort(ctrl)
		f = Fairness{P50: rtts[n/2], P99: rtts[n*99/100], Max: rtts[n-1], ControlP99: ctrl[n*99/100]}
		f.TimerLate = Recv(t, late, "the 100 ms timer on the busy loop")
		f.ControlLate = Recv(t, controlLate, "the control timer")
		t.Logf("while the peer floods the loop: round trips p50 %v, p99 %v, max %v; the 100 ms timer late by %v (control: p99 %v, timer late by %v)",
			f.P50, f.P99, f.Max, f.TimerLate, f.ControlP99, f.ControlLate)
		if f.ok() {
			break
		}
	}
	return f
}

// startControlEcho starts a one-byte echo served by a plain goroutine on
// 127.0.0.1 and returns one round trip to it; both end with the test.
func startControlEcho(t testing.TB) func() error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("control listener: %v", err)
	}
	go func() {
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("control dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	buf := make([]byte, 1)
	return func() error {
		if _, err := c.Write(buf); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := io.ReadFull(c, buf)
		return err
	}
}

// AssertFair fails the test unless what the loop added to the control
// keeps the bounds (see ok).
func AssertFair(t testing.TB, f Fairness) {
	t.Helper()
	p99, late := fairBounds()
	if f.P99-f.ControlP99 >= p99 {
		t.Errorf("p99 of the other client's round trips is %v, %v over the control's, not under %v", f.P99, f.P99-f.ControlP99, p99)
	}
	if f.TimerLate-f.ControlLate >= late {
		t.Errorf("the 100 ms timer ran %v late, %v over the control's, not under %v", f.TimerLate, f.TimerLate-f.ControlLate, late)
	}
}

// Flooding takes, until the test ends, the lock that test processes
// running side by side (go test runs packages in parallel) share around
// their floods: a fairness test floods a loop with all a core can give,
// and two at once (of two packages) would each see the other's flood as a
// loop that is slow to answer. Call it before starting the flood. The
// lock is a file in the temporary directory, locked with flock(2), which
// the kernel releases if the process dies.
func Flooding(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "gornado-fairness-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("fairness lock: %v", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		t.Fatalf("fairness lock: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}
