package ioloop

import (
	"testing"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
)

// A callback that queues the next one: the cost of one turn of the loop with
// one callback in it (no system call: the queue is not empty when polled).
func BenchmarkCallbackChain(b *testing.B) {
	l, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(false)
	b.ReportAllocs()
	_, err = l.RunSync(func() *futures.Future {
		done := futures.New()
		n := 0
		var step func()
		step = func() {
			if n++; n == b.N {
				done.SetResult(nil)
				return
			}
			l.AddCallback(step)
		}
		b.ResetTimer()
		l.AddCallback(step)
		return done
	}, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
}

// AddCallback from another goroutine while the loop sleeps in the poller:
// the eventfd (or pipe) wake-up and the hand-over, one at a time.
func BenchmarkAddCallbackFromGoroutine(b *testing.B) {
	l, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(false)
	ran := make(chan struct{})
	go func() {
		for i := 0; i < b.N; i++ {
			l.AddCallback(func() { ran <- struct{}{} })
			<-ran
		}
		l.Stop()
	}()
	b.ResetTimer()
	if err := l.Start(); err != nil {
		b.Fatal(err)
	}
}
