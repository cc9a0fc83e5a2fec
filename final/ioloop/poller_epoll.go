//go:build linux

// The epoll backend of the poller contract (poller.go), with an eventfd to
// wake a blocked epoll_wait.

package ioloop

import (
	"encoding/binary"
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// epollPoller implements poller with epoll(7) in level-triggered mode.
type epollPoller struct {
	// epfd is the epoll instance.
	epfd int
	// wakefd is an eventfd registered for EPOLLIN; writing to it wakes wait.
	wakefd int
	// raw is the kernel's result buffer, reused by every wait.
	raw []unix.EpollEvent
	// one is the 8-byte value 1 that wake writes to wakefd; it is never
	// modified after newPoller, so concurrent wakes may share it, and
	// keeping it here means a wake does not allocate.
	one [8]byte
	// drain receives the counter when wait empties wakefd.
	drain [8]byte
}

// newPoller returns the platform's poller, able to report up to size
// descriptors per wait.
func newPoller(size int) (poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &epollPoller{epfd: epfd, wakefd: wakefd, raw: make([]unix.EpollEvent, size)}
	binary.NativeEndian.PutUint64(p.one[:], 1)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}); err != nil {
		p.close()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return p, nil
}

// epollMask translates READ and WRITE to epoll's bits. EPOLLERR and EPOLLHUP
// are always reported by the kernel.
func epollMask(events Events) uint32 {
	var m uint32
	if events&READ != 0 {
		m |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if events&WRITE != 0 {
		m |= unix.EPOLLOUT
	}
	return m
}

func (p *epollPoller) add(fd int, events Events) error {
	ev := unix.EpollEvent{Events: epollMask(events), Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev))
}

func (p *epollPoller) modify(fd int, events Events) error {
	ev := unix.EpollEvent{Events: epollMask(events), Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev))
}

func (p *epollPoller) remove(fd int) error {
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil))
}

func (p *epollPoller) wait(timeoutMs int, events []readyEvent) (int, error) {
	raw := p.raw
	if len(events) < len(raw) {
		raw = raw[:len(events)]
	}
	n, err := unix.EpollWait(p.epfd, raw, timeoutMs)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return 0, nil
		}
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	out := 0
	for i := 0; i < n; i++ {
		e := &raw[i]
		if int(e.Fd) == p.wakefd {
			// Drain the counter so the next wait blocks again; the
			// wake has done its job by ending this one.
			unix.Read(p.wakefd, p.drain[:])
			continue
		}
		var ev Events
		if e.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLPRI) != 0 {
			ev |= READ
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ev |= WRITE
		}
		if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ev |= ERROR
		}
		events[out] = readyEvent{fd: e.Fd, events: ev}
		out++
	}
	return out, nil
}

func (p *epollPoller) wake() error {
	_, err := unix.Write(p.wakefd, p.one[:])
	if errors.Is(err, unix.EAGAIN) {
		// The counter is full: a wake is pending already.
		return nil
	}
	return err
}

func (p *epollPoller) close() error {
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	return errors.Join(err1, err2)
}
