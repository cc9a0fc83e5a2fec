// Which loop is "current". Tornado keeps a current IOLoop per thread; Go has
// no thread-local storage and hides goroutine identity, so the Go meaning is:
//
//   - on a goroutine that is running a loop (inside Start: every handler,
//     callback and timer), Current returns that loop;
//   - elsewhere, Current returns the process-wide default loop set with
//     MakeCurrent, creating one on first use (Tornado's IOLoop.current()
//     with instance=True).
//
// Finding the running loop reads the goroutine id from runtime.Stack, which
// costs about a microsecond: code on a hot path should keep the loop it was
// given (every stream, server and coroutine holds its loop) rather than call
// Current.

package ioloop

import (
	"runtime"
	"sync"
)

var (
	// runningMu guards runningLoops.
	runningMu sync.Mutex
	// runningLoops maps a goroutine id to the loop it is running.
	runningLoops = map[int64]*IOLoop{}
	// defaultMu guards defaultLoop.
	defaultMu sync.Mutex
	// defaultLoop is the process-wide current loop.
	defaultLoop *IOLoop
)

// goid returns the calling goroutine's id, parsed from the first line of its
// stack trace ("goroutine 18 [running]:").
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	var id int64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}

func registerRunning(l *IOLoop) {
	runningMu.Lock()
	runningLoops[l.goid.Load()] = l
	runningMu.Unlock()
}

func unregisterRunning(l *IOLoop) {
	runningMu.Lock()
	delete(runningLoops, l.goid.Load())
	runningMu.Unlock()
}

// Current returns the loop running on the calling goroutine, or else the
// default loop (see the file comment), creating it if needed. It panics only
// if no poller can be created at all.
func Current() *IOLoop {
	if l := CurrentOrNil(); l != nil {
		return l
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultLoop == nil {
		l, err := New()
		if err != nil {
			panic(err)
		}
		defaultLoop = l
	}
	return defaultLoop
}

// CurrentOrNil returns the loop running on the calling goroutine, or nil:
// Tornado's IOLoop.current(instance=False), which does not make a default
// loop. (Go has no keyword arguments; Current is current() itself.)
func CurrentOrNil() *IOLoop {
	id := goid()
	runningMu.Lock()
	l := runningLoops[id]
	runningMu.Unlock()
	return l
}

// Instance is Current: Tornado's deprecated IOLoop.instance(), which has
// meant current() since Tornado 5.
func Instance() *IOLoop { return Current() }

// MakeCurrent makes l the default loop returned by Current on goroutines
// that run no loop.
func (l *IOLoop) MakeCurrent() {
	defaultMu.Lock()
	defaultLoop = l
	defaultMu.Unlock()
}

// ClearCurrent forgets the default loop; the next Current creates one.
func ClearCurrent() {
	defaultMu.Lock()
	defaultLoop = nil
	defaultMu.Unlock()
}

// unsetCurrent forgets l as the default loop when it closes.
func unsetCurrent(l *IOLoop) {
	defaultMu.Lock()
	if defaultLoop == l {
		defaultLoop = nil
	}
	defaultMu.Unlock()
}

// BindGoroutine makes Current and Running return l on the calling goroutine
// until the returned function is called. Package gen calls it when a
// coroutine starts: iter.Pull runs each coroutine on a goroutine of its own,
// which is still logically on the loop. It costs about a microsecond.
func BindGoroutine(l *IOLoop) (unbind func()) {
	id := goid()
	runningMu.Lock()
	runningLoops[id] = l
	runningMu.Unlock()
	return func() {
		runningMu.Lock()
		delete(runningLoops, id)
		runningMu.Unlock()
	}
}

// Initialized reports whether a default loop exists, Tornado's
// IOLoop.initialized(): true after MakeCurrent, Install or a Current that had
// to create one.
func Initialized() bool {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultLoop != nil
}

// Install makes l the process-wide default loop, Tornado's IOLoop.install().
// Tornado refuses to install over an existing instance; here the previous
// default is simply replaced, as MakeCurrent does, since Tornado 5 made the
// two the same.
func (l *IOLoop) Install() { l.MakeCurrent() }

// ClearInstance is ClearCurrent, Tornado's IOLoop.clear_instance().
func ClearInstance() { ClearCurrent() }
