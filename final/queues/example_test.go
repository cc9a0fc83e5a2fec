package queues_test

import (
	"fmt"
	"time"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/queues"
)

// A producer and a consumer, with a bounded queue between them (Tornado's
// queue example). The consumer is already waiting, so item 0 goes straight
// to it; items 1 and 2 fill the queue; the producer never has to wait.
func Example() {
	loop, _ := ioloop.New()
	defer loop.Close(false)
	q := queues.New[int](loop, 2)
	consumer := func(c *gen.Co) (struct{}, error) {
		for {
			item, err := gen.Await(c, q.Get(0))
			if err != nil || item < 0 {
				return struct{}{}, err
			}
			fmt.Println("doing work on", item)
			q.TaskDone()
		}
	}
	producer := func(c *gen.Co) (struct{}, error) {
		for item := 0; item < 3; item++ {
			gen.Await(c, q.Put(item, 0))
			fmt.Println("put", item)
		}
		return struct{}{}, nil
	}
	gen.Run(loop, 5*time.Second, func(c *gen.Co) (struct{}, error) {
		done := gen.Go(loop, consumer)
		gen.Await(c, gen.Go(loop, producer))
		gen.Await(c, q.Join(0))
		q.Put(-1, 0)
		return gen.Await(c, done)
	})
	// Output:
	// put 0
	// put 1
	// put 2
	// doing work on 0
	// doing work on 1
	// doing work on 2
}
