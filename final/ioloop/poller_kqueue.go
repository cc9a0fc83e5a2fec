//go:build darwin || freebsd || netbsd || openbsd || dragonfly

// The kqueue backend of the poller contract (poller.go), with a non-blocking
// pipe to wake a blocked kevent. kqueue filters are level-triggered unless
// EV_CLEAR is given, which it never is here.
//
// Unlike the epoll backend, wait blocks in kevent, holding the goroutine's
// P for as long as the runtime lets it (see poller.go). A kqueue is
// pollable by another kqueue, so the epoll backend's trick (park in Go's
// netpoller until the kqueue is readable) should carry over; it is not
// done because kqueue is not a deployed target here and nothing runs the
// tests on macOS or a BSD. Doing it means the same wait as
// poller_epoll.go's around a zero-timeout kevent.

package ioloop

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// kqueuePoller implements poller with kqueue(2).
type kqueuePoller struct {
	// kq is the kqueue instance.
	kq int
	// wakeR and wakeW are a pipe; a byte written to wakeW wakes wait.
	wakeR, wakeW int
	// interest remembers each descriptor's READ/WRITE mask, because kqueue
	// registers filters separately and modify must know what to delete.
	interest map[int]Events
	// changes and raw are reused buffers for kevent's change and result
	// lists.
	changes []unix.Kevent_t // the change list
	raw     []unix.Kevent_t // the result list
	// drain receives wake bytes.
	drain [64]byte
	// one is the byte wake writes; never modified, so shared safely.
	one [1]byte
}

func newPoller(size int) (poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		unix.Close(kq)
		return nil, os.NewSyscallError("pipe", err)
	}
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		unix.SetNonblock(fd, true)
	}
	p := &kqueuePoller{kq: kq, wakeR: fds[0], wakeW: fds[1], interest: map[int]Events{}, raw: make([]unix.Kevent_t, size)}
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], p.wakeR, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, ch[:], nil, nil); err != nil {
		p.close()
		return nil, os.NewSyscallError("kevent", err)
	}
	return p, nil
}

// apply adds and deletes the read and write filters so that fd's
// registration matches want, given that it currently matches have.
func (p *kqueuePoller) apply(fd int, have, want Events) error {
	p.changes = p.changes[:0]
	for _, f := range []struct {
		bit    Events // READ or WRITE
		filter int    // its kqueue filter
	}{{READ, unix.EVFILT_READ}, {WRITE, unix.EVFILT_WRITE}} {
		var ev unix.Kevent_t
		switch {
		case want&f.bit != 0 && have&f.bit == 0:
			unix.SetKevent(&ev, fd, f.filter, unix.EV_ADD)
		case want&f.bit == 0 && have&f.bit != 0:
			unix.SetKevent(&ev, fd, f.filter, unix.EV_DELETE)
		default:
			continue
		}
		p.changes = append(p.changes, ev)
	}
	if len(p.changes) == 0 {
		return nil
	}
	_, err := unix.Kevent(p.kq, p.changes, nil, nil)
	return os.NewSyscallError("kevent", err)
}

func (p *kqueuePoller) add(fd int, events Events) error {
	if _, ok := p.interest[fd]; ok {
		return os.NewSyscallError("kevent", unix.EEXIST)
	}
	if err := p.apply(fd, 0, events); err != nil {
		return err
	}
	p.interest[fd] = events & (READ | WRITE)
	return nil
}

func (p *kqueuePoller) modify(fd int, events Events) error {
	have, ok := p.interest[fd]
	if !ok {
		return os.NewSyscallError("kevent", unix.ENOENT)
	}
	if err := p.apply(fd, have, events); err != nil {
		return err
	}
	p.interest[fd] = events & (READ | WRITE)
	return nil
}

func (p *kqueuePoller) remove(fd int) error {
	have, ok := p.interest[fd]
	if !ok {
		return os.NewSyscallError("kevent", unix.ENOENT)
	}
	delete(p.interest, fd)
	return p.apply(fd, have, 0)
}

func (p *kqueuePoller) poll(events []readyEvent) (int, error) {
	var zero unix.Timespec
	return p.kevent(&zero, events)
}

func (p *kqueuePoller) wait(until time.Time, events []readyEvent) (int, error) {
	if until.IsZero() {
		return p.kevent(nil, events)
	}
	ts := unix.NsecToTimespec(max(int64(time.Until(until)), 0))
	return p.kevent(&ts, events)
}

// kevent collects events, blocking for at most ts (nil: without limit).
func (p *kqueuePoller) kevent(ts *unix.Timespec, events []readyEvent) (int, error) {
	raw := p.raw
	if len(events) < len(raw) {
		raw = raw[:len(events)]
	}
	n, err := unix.Kevent(p.kq, nil, raw, ts)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return 0, nil
		}
		return 0, os.NewSyscallError("kevent", err)
	}
	out := 0
	for i := 0; i < n; i++ {
		e := &raw[i]
		fd := int(e.Ident)
		if fd == p.wakeR {
			for {
				if n, _ := unix.Read(p.wakeR, p.drain[:]); n <= 0 {
					break
				}
			}
			continue
		}
		var ev Events
		switch int(e.Filter) {
		case unix.EVFILT_READ:
			ev = READ
		case unix.EVFILT_WRITE:
			ev = WRITE
			if e.Flags&unix.EV_EOF != 0 {
				ev |= ERROR
			}
		}
		if e.Flags&unix.EV_ERROR != 0 {
			ev |= ERROR
		}
		// The read and write filters of one descriptor arrive as two
		// entries; merge them so a handler is called once per wait.
		merged := false
		for j := 0; j < out; j++ {
			if int(events[j].fd) == fd {
				events[j].events |= ev
				merged = true
				break
			}
		}
		if !merged {
			events[out] = readyEvent{fd: int32(fd), events: ev}
			out++
		}
	}
	return out, nil
}

func (p *kqueuePoller) wake() error {
	_, err := unix.Write(p.wakeW, p.one[:])
	if errors.Is(err, unix.EAGAIN) {
		return nil // the pipe is full: a wake is pending already
	}
	return err
}

func (p *kqueuePoller) close() error {
	return errors.Join(unix.Close(p.wakeR), unix.Close(p.wakeW), unix.Close(p.kq))
}
