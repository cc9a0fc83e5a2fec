package coroutines_test

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/gornado/gornado/internal/workload"
	"github.com/gornado/gornado/stage2-callbacks"
	"github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage4-coroutines"
)

// The seed's fetch_coroutine, run at the top of a program with RunSync, on
// stage 2's loop, against a workload server on 127.0.0.1.
func Example() {
	srv, _ := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	defer srv.Close()
	loop, _ := callbacks.NewLoop()
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	fetchCoroutine := func(url string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			body, err := await(futures.FetchFuture(loop, url))
			if err != nil {
				return nil, err
			}
			return body, nil // raise gen.Return(response.body)
		}
	}
	body, err := r.RunSync(fetchCoroutine(srv.PageURL(1)), 5*time.Second)
	fmt.Printf("%q %v\n", body, err)
	// Output: "page 1\n" <nil>
}

// divide is the seed's example coroutine; 1/0 panics in Go as it raises
// ZeroDivisionError in Python, and the panic is trapped in the Future.
func divide(x, y int) coroutines.Func {
	return func(await coroutines.Await) (any, error) { return x / y, nil }
}

// bad_call drops the Future and the error with it; good_call awaits it, and
// the error surfaces.
func ExampleRunner_Go() {
	loop, _ := callbacks.NewLoop()
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	badCall := func(await coroutines.Await) (any, error) {
		r.Go(divide(1, 0)) // the panic is trapped in a Future nobody reads
		return "bad_call returned normally", nil
	}
	goodCall := func(await coroutines.Await) (any, error) {
		return await(r.Go(divide(1, 0)))
	}
	fmt.Println(r.RunSync(badCall, time.Second))
	_, err := r.RunSync(goodCall, time.Second)
	var p *coroutines.PanicError
	fmt.Println(err, errors.As(err, &p))
	// Output:
	// bad_call returned normally <nil>
	// coroutines: panic: runtime error: integer divide by zero true
}

// run_sync with a timeout: the coroutine is stopped at its Await.
func ExampleRunner_RunSync() {
	loop, _ := callbacks.NewLoop()
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	_, err := r.RunSync(func(await coroutines.Await) (any, error) {
		_, err := await(coroutines.Sleep(loop, time.Hour))
		fmt.Println("the sleep ended with:", err)
		return nil, err
	}, 20*time.Millisecond)
	fmt.Println(err)
	// Output:
	// the sleep ended with: coroutines: coroutine stopped: futures: future was cancelled
	// coroutines: operation timed out after 20ms
}

// spawn_callback: fire and forget; a failure is logged with its stack.
func ExampleRunner_SpawnCallback() {
	loop, _ := callbacks.NewLoop()
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()
	r.ErrorLog = shortPaths{} // any Printf will do; *log.Logger is the usual one

	r.SpawnCallback(func(await coroutines.Await) (any, error) {
		return nil, errors.New("nobody awaits me")
	})
	_, _ = r.RunSync(func(await coroutines.Await) (any, error) {
		return await(coroutines.Sleep(loop, time.Millisecond))
	}, time.Second)
	// Output: coroutines: spawned coroutine (from example_test.go:95) failed: nobody awaits me
}

// shortPaths prints log lines with file paths cut to their base name, so
// that the example's output does not depend on where the repository lives.
type shortPaths struct{}

func (shortPaths) Printf(format string, v ...any) {
	fmt.Println(regexp.MustCompile(`\(from [^ ]*/`).ReplaceAllString(fmt.Sprintf(format, v...), "(from "))
}

// gen.multi: wait for a slice of Futures at once; results in order.
func ExampleRunner_Multi() {
	loop, _ := callbacks.NewLoop()
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	sleepThen := func(d time.Duration, v string) *futures.Future {
		return r.Go(func(await coroutines.Await) (any, error) {
			_, err := await(coroutines.Sleep(loop, d))
			return v, err
		})
	}
	v, err := r.RunSync(func(await coroutines.Await) (any, error) {
		return await(r.Multi([]*futures.Future{
			sleepThen(20*time.Millisecond, "slow"),
			sleepThen(time.Millisecond, "fast"),
		}))
	}, time.Second)
	fmt.Println(v, err)
	// Output: [slow fast] <nil>
}
