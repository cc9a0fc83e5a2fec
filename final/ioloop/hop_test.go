package ioloop

import (
	"testing"

	"github.com/gornado/gornado/final/concurrent"
)

// BenchmarkExecutorHop measures one hop to the executor and back: a
// callback on the loop submits a function that does nothing, and the loop
// awaits its Future (RunInExecutor + AddFuture), the path of a database
// query run off the loop. With nothing else to do the loop waits for the
// worker's AddCallback; how fast that wait ends is what this measures. Run
// it with -cpu 1,2: at GOMAXPROCS=1 the worker needs the loop's P.
// "locked" runs the loop locked to its OS thread (WithLockOSThread), as
// servers do.
func BenchmarkExecutorHop(b *testing.B) {
	for _, c := range []struct {
		name string   // sub-benchmark name
		opts []Option // the loop's options
	}{{"free", nil}, {"locked", []Option{WithLockOSThread()}}} {
		b.Run(c.name, func(b *testing.B) {
			l := newLoop(b, c.opts...)
			noop := func() (struct{}, error) { return struct{}{}, nil }
			n := 0
			var hop func()
			var back func(*concurrent.Future[struct{}])
			hop = func() { AddFuture(l, RunInExecutor(l, nil, noop), back) }
			back = func(*concurrent.Future[struct{}]) {
				n++
				if n >= b.N {
					l.Stop()
					return
				}
				hop()
			}
			b.ReportAllocs()
			b.ResetTimer()
			l.AddCallback(hop)
			if err := l.Start(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
