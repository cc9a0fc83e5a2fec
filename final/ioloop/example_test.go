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

// A PeriodicCallback runs on a fixed schedule until stopped.
func ExamplePeriodicCallback() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	n := 0
	var pc *ioloop.PeriodicCallback
	pc = ioloop.NewPeriodicCallback(loop, func() {
		n++
		fmt.Println("tick", n)
		if n == 3 {
			pc.Stop()
			loop.Stop()
		}
	}, 5*time.Millisecond)
	loop.AddCallback(pc.Start)
	loop.Start()
	// Output:
	// tick 1
	// tick 2
	// tick 3
}

// StartGroup runs a loop per core; each callback runs on the loop it was
// given, and Stop waits for all of them.
func ExampleStartGroup() {
	group, err := ioloop.StartGroup(2)
	if err != nil {
		panic(err)
	}
	done := make(chan int, group.Len())
	for i, loop := range group.Loops() {
		loop.AddCallback(func() { done <- i })
	}
	sum := 0
	for range group.Loops() {
		sum += <-done
	}
	fmt.Println("loops:", group.Len(), "sum of indices:", sum, "stop:", group.Stop())
	// Output: loops: 2 sum of indices: 1 stop: <nil>
}
