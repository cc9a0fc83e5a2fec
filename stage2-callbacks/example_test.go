package callbacks_test

import (
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/gornado/gornado/internal/workload"
	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// The seed's asynchronous_fetch(url, callback), the first async interface
// style: a callback argument. Fetch returns before the page arrives; the
// callback runs later, on the loop.
func ExampleFetch() {
	srv, _ := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	defer srv.Close()
	l, _ := callbacks.NewLoop()
	defer l.Close()

	callbacks.Fetch(l, srv.PageURL(1), func(body []byte, err error) {
		fmt.Printf("callback: %q, %v\n", body, err)
		l.Stop()
	})
	fmt.Println("Fetch returned")
	_ = l.Start()
	// Output:
	// Fetch returned
	// callback: "page 1\n", <nil>
}

// The second style, a placeholder. Nothing says when it is filled in, so the
// caller has to keep looking: here a timer checks every millisecond.
func ExampleFetchPlaceholder() {
	srv, _ := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	defer srv.Close()
	l, _ := callbacks.NewLoop()
	defer l.Close()

	p := callbacks.FetchPlaceholder(l, srv.PageURL(2))
	fmt.Println("done at once?", p.Done())
	var look func()
	look = func() {
		if !p.Done() {
			l.CallLater(time.Millisecond, look)
			return
		}
		body, err := p.Body()
		fmt.Printf("filled in: %q, %v\n", body, err)
		l.Stop()
	}
	look()
	_ = l.Start()
	// Output:
	// done at once? false
	// filled in: "page 2\n", <nil>
}

// The third style, delivery to a queue. The loop runs on a goroutine of its
// own, and this one drains the queue, a channel, as results come in.
func ExampleFetchToQueue() {
	srv, _ := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	defer srv.Close()
	l, _ := callbacks.NewLoop()
	defer l.Close()

	urls := []string{srv.PageURL(0), srv.PageURL(1), srv.PageURL(2) + "?status=404"}
	queue := callbacks.FetchToQueue(l, urls)
	stopped := make(chan error)
	go func() { stopped <- l.Start() }()

	var lines []string
	for range urls {
		r := <-queue
		lines = append(lines, fmt.Sprintf("%q %v", r.Body, r.Err))
	}
	l.Stop()
	<-stopped
	sort.Strings(lines) // they arrive in any order
	for _, line := range lines {
		fmt.Println(line)
	}
	// Output:
	// "" HTTP 404: Not Found
	// "page 0\n" <nil>
	// "page 1\n" <nil>
}

// The fourth style, a callback registry: POSIX signals. The handler is
// registered once and runs on the loop, as a callback, each time the signal
// arrives. Here the program sends SIGUSR1 to itself.
func ExampleLoop_AddSignalHandler() {
	l, _ := callbacks.NewLoop()
	defer l.Close()

	remove := l.AddSignalHandler(func(sig os.Signal) {
		fmt.Println("on the loop:", sig)
		l.Stop()
	}, syscall.SIGUSR1)
	defer remove()

	l.AddCallback(func() { _ = syscall.Kill(syscall.Getpid(), syscall.SIGUSR1) })
	_ = l.Start()
	// Output:
	// on the loop: user defined signal 1
}
