package coroutines

import (
	"time"

	"github.com/gornado/gornado/stage3-futures"
)

// Sleep returns a Future that is done after d: Tornado's gen.sleep, the brick
// the seed's background loops (minute_loop, minute_loop2) are built from.
// Await it to pause a coroutine without blocking the loop.
//
// Tornado's gen.sleep asks its IOLoop for a timer (call_later). Our Loop only
// promises AddCallback, so Sleep keeps the clock itself: time.AfterFunc fires
// on a goroutine of its own, which must not touch the Future (Futures belong
// to the loop's goroutine), so it hands the wake-up back through AddCallback.
// The same code thus sleeps on stage2's toy loop and on stage5's IOLoop.
//
// Cancelling the Future stops the timer; that is how a stopped coroutine that
// was sleeping leaves nothing behind.
func Sleep(loop Loop, d time.Duration) *futures.Future {
	f := futures.New()
	t := time.AfterFunc(d, func() {
		loop.AddCallback(func() { _ = f.SetResult(nil) })
	})
	f.AddDoneCallback(func(f *futures.Future) {
		if f.Cancelled() {
			t.Stop()
		}
	})
	return f
}
