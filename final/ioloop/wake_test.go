package ioloop

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingPoller counts wakes.
type countingPoller struct {
	poller
	// wakes counts wake calls; waits counts wait calls.
	wakes, waits atomic.Int32
	// hold, when set, keeps the loop inside the first wait that a wake ended
	// until it is closed: the loop is then awake but not yet running
	// callbacks, the window in which further AddCallbacks must not wake it.
	hold chan struct{}
}

func (c *countingPoller) wait(until time.Time, ev []readyEvent) (int, error) {
	c.waits.Add(1)
	n, err := c.poller.wait(until, ev)
	if c.hold != nil && c.wakes.Load() > 0 {
		<-c.hold
		c.hold = nil
	}
	return n, err
}

func (c *countingPoller) wake() error {
	c.wakes.Add(1)
	return c.poller.wake()
}

func TestWakesAreCoalesced(t *testing.T) {
	// Callbacks added while the loop sleeps cost one wake per sleep: the
	// first flips the sleeping flag, the others see it already flipped.
	// Without coalescing, each of the thousand would write to the eventfd.
	l := newLoop(t)
	cp := &countingPoller{poller: l.poller, hold: make(chan struct{})}
	l.poller = cp
	asleep := make(chan struct{})
	ran := 0
	l.AddCallback(func() {
		// Runs on the loop; the next poll blocks (no timers, no work).
		go func() {
			for l.sleeping.Load() == 0 {
				// Wait for the loop to announce its sleep: an event with
				// no channel, since the loop is what we wait for.
			}
			for i := 0; i < 1000; i++ {
				l.AddCallback(func() { ran++ })
			}
			l.AddCallback(l.Stop)
			close(cp.hold)
			close(asleep)
		}()
	})
	require.NoError(t, l.Start())
	<-asleep
	assert.Equal(t, 1000, ran)
	wakes, waits := cp.wakes.Load(), cp.waits.Load()
	t.Logf("%d wakes, %d waits for 1001 callbacks", wakes, waits)
	// The first AddCallback woke the sleeping loop; the other thousand came
	// while it was awake (held in the wait that the wake ended) and must
	// not have written to the wake descriptor again.
	assert.Equal(t, int32(1), wakes, "one wake for callbacks added during one sleep")
}
