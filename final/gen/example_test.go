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
