package ioloop

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddSignalHandlerRunsOnTheLoop(t *testing.T) {
	l := newLoop(t)
	var got []os.Signal
	var onLoop bool
	runUntil(t, l, func(stop func()) {
		var unsubscribe func()
		unsubscribe = l.AddSignalHandler(func(sig os.Signal) {
			got = append(got, sig)
			onLoop = CurrentOrNil() == l
			unsubscribe()
			stop()
		}, syscall.SIGUSR2)
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	})
	assert.Equal(t, []os.Signal{syscall.SIGUSR2}, got)
	assert.True(t, onLoop, "the handler runs on the loop's goroutine")
}

func TestInstanceHelpers(t *testing.T) {
	ClearInstance()
	assert.False(t, Initialized())
	l := newLoop(t)
	l.Install()
	assert.True(t, Initialized())
	assert.Same(t, l, Current())
	assert.Same(t, l, Instance())
	ClearInstance()
	assert.False(t, Initialized())
}
