//go:build linux

package ioloop

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
)

// The Linux backend: one epoll instance, level-triggered (no EPOLLET), and an
// eventfd as the wake-up descriptor. An eventfd is a counter in the kernel:
// writing adds to it and makes it readable, reading returns it and resets it,
// so any number of wakes before the loop looks cost a single readable event.
type poller struct {
	epfd    int
	eventfd int
	events  []unix.EpollEvent
}

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	p := &poller{epfd: epfd, eventfd: efd, events: make([]unix.EpollEvent, 128)}
	if err := p.add(efd, READ); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// toEpoll turns READ and WRITE into epoll's bits. EPOLLERR and EPOLLHUP need
// no asking: epoll always reports them.
func toEpoll(ev Events) uint32 {
	var e uint32
	if ev&READ != 0 {
		e |= unix.EPOLLIN
	}
	if ev&WRITE != 0 {
		e |= unix.EPOLLOUT
	}
	return e
}

func (p *poller) add(fd int, ev Events) error {
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: toEpoll(ev), Fd: int32(fd)})
}

func (p *poller) modify(fd int, ev Events) error {
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &unix.EpollEvent{Events: toEpoll(ev), Fd: int32(fd)})
}

func (p *poller) remove(fd int) error {
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

func (p *poller) wait(timeout time.Duration, out []readyEvent) (int, error) {
	ms := -1
	if timeout >= 0 {
		// Round up, so that a timer 0.3 ms away does not spin through
		// zero-timeout waits until it is due.
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	n, err := unix.EpollWait(p.epfd, p.events[:min(len(p.events), len(out))], ms)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	count := 0
	for _, e := range p.events[:n] {
		if int(e.Fd) == p.eventfd {
			var buf [8]byte
			_, _ = unix.Read(p.eventfd, buf[:]) // reset the counter
			continue
		}
		var ev Events
		if e.Events&unix.EPOLLIN != 0 {
			ev |= READ
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ev |= WRITE
		}
		if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ev |= ERROR
		}
		out[count] = readyEvent{fd: int(e.Fd), events: ev}
		count++
	}
	return count, nil
}

func (p *poller) wake() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, err := unix.Write(p.eventfd, one[:])
	if err == unix.EAGAIN { // the counter is full: the loop is awake anyway
		return nil
	}
	return err
}

func (p *poller) close() error {
	unix.Close(p.eventfd)
	return unix.Close(p.epfd)
}
