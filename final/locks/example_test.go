package locks_test

import (
	"fmt"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/locks"
)

// An Event releases every coroutine waiting for it.
func ExampleEvent() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	ready := locks.NewEvent(loop)
	waiter := func(name string) *concurrent.Future[struct{}] {
		return gen.Go(loop, func(c *gen.Co) (struct{}, error) {
			fmt.Println(name, "waits")
			_, err := gen.Await(c, ready.Wait(time.Second))
			fmt.Println(name, "goes")
			return struct{}{}, err
		})
	}
	gen.Run(loop, 5*time.Second, func(c *gen.Co) ([]struct{}, error) {
		all := []*concurrent.Future[struct{}]{waiter("a"), waiter("b")}
		ready.Set()
		return gen.Await(c, gen.Multi(all))
	})
	// Output:
	// a waits
	// b waits
	// a goes
	// b goes
}
