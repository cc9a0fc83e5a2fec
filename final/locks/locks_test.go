package locks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
)

func newLoop(t *testing.T) *ioloop.IOLoop {
	l, err := ioloop.New()
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(false) })
	return l
}

func run(t *testing.T, l *ioloop.IOLoop, body func(c *gen.Co)) {
	t.Helper()
	_, err := gen.Run(l, 10*time.Second, func(c *gen.Co) (struct{}, error) { body(c); return struct{}{}, nil })
	require.NoError(t, err)
}

func TestConditionNotifyOrder(t *testing.T) {
	l := newLoop(t)
	cond := NewCondition(l)
	var order []int
	for i := 0; i < 4; i++ {
		cond.Wait(0).AddDoneCallback(func(f *concurrent.Future[bool]) {
			v, _ := f.Result()
			assert.True(t, v)
			order = append(order, i)
		})
	}
	cond.Notify(1)
	assert.Equal(t, []int{0}, order)
	cond.Notify(2)
	assert.Equal(t, []int{0, 1, 2}, order)
	cond.NotifyAll()
	assert.Equal(t, []int{0, 1, 2, 3}, order)
	cond.Notify(5) // nobody waits: nothing happens
}

func TestConditionTimeout(t *testing.T) {
	// Tornado's test_notify_n_with_timeout: a waiter that timed out is
	// skipped by Notify.
	l := newLoop(t)
	cond := NewCondition(l)
	run(t, l, func(c *gen.Co) {
		early := cond.Wait(time.Millisecond)
		late := cond.Wait(0)
		v, err := gen.Await(c, early)
		require.NoError(t, err)
		assert.False(t, v, "a timeout resolves false")
		cond.Notify(1)
		v, _ = late.Result()
		assert.True(t, v, "the notify went to the waiter still waiting")
	})
}

func TestEvent(t *testing.T) {
	l := newLoop(t)
	e := NewEvent(l)
	run(t, l, func(c *gen.Co) {
		assert.False(t, e.IsSet())
		w1, w2 := e.Wait(0), e.Wait(0)
		assert.False(t, w1.Done())
		e.Set()
		assert.True(t, w1.Done() && w2.Done())
		assert.True(t, e.Wait(0).Done(), "a set event does not block")
		e.Set()
		e.Clear()
		assert.False(t, e.IsSet())
		_, err := gen.Await(c, e.Wait(time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
		l.CallLater(time.Millisecond, e.Set)
		_, err = gen.Await(c, e.Wait(time.Second))
		assert.NoError(t, err)
	})
}

func TestSemaphore(t *testing.T) {
	l := newLoop(t)
	s := NewSemaphore(l, 2)
	run(t, l, func(c *gen.Co) {
		assert.True(t, s.Acquire(0).Done())
		assert.True(t, s.Acquire(0).Done())
		assert.Equal(t, 0, s.Value())
		timedOut := s.Acquire(time.Millisecond)
		waiting := s.Acquire(0)
		_, err := gen.Await(c, timedOut)
		assert.ErrorIs(t, err, ErrTimeout)
		s.Release()
		assert.True(t, waiting.Done(), "release hands the count to the oldest live waiter")
		assert.Equal(t, 0, s.Value())
		s.Release()
		assert.Equal(t, 1, s.Value())
	})
	assert.Panics(t, func() { NewSemaphore(l, -1) })
}

func TestBoundedSemaphore(t *testing.T) {
	l := newLoop(t)
	b := NewBoundedSemaphore(l, 1)
	assert.Panics(t, b.Release, "released above its initial value")
	b.Acquire(0)
	b.Release()
	assert.Equal(t, 1, b.Value())
}

func TestLockIsExclusive(t *testing.T) {
	// Coroutines that read, yield and write a shared counter lose updates
	// without the lock and keep all of them with it.
	l := newLoop(t)
	lock := NewLock(l)
	counter := 0
	worker := func(c *gen.Co) (struct{}, error) {
		for i := 0; i < 10; i++ {
			if _, err := gen.Await(c, lock.Acquire(0)); err != nil {
				return struct{}{}, err
			}
			v := counter
			gen.Moment(c)
			counter = v + 1
			lock.Release()
		}
		return struct{}{}, nil
	}
	run(t, l, func(c *gen.Co) {
		var fs []*concurrent.Future[struct{}]
		for i := 0; i < 5; i++ {
			fs = append(fs, gen.Go(l, worker))
		}
		_, err := gen.Await(c, gen.Multi(fs))
		require.NoError(t, err)
	})
	assert.Equal(t, 50, counter)
	assert.False(t, lock.Locked())
	assert.Panics(t, lock.Release, "release unlocked lock")
}

func TestLockAcquireTimeout(t *testing.T) {
	l := newLoop(t)
	lock := NewLock(l)
	run(t, l, func(c *gen.Co) {
		gen.Await(c, lock.Acquire(0))
		_, err := gen.Await(c, lock.Acquire(time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
		lock.Release()
		assert.False(t, lock.Locked(), "the timed-out waiter did not take it")
	})
}
