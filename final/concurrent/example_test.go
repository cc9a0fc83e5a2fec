package concurrent_test

import (
	"fmt"
	"strings"

	"github.com/gornado/gornado/final/concurrent"
)

// A Future resolved later, a callback waiting for it, and a chained result.
func Example() {
	f := concurrent.NewFuture[string]()
	upper := concurrent.Then(f, func(s string) (string, error) { return strings.ToUpper(s), nil })
	f.AddDoneCallback(func(f *concurrent.Future[string]) {
		v, _ := f.Result()
		fmt.Println("done:", v)
	})
	f.SetResult("hello")
	v, err := upper.Result()
	fmt.Println(v, err)
	// Output:
	// done: hello
	// HELLO <nil>
}

// ToChan lets a goroutine outside the loop wait for a Future.
func ExampleToChan() {
	f := concurrent.NewFuture[int]()
	ch := concurrent.ToChan(f)
	f.SetResult(42)
	fmt.Println((<-ch).Value)
	// Output: 42
}
