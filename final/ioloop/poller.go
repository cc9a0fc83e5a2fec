// The poller contract: what every readiness backend (epoll on Linux, kqueue
// on macOS and the BSDs) provides to the loop. The loop is written against
// this contract only; poller_epoll.go and poller_kqueue.go implement it and
// nothing else.
//
// A poller must provide:
//
//   - Level-triggered readiness, as Tornado documents for add_handler: a file
//     descriptor that stays readable (or writable) is reported on every wait
//     until the handler drains it or changes its interest. Handlers may leave
//     data unread without losing the event.
//   - add, modify and remove of a descriptor's interest (READ, WRITE, or
//     both). ERROR is always reported and never needs to be asked for.
//   - poll(events): fill events with the descriptors ready now, without
//     blocking, and return how many. A descriptor appears at most once per
//     call, with its events merged. An interrupted call (EINTR) returns
//     zero events and no error.
//   - wait(until, events): poll, but block until at least one descriptor
//     is ready, the deadline until passes (on the monotonic clock; the
//     zero Time is no deadline) or wake is called. A deadline that has
//     passed already may return at once with zero events. The loop calls
//     poll, not wait, when it has work pending, so wait is only ever a
//     sleep.
//   - While it blocks, wait should not hold the goroutine's P (the Go
//     scheduler's licence to run Go code). A thread blocked in a system
//     call keeps its P until the runtime's monitor takes it back, after
//     20 µs to 10 ms; at GOMAXPROCS=1 the goroutine that would wake the
//     loop (an executor finishing a query, then AddCallback) cannot run
//     until then, and the loop waits for it. The epoll backend parks in
//     Go's netpoller instead (poller_epoll.go says how); a backend that
//     cannot do so blocks in its system call and says why in a comment.
//   - wake(): the only method safe from any goroutine. It makes a blocked or
//     future wait return promptly. Wakes may be coalesced: many wakes before
//     a wait return it once. The wake descriptor is the poller's own and is
//     never reported in events.
//   - close(): release the kernel objects. No method is called afterwards.
//
// No method but wake is called concurrently; the loop's goroutine owns the
// poller.

package ioloop

import (
	"strings"
	"time"
)

// Events is a mask of readiness conditions, the events argument of
// AddHandler and of a handler call (Tornado's IOLoop.READ, WRITE, ERROR).
type Events uint32

const (
	// READ: the descriptor has data to read, a connection to accept, or
	// the peer has closed its side (a read then returns 0).
	READ Events = 1 << iota
	// WRITE: the descriptor can take more data, or a connect has finished.
	WRITE
	// ERROR: the descriptor has an error or a hang-up (EPOLLERR, EPOLLHUP,
	// EV_ERROR, EV_EOF on write). Always reported, whatever was asked for.
	ERROR
)

// String renders the mask as READ|WRITE|ERROR, or NONE, for logs and tests.
func (e Events) String() string {
	if e == 0 {
		return "NONE"
	}
	var parts []string
	for _, n := range []struct {
		bit  Events // the flag
		name string // its name
	}{{READ, "READ"}, {WRITE, "WRITE"}, {ERROR, "ERROR"}} {
		if e&n.bit != 0 {
			parts = append(parts, n.name)
			e &^= n.bit
		}
	}
	if e != 0 {
		parts = append(parts, "0x"+hex(uint32(e)))
	}
	return strings.Join(parts, "|")
}

// hex formats v in lower-case hexadecimal without fmt.
func hex(v uint32) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0"
	}
	var b [8]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[i:])
}

// readyEvent is one entry filled in by wait: a descriptor and what it is
// ready for.
type readyEvent struct {
	// fd is the ready descriptor.
	fd int32
	// events is what it is ready for, merged across backend filters.
	events Events
}

// poller is the contract above, as a Go interface.
type poller interface {
	add(fd int, events Events) error
	modify(fd int, events Events) error
	remove(fd int) error
	poll(events []readyEvent) (int, error)
	wait(until time.Time, events []readyEvent) (int, error)
	wake() error
	close() error
}
