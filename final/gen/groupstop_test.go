package gen

import (
	"testing"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// TestCoroutineResumedAfterGroupStop: a coroutine waiting when its Group
// stops is resumed by the callbacks Stop still runs (a connection handed
// between loops, a Future resolved as the loop stopped). The Go runtime
// requires a coroutine to be resumed under the OS-thread locking it was
// created under, and a Group's loops with WithLockOSThread run locked to
// their threads: run on the goroutine that called Stop, the resumption
// aborted the process ("coro: OS thread locking must match locking at
// coroutine creation").
func TestCoroutineResumedAfterGroupStop(t *testing.T) {
	g, err := ioloop.StartGroup(1, ioloop.WithLockOSThread())
	if err != nil {
		t.Fatal(err)
	}
	loop := g.Loops()[0]
	f := concurrent.NewFuture[struct{}]()
	resumed := make(chan struct{}, 1)
	ready := make(chan struct{})
	loop.AddCallback(func() {
		Go(loop, func(c *Co) (struct{}, error) {
			_, err := Await(c, f)
			resumed <- struct{}{}
			return struct{}{}, err
		})
		// The loop stops at the end of this iteration; the callback
		// added now is left for Stop to run, and it resumes the
		// coroutine.
		loop.Stop()
		loop.AddCallback(func() { f.SetResult(struct{}{}) })
		close(ready)
	})
	testutil.Recv(t, ready, "the coroutine's start")
	if err := g.Stop(); err != nil {
		t.Fatal(err)
	}
	testutil.Recv(t, resumed, "the coroutine resumed by Stop's leftovers")
}
