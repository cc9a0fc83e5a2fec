package queues

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
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

func TestNowait(t *testing.T) {
	l := newLoop(t)
	q := New[int](l, 2)
	assert.Equal(t, 2, q.Maxsize())
	require.NoError(t, q.PutNowait(1))
	require.NoError(t, q.PutNowait(2))
	assert.True(t, q.Full())
	assert.ErrorIs(t, q.PutNowait(3), ErrQueueFull)
	v, err := q.GetNowait()
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	assert.Equal(t, 1, q.Qsize())
	q.GetNowait()
	assert.True(t, q.Empty())
	_, err = q.GetNowait()
	assert.ErrorIs(t, err, ErrQueueEmpty)
	assert.Panics(t, func() { New[int](l, -1) })
}

func TestGetWaitsAndPutHandsOver(t *testing.T) {
	l := newLoop(t)
	q := New[string](l, 0)
	run(t, l, func(c *gen.Co) {
		g1, g2 := q.Get(0), q.Get(0)
		assert.False(t, g1.Done())
		q.Put("a", 0)
		q.Put("b", 0)
		v1, _ := g1.Result()
		v2, _ := g2.Result()
		assert.Equal(t, []string{"a", "b"}, []string{v1, v2}, "getters are served in order")
		assert.True(t, q.Empty())
	})
}

func TestPutWaitsWhileFull(t *testing.T) {
	l := newLoop(t)
	q := New[int](l, 1)
	run(t, l, func(c *gen.Co) {
		assert.True(t, q.Put(1, 0).Done())
		p := q.Put(2, 0)
		assert.False(t, p.Done())
		v, err := gen.Await(c, q.Get(0))
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		assert.True(t, p.Done(), "the get made room for the waiting put")
		v, _ = gen.Await(c, q.Get(0))
		assert.Equal(t, 2, v)
	})
}

func TestTimeouts(t *testing.T) {
	l := newLoop(t)
	q := New[int](l, 1)
	run(t, l, func(c *gen.Co) {
		_, err := gen.Await(c, q.Get(time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
		// The timed-out getter is skipped: the next item stays queued.
		require.NoError(t, q.PutNowait(5))
		assert.Equal(t, 1, q.Qsize())
		_, err = gen.Await(c, q.Put(6, time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
		v, _ := q.GetNowait()
		assert.Equal(t, 5, v)
		_, err = q.GetNowait()
		assert.ErrorIs(t, err, ErrQueueEmpty, "the timed-out put's item never went in")
	})
}

func TestTaskDoneAndJoin(t *testing.T) {
	testutil.CheckLeaks(t)
	// The webspider shape: workers take items, do async work, mark them
	// done; Join returns when all are.
	l := newLoop(t)
	q := New[int](l, 0)
	var processed []int
	run(t, l, func(c *gen.Co) {
		assert.True(t, q.Join(0).Done(), "an empty queue is joined at once")
		for i := 0; i < 10; i++ {
			q.PutNowait(i)
		}
		worker := func(c *gen.Co) (struct{}, error) {
			for {
				v, err := gen.Await(c, q.Get(0))
				if err != nil || v < 0 {
					return struct{}{}, err // -1 tells the worker to stop
				}
				gen.Await(c, gen.Sleep(l, time.Millisecond))
				processed = append(processed, v)
				q.TaskDone()
			}
		}
		var workers []*concurrent.Future[struct{}]
		for i := 0; i < 3; i++ {
			workers = append(workers, gen.Go(l, worker))
		}
		join := q.Join(5 * time.Second)
		assert.False(t, join.Done())
		_, err := gen.Await(c, join)
		require.NoError(t, err)
		assert.Len(t, processed, 10)
		for range workers {
			q.PutNowait(-1)
		}
		_, err = gen.Await(c, gen.Multi(workers))
		require.NoError(t, err)
	})
	assert.Panics(t, func() { New[int](l, 0).TaskDone() })
}

func TestLifoAndPriority(t *testing.T) {
	l := newLoop(t)
	lq := NewLifo[int](l, 0)
	pq := NewPriority(l, 0, func(a, b int) bool { return a < b })
	for _, v := range []int{3, 1, 2} {
		lq.PutNowait(v)
		pq.PutNowait(v)
	}
	var lout, pout []int
	for !lq.Empty() {
		v, _ := lq.GetNowait()
		lout = append(lout, v)
	}
	for !pq.Empty() {
		v, _ := pq.GetNowait()
		pout = append(pout, v)
	}
	assert.Equal(t, []int{2, 1, 3}, lout)
	assert.Equal(t, []int{1, 2, 3}, pout)
}

func TestGetResolvedFutureType(t *testing.T) {
	l := newLoop(t)
	q := New[int](l, 0)
	q.PutNowait(4)
	var f *concurrent.Future[int] = q.Get(0)
	v, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, 4, v)
}
