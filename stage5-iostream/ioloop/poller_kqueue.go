//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package ioloop

import (
	"time"

	"golang.org/x/sys/unix"
)

// The BSD and macOS backend: one kqueue, and a non-blocking pipe as the
// wake-up descriptor (EVFILT_USER would do, but not on every BSD). kqueue
// watches filters rather than masks: READ is an EVFILT_READ filter and WRITE
// an EVFILT_WRITE filter on the same fd, added and deleted separately, so the
// poller remembers what each fd has in order to turn a modify into the right
// additions and deletions. Without EV_CLEAR a filter is level-triggered.
type poller struct {
	kq       int
	wakeR    int
	wakeW    int
	watching map[int]Events
	events   []unix.Kevent_t
}

func newPoller() (*poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(kq)
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		unix.Close(kq)
		return nil, err
	}
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(kq)
			unix.Close(fds[0])
			unix.Close(fds[1])
			return nil, err
		}
	}
	p := &poller{kq: kq, wakeR: fds[0], wakeW: fds[1], watching: map[int]Events{},
		events: make([]unix.Kevent_t, 128)}
	if err := p.add(p.wakeR, READ); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// change applies the difference between what fd has and what it should have.
func (p *poller) change(fd int, from, to Events) error {
	var changes []unix.Kevent_t
	for _, f := range []struct {
		mask   Events
		filter int16
	}{{READ, unix.EVFILT_READ}, {WRITE, unix.EVFILT_WRITE}} {
		var ev unix.Kevent_t
		switch {
		case to&f.mask != 0 && from&f.mask == 0:
			unix.SetKevent(&ev, fd, int(f.filter), unix.EV_ADD)
		case to&f.mask == 0 && from&f.mask != 0:
			unix.SetKevent(&ev, fd, int(f.filter), unix.EV_DELETE)
		default:
			continue
		}
		changes = append(changes, ev)
	}
	if len(changes) > 0 {
		if _, err := unix.Kevent(p.kq, changes, nil, nil); err != nil {
			return err
		}
	}
	p.watching[fd] = to
	return nil
}

func (p *poller) add(fd int, ev Events) error { return p.change(fd, 0, ev&(READ|WRITE)) }

func (p *poller) modify(fd int, ev Events) error {
	return p.change(fd, p.watching[fd], ev&(READ|WRITE))
}

func (p *poller) remove(fd int) error {
	err := p.change(fd, p.watching[fd], 0)
	delete(p.watching, fd)
	return err
}

func (p *poller) wait(timeout time.Duration, out []readyEvent) (int, error) {
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events[:min(len(p.events), len(out))], ts)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	// kqueue reports READ and WRITE on one fd as two kevents; merge them so a
	// handler is called once per fd, as with epoll.
	count := 0
	index := map[int]int{}
	for _, e := range p.events[:n] {
		fd := int(e.Ident)
		if fd == p.wakeR {
			var buf [64]byte
			for {
				if n, _ := unix.Read(p.wakeR, buf[:]); n <= 0 {
					break
				}
			}
			continue
		}
		var ev Events
		switch e.Filter {
		case unix.EVFILT_READ:
			ev = READ
		case unix.EVFILT_WRITE:
			ev = WRITE
		}
		if e.Flags&unix.EV_ERROR != 0 {
			ev |= ERROR
		}
		if i, ok := index[fd]; ok {
			out[i].events |= ev
			continue
		}
		index[fd] = count
		out[count] = readyEvent{fd: fd, events: ev}
		count++
	}
	return count, nil
}

func (p *poller) wake() error {
	_, err := unix.Write(p.wakeW, []byte{0})
	if err == unix.EAGAIN { // the pipe is full of wakes already
		return nil
	}
	return err
}

func (p *poller) close() error {
	unix.Close(p.wakeR)
	unix.Close(p.wakeW)
	return unix.Close(p.kq)
}
