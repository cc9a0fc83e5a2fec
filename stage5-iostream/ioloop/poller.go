package ioloop

import (
	"fmt"
	"strings"
	"time"
)

// This file states the poller contract once; poller_epoll.go (Linux) and
// poller_kqueue.go (macOS and the BSDs) implement only that, in the manner of
// the Go runtime's netpoll.go and its netpoll_epoll.go and netpoll_kqueue.go.
//
// Every backend provides a type named poller with these methods, and a
// constructor newPoller() (*poller, error):
//
//	add(fd, events)     start watching fd for READ and/or WRITE. ERROR needs no
//	                    asking: epoll reports errors and hang-ups on any fd it
//	                    watches, even for nothing; kqueue reports them only on
//	                    a READ or WRITE filter (EV_EOF, EV_ERROR), so there an
//	                    fd watched for nothing hears nothing. Streams never
//	                    rely on that case: an idle stream watches READ.
//	modify(fd, events)  replace the set of events watched on fd.
//	remove(fd)          stop watching fd. The fd itself stays open.
//	wait(timeout, out)  block until some watched fd is ready, wake is called,
//	                    or timeout passes (a negative timeout waits forever);
//	                    fill out with the ready fds and return how many. An
//	                    interrupted system call returns 0 and no error.
//	wake()              make a wait in progress, or the next one, return at
//	                    once. It is the only method safe from any goroutine:
//	                    AddCallback uses it to knock on the loop's door.
//	close()             release the poller and its wake-up descriptor.
//
// Readiness is level-triggered, as the seed says of Tornado's IOLoop ("水平触发"):
// an fd that still has unread bytes is reported again on the next wait, so a
// handler may read just one chunk and lose nothing. Edge-triggered polling
// would report it once and leave the handler to drain the socket completely.
// The wake-up descriptor is the backend's own business: wait consumes its
// events and never reports it.

// Events is a set of I/O events on a file descriptor: what a handler asks to
// be told about, and what the loop tells it. The values are Tornado's, which
// are in turn epoll's (EPOLLIN, EPOLLOUT, EPOLLERR|EPOLLHUP).
type Events uint32

// The event masks, IOLoop.READ, IOLoop.WRITE and IOLoop.ERROR in Tornado.
const (
	// READ: the fd has bytes to read, or the peer has closed (a read returns 0).
	READ Events = 0x001
	// WRITE: the fd can accept more bytes, or a non-blocking connect finished.
	WRITE Events = 0x004
	// ERROR: an error or hang-up on the fd. Always reported, never asked for.
	ERROR Events = 0x018
)

// String spells the set out, such as "READ|WRITE", so that logs and test
// failures are readable; an empty set is "NONE".
func (e Events) String() string {
	if e == 0 {
		return "NONE"
	}
	var parts []string
	for _, m := range []struct {
		mask Events
		name string
	}{{READ, "READ"}, {WRITE, "WRITE"}, {ERROR, "ERROR"}} {
		if e&m.mask != 0 {
			parts = append(parts, m.name)
			e &^= m.mask
		}
	}
	if e != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint32(e)))
	}
	return strings.Join(parts, "|")
}

// readyEvent is one line of a wait's answer: this fd has these events.
type readyEvent struct {
	fd     int
	events Events
}

// maxPollTimeout caps how long one wait may sleep with nothing scheduled, as
// Tornado's _POLL_TIMEOUT does (an hour): a safety net, never a schedule.
const maxPollTimeout = time.Hour
