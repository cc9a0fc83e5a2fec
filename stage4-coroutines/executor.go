package coroutines

import (
	"sync"

	"github.com/gornado/gornado/stage3-futures"
)

// A blocking function (a CPU-heavy hash, a file read, a call into a library
// that knows nothing of loops) must not run on the loop: while it runs, no
// other coroutine can. The seed's answer (调用阻塞函数) is a ThreadPoolExecutor
// whose submit returns a Future. An Executor is that pool: Submit runs the
// function on another goroutine and resolves the Future back on the loop.
//
// Goroutines are cheap enough that a job waiting for its turn can simply be a
// parked goroutine; what the pool bounds is how many blocking calls run at
// once (ThreadPoolExecutor(4)'s four threads), with a counting semaphore.
type Executor struct {
	loop Loop
	sem  chan struct{} // one token per job that may run at once
	wg   sync.WaitGroup
}

// NewExecutor returns an Executor that runs at most workers functions at once
// and delivers their results on loop.
func NewExecutor(loop Loop, workers int) *Executor {
	if workers < 1 {
		workers = 1
	}
	return &Executor{loop: loop, sem: make(chan struct{}, workers)}
}

// Submit runs fn on a goroutine of the pool and returns a Future for its
// result, resolved on the loop's goroutine: thread_pool.submit(fn). Call it on
// the loop's goroutine. A panic in fn becomes the Future's *PanicError.
func (e *Executor) Submit(fn func() (any, error)) *futures.Future {
	f := futures.New()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.sem <- struct{}{}
		v, err := runGuarded(fn)
		<-e.sem
		// The Future belongs to the loop: hand the result over rather than
		// resolving it here, on the wrong goroutine.
		e.loop.AddCallback(func() {
			if err != nil {
				_ = f.SetException(err)
				return
			}
			_ = f.SetResult(v)
		})
	}()
	return f
}

// Shutdown waits until every submitted function has returned:
// ThreadPoolExecutor.shutdown(wait=True). Their results are on their way to
// the loop, which must run again to deliver them.
func (e *Executor) Shutdown() { e.wg.Wait() }
