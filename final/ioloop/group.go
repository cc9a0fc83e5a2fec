// Many loops: one per core, for servers that want all of a machine.

package ioloop

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// Group is N loops, each running on its own goroutine. Nothing is shared between the loops: a server gives each its own
// listener (SO_REUSEPORT) or a share of accepted connections, and state that
// the application shares between loops is the application's to guard. With
// one loop, a Group keeps Tornado's single-threaded semantics exactly.
type Group struct {
	// loops are the running loops.
	loops []*IOLoop
	// next picks loops round robin for Next.
	next atomic.Uint32
	// running counts the loops whose Start has not returned; wg the
	// loops' goroutines, which end after their leftovers ran.
	running, wg sync.WaitGroup
	// stopped is closed by Stop once every loop has returned: each
	// goroutine then runs its loop's leftover callbacks (runLeftovers).
	stopped chan struct{}
	// errs holds each loop's Start result.
	errs []error
	// stopOnce makes Stop idempotent.
	stopOnce sync.Once
}

// StartGroup creates n loops (n <= 0: one per GOMAXPROCS) and starts each
// on its own goroutine. The options apply to every loop.
//
// The loops are not locked to their OS threads unless WithLockOSThread is
// given. A loop sleeps in Go's netpoller, and the goroutine that wakes it
// (an executor's worker done with a query, the netpoller itself) hands
// its P straight to the loop's goroutine; a locked loop can run only on
// its own thread, so each wake also wakes that thread and hands the P
// across: an executor hop took 3-4 µs unlocked against 6-46 µs locked
// (BenchmarkExecutorHop), with no measured difference in CPU per request
// on the servers' benchmarks.
//
// With WithLockOSThread, the goroutine holds the lock itself, from before
// Start until after the loop's leftover callbacks have run (see Stop),
// rather than leaving it to Start: the Go runtime aborts the process when
// a coroutine (final/gen's, on iter.Pull) is resumed under other
// OS-thread locking than it was created under, and a leftover callback
// may resume one that the loop created.
func StartGroup(n int, opts ...Option) (*Group, error) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	g := &Group{errs: make([]error, n), stopped: make(chan struct{})}
	lock := false
	for i := 0; i < n; i++ {
		l, err := New(opts...)
		if err != nil {
			for _, l := range g.loops {
				l.Close(false)
			}
			return nil, err
		}
		lock = l.lockThread
		l.lockThread = false // the goroutine's, below
		g.loops = append(g.loops, l)
	}
	started := make(chan struct{}, n)
	for i, l := range g.loops {
		g.running.Add(1)
		g.wg.Add(1)
		l.AddCallback(func() { started <- struct{}{} })
		go func() {
			defer g.wg.Done()
			if lock {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
			}
			g.errs[i] = l.Start()
			g.running.Done()
			<-g.stopped
			l.runLeftovers()
		}()
	}
	for range g.loops {
		<-started
	}
	return g, nil
}

// Loops returns the group's loops.
func (g *Group) Loops() []*IOLoop { return g.loops }

// Len returns the number of loops.
func (g *Group) Len() int { return len(g.loops) }

// Next returns the loops in turn, for spreading work.
func (g *Group) Next() *IOLoop {
	return g.loops[int(g.next.Add(1)-1)%len(g.loops)]
}

// Stop stops every loop, waits for them to return, has each run the
// callbacks it still had pending (on its own goroutine and thread), and
// closes them with every descriptor still
// registered (Close(true)): a Group owns what runs on it, so stopping it
// ends its connections and listeners. It returns the loops' errors, if
// any.
//
// The pending callbacks run because work handed from one loop to another
// travels as a callback: a connection one loop accepted for another (see
// tcpserver) would otherwise be lost, its descriptor open for the life of
// the process, whenever the other loop stopped before its next iteration.
// Run after the loops have stopped, they register what they take, and so
// it is closed with the rest.
func (g *Group) Stop() error {
	g.stopOnce.Do(func() {
		for _, l := range g.loops {
			l.Stop()
		}
		g.running.Wait()
		// Only once every loop has stopped: a callback one loop hands to
		// another must find it stopped, or it could be queued after that
		// loop's leftovers ran.
		close(g.stopped)
		g.wg.Wait()
		// A listening socket may be registered on every loop: close each
		// descriptor once, after no loop watches it, so that a second
		// close cannot hit a descriptor number reused meanwhile.
		fds := map[int]bool{}
		for i, l := range g.loops {
			for fd, slot := range l.handlers {
				if slot.h != nil {
					fds[fd] = true
				}
			}
			g.errs[i] = errors.Join(g.errs[i], l.Close(false))
		}
		for fd := range fds {
			closeFD(fd)
		}
	})
	return errors.Join(g.errs...)
}
