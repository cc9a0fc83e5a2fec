package ioloop_test

import (
	"fmt"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// Run a timer and a callback, then stop: the shape of every loop program.
func Example() {
	loop, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer loop.Close(false)
	loop.CallLater(10*time.Millisecond, func() {
		fmt.Println("timer")
		loop.Stop()
	})
	loop.AddCallback(func() { fmt.Println("callback") })
	if err := loop.Start(); err != nil {
		panic(err)
	}
	// Output:
	// callback
	// timer
}

// RunSync runs the loop until a Future is done and returns its result.
func ExampleRunSync() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	v, err := ioloop.RunSync(loop, func() *concurrent.Future[string] {
		return ioloop.RunInExecutor(loop, nil, func() (string, error) {
			return "computed on another goroutine", nil
		})
	}, time.Second)
	fmt.Println(v, err)
	// Output: computed on another goroutine <nil>
}
