package ioloop_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
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

// firstLine keeps the first line of each log message: the stacks that follow
// change with every build.
type firstLine struct{}

func (firstLine) Write(p []byte) (int, error) {
	line, _, _ := bytes.Cut(p, []byte("\n"))
	fmt.Fprintf(os.Stdout, "%s\n", line)
	return len(p), nil
}

// A panicking callback and a spawned callback whose Future fails are logged
// (with their stacks, cut off here), and the loop carries on.
func ExampleIOLoop_SpawnCallback() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	loop.ErrorLog = log.New(firstLine{}, "", 0)

	loop.AddCallback(func() {
		var counts map[string]int
		//lint:ignore SA5000 the panic is the point of the example
		counts["oops"]++ // a nil map: panics
	})
	loop.SpawnCallback(func() *futures.Future {
		return futures.Failed(errors.New("division by zero"))
	})
	_, err := loop.RunSync(func() *futures.Future { return futures.Resolved("ok") }, time.Second)
	fmt.Println("the loop carried on:", err)
	// Output:
	// ioloop: exception in callback: assignment to entry in nil map
	// ioloop: exception in spawned callback: division by zero
	// the loop carried on: <nil>
}
