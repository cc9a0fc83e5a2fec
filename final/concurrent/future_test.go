package concurrent

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncScheduler runs callbacks on the test goroutine when drained, standing
// in for a loop.
type syncScheduler struct {
	mu  sync.Mutex
	fns []func()
	ch  chan struct{}
}

func newSched() *syncScheduler { return &syncScheduler{ch: make(chan struct{}, 100)} }

func (s *syncScheduler) AddCallback(fn func()) {
	s.mu.Lock()
	s.fns = append(s.fns, fn)
	s.mu.Unlock()
	s.ch <- struct{}{}
}

// runOne waits for one callback and runs it.
func (s *syncScheduler) runOne() {
	<-s.ch
	s.mu.Lock()
	fn := s.fns[0]
	s.fns = s.fns[1:]
	s.mu.Unlock()
	fn()
}

func TestFutureResult(t *testing.T) {
	f := NewFuture[int]()
	assert.False(t, f.Done())
	_, err := f.Result()
	assert.ErrorIs(t, err, ErrNotDone)
	assert.ErrorIs(t, f.Exception(), ErrNotDone)
	var order []int
	f.AddDoneCallback(func(*Future[int]) { order = append(order, 1) })
	f.AddDoneCallback(func(*Future[int]) { order = append(order, 2) })
	f.OnDone(func() { order = append(order, 3) })
	f.SetResult(5)
	assert.Equal(t, []int{1, 2, 3}, order)
	v, err := f.Result()
	assert.Equal(t, 5, v)
	assert.NoError(t, err)
	assert.NoError(t, f.Exception())
	f.AddDoneCallback(func(*Future[int]) { order = append(order, 4) })
	assert.Equal(t, []int{1, 2, 3, 4}, order, "a callback on a done future runs at once")
	assert.Panics(t, func() { f.SetResult(6) }, "a second result is a programming error")
	assert.Equal(t, "Future(result=5)", f.String())
}

func TestFutureException(t *testing.T) {
	boom := errors.New("boom")
	f := NewFuture[string]()
	f.SetException(boom)
	_, err := f.Result()
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, boom, f.Exception())
	assert.Contains(t, f.String(), "boom")
	g := NewFuture[string]()
	g.Set("x", nil)
	assert.Equal(t, "x", must(g.Result()))
	h := NewFuture[string]()
	h.Set("", boom)
	assert.ErrorIs(t, h.Exception(), boom)
}

func must[T any](v T, _ error) T { return v }

func TestFutureCancel(t *testing.T) {
	f := NewFuture[int]()
	called := false
	f.AddDoneCallback(func(*Future[int]) { called = true })
	assert.True(t, f.Cancel())
	assert.True(t, called)
	assert.True(t, f.Cancelled())
	assert.False(t, f.Cancel())
	f.SetResult(1) // ignored: the waiter stopped waiting
	_, err := f.Result()
	assert.ErrorIs(t, err, ErrCancelled)
	assert.Equal(t, "Future(cancelled)", f.String())
	assert.False(t, Resolved(1).Cancel(), "a done future cannot be cancelled")
}

func TestThenAndChain(t *testing.T) {
	f := NewFuture[int]()
	g := Then(f, func(v int) (string, error) { return string(rune('a' + v)), nil })
	f.SetResult(2)
	assert.Equal(t, "c", must(g.Result()))

	boom := errors.New("boom")
	called := false
	h := Then(Failed[int](boom), func(int) (int, error) { called = true; return 0, nil })
	assert.ErrorIs(t, h.Exception(), boom)
	assert.False(t, called)

	a, b := NewFuture[int](), NewFuture[int]()
	Chain(a, b)
	a.SetResult(9)
	assert.Equal(t, 9, must(b.Result()))

	c, d := NewFuture[int](), NewFuture[int]()
	Chain(c, d)
	d.Cancel()
	c.SetResult(1) // dropped, no panic
	assert.True(t, d.Cancelled())
}

func TestRunOnExecutor(t *testing.T) {
	s := newSched()
	f := RunOnExecutor(s, nil, func() (int, error) { return 42, nil })
	assert.False(t, f.Done(), "resolved only on the scheduler")
	s.runOne()
	assert.Equal(t, 42, must(f.Result()))

	g := RunOnExecutor(s, NewLimitExecutor(0), func() (int, error) { panic(errors.ErrUnsupported) })
	s.runOne()
	var pe *PanicError
	require.ErrorAs(t, g.Exception(), &pe)
	assert.ErrorIs(t, g.Exception(), errors.ErrUnsupported)
	assert.Contains(t, string(pe.Stack), "future_test.go")
}

func TestLimitExecutorBounds(t *testing.T) {
	e := NewLimitExecutor(2)
	var mu sync.Mutex
	running, peak := 0, 0
	var wg sync.WaitGroup
	release := make(chan struct{})
	for i := 0; i < 6; i++ {
		wg.Add(1)
		e.Submit(func() {
			defer wg.Done()
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			<-release
			mu.Lock()
			running--
			mu.Unlock()
		})
	}
	close(release)
	wg.Wait()
	assert.LessOrEqual(t, peak, 2)
}

func TestChannels(t *testing.T) {
	s := newSched()
	ch := make(chan int, 1)
	f := FromChan(s, ch, errors.New("closed"))
	ch <- 3
	s.runOne()
	assert.Equal(t, 3, must(f.Result()))

	closed := make(chan int)
	close(closed)
	g := FromChan(s, closed, errors.New("closed early"))
	s.runOne()
	assert.EqualError(t, g.Exception(), "closed early")

	h := NewFuture[string]()
	out := ToChan(h)
	h.SetResult("done")
	assert.Equal(t, Outcome[string]{Value: "done"}, <-out)
}
