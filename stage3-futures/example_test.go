package futures_test

import (
	"fmt"
	"time"

	"github.com/gornado/gornado/internal/workload"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
	futures "github.com/gornado/gornado/stage3-futures"
)

// asyncFetchFuture is the seed's async_fetch_future, line for line: a Future
// of its own, resolved by a done-callback on the fetch's Future. (FetchFuture
// alone would do; the seed shows the plumbing.)
func asyncFetchFuture(l *callbacks.Loop, url string) *futures.Future {
	myFuture := futures.New()
	fetchFuture := futures.FetchFuture(l, url)
	fetchFuture.AddDoneCallback(func(f *futures.Future) {
		body, err := f.Result()
		if err != nil {
			_ = myFuture.SetException(err)
			return
		}
		_ = myFuture.SetResult(body)
	})
	return myFuture
}

func Example_asyncFetchFuture() {
	srv, _ := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	defer srv.Close()
	l, _ := callbacks.NewLoop()
	defer l.Close()

	f := asyncFetchFuture(l, srv.PageURL(1))
	fmt.Println("returned at once, done:", f.Done())
	f.AddDoneCallback(func(f *futures.Future) {
		body, err := f.Result()
		fmt.Printf("add_done_callback: %q, %v\n", body, err)
		l.Stop()
	})
	_ = l.Start()
	// Output:
	// returned at once, done: false
	// add_done_callback: "page 1\n", <nil>
}

// A Future is a value: the fetches are started in one place, and what to do
// with them is decided in another, here by waiting on all of them at once.
func ExampleAll() {
	srv, _ := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	defer srv.Close()
	l, _ := callbacks.NewLoop()
	defer l.Close()

	all := futures.All(
		futures.FetchFuture(l, srv.PageURL(1)),
		futures.FetchFuture(l, srv.PageURL(2)),
	)
	all.AddDoneCallback(func(all *futures.Future) {
		pages, err := all.Result()
		fmt.Printf("%q %v\n", pages, err)
		l.Stop()
	})
	_ = l.Start()
	// Output:
	// ["page 1\n" "page 2\n"] <nil>
}

// Then and AndThen chain steps; the error of the 404 skips every later step
// and arrives at the end by itself.
func ExampleFuture_Then() {
	srv, _ := workload.Start("127.0.0.1:0", 0)
	defer srv.Close()
	l, _ := callbacks.NewLoop()
	defer l.Close()

	size := func(v any) (any, error) { return len(v.([]byte)), nil }
	good := futures.FetchFuture(l, srv.PageURL(1)).Then(size)
	bad := futures.FetchFuture(l, srv.PageURL(1)+"?status=404").Then(size)
	futures.All(good, bad).AddDoneCallback(func(*futures.Future) { l.Stop() })
	_ = l.Start()

	fmt.Println(good.Result())
	fmt.Println(bad.Result())
	// Output:
	// 7 <nil>
	// <nil> HTTP 404: Not Found
}
