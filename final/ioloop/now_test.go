package ioloop

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNowIsReadOncePerIteration(t *testing.T) {
	l := newLoop(t)
	before := l.Now()
	assert.False(t, l.Now().Before(before), "outside Start, Now is Time")
	var first, second, inTimer, timerLive time.Time
	var iterStart time.Time
	runUntil(t, l, func(stop func()) {
		first = l.Now()
		iterStart = l.Time()
		l.AddCallback(func() {})
		second = l.Now()
		l.CallLater(2*time.Millisecond, func() {
			inTimer = l.Now()
			timerLive = l.Time()
			stop()
		})
	})
	assert.Equal(t, first, second, "the same within an iteration")
	assert.False(t, first.After(iterStart), "read when the iteration began")
	assert.GreaterOrEqual(t, inTimer.Sub(first), 2*time.Millisecond, "refreshed by later iterations")
	assert.False(t, inTimer.After(timerLive))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = l.Now() }))
}
