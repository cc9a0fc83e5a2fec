package gen_test

import (
	"fmt"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
)

// Two sleeps awaited in parallel, then a result from another goroutine.
func Example() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	v, err := gen.Run(loop, 5*time.Second, func(c *gen.Co) (string, error) {
		_, err := gen.Await(c, gen.Multi([]*concurrent.Future[struct{}]{
			gen.Sleep(loop, 10*time.Millisecond),
			gen.Sleep(loop, 20*time.Millisecond),
		}))
		if err != nil {
			return "", err
		}
		return gen.Await(c, ioloop.RunInExecutor(loop, nil, func() (string, error) {
			return "slept twice, computed once", nil
		}))
	})
	fmt.Println(v, err)
	// Output: slept twice, computed once <nil>
}

// The seed's two background loops. minute_loop sleeps after the work, so
// its period is the work plus the sleep; minute_loop2 starts the sleep
// first, so its period is the longer of the two.
func ExampleSleep_backgroundLoops() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	work := func(name string, i int) *concurrent.Future[struct{}] {
		fmt.Println(name, "works", i)
		return gen.Sleep(loop, 2*time.Millisecond)
	}
	minuteLoop := func(c *gen.Co) (struct{}, error) {
		for i := 0; i < 2; i++ {
			gen.Await(c, work("minute_loop", i))
			gen.Await(c, gen.Sleep(loop, 10*time.Millisecond))
		}
		return struct{}{}, nil
	}
	minuteLoop2 := func(c *gen.Co) (struct{}, error) {
		for i := 0; i < 2; i++ {
			next := gen.Sleep(loop, 10*time.Millisecond) // start the clock first
			gen.Await(c, work("minute_loop2", i))
			gen.Await(c, next)
		}
		return struct{}{}, nil
	}
	start := time.Now()
	gen.Run(loop, 5*time.Second, func(c *gen.Co) (struct{}, error) {
		gen.Await(c, gen.Go(loop, minuteLoop))
		fmt.Println("minute_loop took at least 24ms:", time.Since(start) >= 24*time.Millisecond)
		start = time.Now()
		return gen.Await(c, gen.Go(loop, minuteLoop2))
	})
	fmt.Println("minute_loop2 took at least 20ms:", time.Since(start) >= 20*time.Millisecond)
	// Output:
	// minute_loop works 0
	// minute_loop works 1
	// minute_loop took at least 24ms: true
	// minute_loop2 works 0
	// minute_loop2 works 1
	// minute_loop2 took at least 20ms: true
}
