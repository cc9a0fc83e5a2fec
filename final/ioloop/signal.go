// Signals delivered to the loop as callbacks: Tornado's
// add_callback_from_signal and the "callback registry" style of the seed.

package ioloop

import (
	"os"
	"os/signal"
)

// AddCallbackFromSignal schedules fn on the loop from a signal handler,
// Tornado's IOLoop.add_callback_from_signal. In Go a signal never interrupts
// a goroutine: os/signal delivers it on a channel, to ordinary goroutine code,
// so the goroutine-safe AddCallback is already the right tool and this is the
// same call under Tornado's name. See AddSignalHandler for the whole path.
func (l *IOLoop) AddCallbackFromSignal(fn func()) { l.AddCallback(fn) }

// AddSignalHandler runs fn on the loop each time one of sigs arrives, until
// the returned stop function is called. The signal is received by a goroutine
// (os/signal's channel) and handed to the loop with AddCallback, so fn runs
// on the loop like any other callback and needs no locks.
func (l *IOLoop) AddSignalHandler(fn func(os.Signal), sigs ...os.Signal) (stop func()) {
	ch := make(chan os.Signal, 4)
	done := make(chan struct{})
	signal.Notify(ch, sigs...)
	go func() {
		for {
			select {
			case sig := <-ch:
				l.AddCallbackFromSignal(func() { fn(sig) })
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
