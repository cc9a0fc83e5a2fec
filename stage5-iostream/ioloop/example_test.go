package ioloop_test

import (
	"fmt"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
)

// RunSync runs the loop until a Future is done: here, three ticks of a
// PeriodicCallback.
func ExampleIOLoop_RunSync() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	result, err := loop.RunSync(func() *futures.Future {
		done, ticks := futures.New(), 0
		var pc *ioloop.PeriodicCallback
		pc = ioloop.NewPeriodicCallback(loop, func() {
			ticks++
			if ticks == 3 {
				pc.Stop()
				done.SetResult(fmt.Sprintf("%d ticks", ticks))
			}
		}, 5*time.Millisecond)
		pc.Start()
		return done
	}, time.Second)
	fmt.Println(result, err)
	// Output: 3 ticks <nil>
}

func ExampleEvents_String() {
	fmt.Println(ioloop.READ|ioloop.WRITE, ioloop.ERROR, ioloop.Events(0))
	// Output: READ|WRITE ERROR NONE
}
