//go:build linux

// The epoll backend of the poller contract (poller.go), with an eventfd to
// wake a sleeping wait.
//
// The loop sleeps in Go's netpoller, not in epoll_wait. The epoll
// descriptor is itself pollable: it is readable while its interest set has
// a ready descriptor (epoll(7), "Can an epoll file descriptor itself be
// polled/epoll_waited/selected?"). So wait wraps it in an *os.File, which
// registers it with the runtime's own epoll, and reads it through
// SyscallConn: the read function polls our set with a zero timeout, and
// when nothing is ready the runtime parks the goroutine until the set
// becomes readable or the file's read deadline (the loop's next timer)
// passes. A parked goroutine holds no P, so at GOMAXPROCS=1 the executor
// goroutine that will call AddCallback runs at once instead of after the
// runtime's monitor has retaken the P from a thread blocked in epoll_wait
// (20 µs to 10 ms): an empty executor hop fell from ~120 µs to a few µs
// (BenchmarkExecutorHop).

package ioloop

import (
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// epollPoller implements poller with epoll(7) in level-triggered mode.
type epollPoller struct {
	// epfd is the epoll instance, non-blocking: os.NewFile registers only
	// a non-blocking descriptor with the netpoller.
	epfd int
	// file is epfd registered with Go's netpoller; closing it closes epfd.
	file *os.File
	// conn is file's SyscallConn, through which wait parks.
	conn syscall.RawConn
	// tryWait is p.pollOnce as a func value, made once in newPoller so that
	// passing it to conn.Read does not allocate a method value per wait.
	tryWait func(fd uintptr) bool
	// deadline is the read deadline last set on file (the zero Time: none);
	// wait sets it again only when the loop's next timer has changed, since
	// each SetReadDeadline reads the clock and resets a runtime timer.
	deadline time.Time
	// wakefd is an eventfd registered for EPOLLIN; writing to it wakes wait.
	wakefd int
	// raw is the kernel's result buffer, reused by every wait.
	raw []unix.EpollEvent
	// cur is raw cut to the caller's events, and n and err the result of
	// the last epoll_wait: the arguments and results of tryWait, which
	// conn.Read calls with nothing but the descriptor.
	cur []unix.EpollEvent
	n   int   // how many entries of cur the kernel filled
	err error // epoll_wait's error, other than EINTR
	// one is the 8-byte value 1 that wake writes to wakefd; it is never
	// modified after newPoller, so concurrent wakes may share it, and
	// keeping it here means a wake does not allocate.
	one [8]byte
	// drain receives the counter when wait empties wakefd.
	drain [8]byte
}

// openFiles holds every open poller's file, from newPoller to close. os
// closes a file that the garbage collector finds unreachable, so a loop
// dropped without Close would lose its epoll descriptor at whatever moment
// the collector ran, and keep its eventfd: descriptors would close behind
// the program's back, and the process's descriptor count move under other
// code's feet (leak checks that compare counts, like final's test helpers,
// would miss a leak elsewhere when one closed during their window). Held
// here, an unclosed loop keeps both, a leak seen as soon as it happens, as
// before the epoll descriptor was a file.
var openFiles sync.Map // *os.File -> struct{}

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
	p.tryWait = p.pollOnce
	binary.NativeEndian.PutUint64(p.one[:], 1)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	// os.NewFile registers a non-blocking descriptor with the netpoller,
	// silently leaving it out if the runtime refuses it; SetReadDeadline
	// then fails, and a loop that cannot park says so rather than spin.
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	p.file = os.NewFile(uintptr(epfd), "epoll")
	openFiles.Store(p.file, struct{}{})
	if err := p.file.SetReadDeadline(time.Time{}); err != nil {
		p.close()
		return nil, err
	}
	conn, err := p.file.SyscallConn()
	if err != nil {
		p.close()
		return nil, err
	}
	p.conn = conn
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

func (p *epollPoller) poll(events []readyEvent) (int, error) {
	p.setBuffer(events)
	p.pollOnce(0)
	return p.results(events)
}

// wait parks in the netpoller until epfd is readable or until passes (see
// the file comment). It looks first, with a plain zero-timeout epoll_wait:
// on a busy loop something is ready most times, and that look is cheaper
// than conn.Read's bookkeeping (BenchmarkReadinessEvent, medians of five
// runs: 493 ns with the look first, 569 ns without, 478 ns for the old
// blocking epoll_wait); the deadline, too, is set only when the loop is
// about to park. conn.Read then looks again before parking, since only a
// look made after it has reset the netpoller's readiness state is certain
// to be followed by a notification for whatever arrives later.
func (p *epollPoller) wait(until time.Time, events []readyEvent) (int, error) {
	p.setBuffer(events)
	if p.pollOnce(0) {
		return p.results(events)
	}
	if !until.Equal(p.deadline) {
		if err := p.file.SetReadDeadline(until); err != nil {
			return 0, err
		}
		p.deadline = until
	}
	if err := p.conn.Read(p.tryWait); err != nil {
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
		// The next timer is due: no events (none were ready when
		// tryWait last looked), and the loop runs its timers.
		return 0, nil
	}
	return p.results(events)
}

// setBuffer cuts the kernel's buffer to the caller's events.
func (p *epollPoller) setBuffer(events []readyEvent) {
	p.cur = p.raw
	if len(events) < len(p.cur) {
		p.cur = p.cur[:len(events)]
	}
}

// pollOnce is one epoll_wait with a zero timeout into cur, its result left
// in n and err. It reports whether the caller may stop: false, from
// conn.Read's point of view "would block", only when nothing was ready.
func (p *epollPoller) pollOnce(uintptr) bool {
	n, err := unix.EpollWait(p.epfd, p.cur, 0)
	switch {
	case errors.Is(err, unix.EINTR):
		// Report no events rather than park: the loop comes round again.
		p.n, p.err = 0, nil
		return true
	case err != nil:
		p.n, p.err = 0, os.NewSyscallError("epoll_wait", err)
		return true
	}
	p.n, p.err = n, nil
	return n > 0
}

// results translates the n entries pollOnce left in cur into events,
// draining the wake descriptor if it is among them.
func (p *epollPoller) results(events []readyEvent) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	out := 0
	for i := 0; i < p.n; i++ {
		e := &p.cur[i]
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
	// The file owns epfd: closing it unregisters the descriptor from the
	// netpoller before closing it.
	err2 := p.file.Close()
	openFiles.Delete(p.file)
	return errors.Join(err1, err2)
}
