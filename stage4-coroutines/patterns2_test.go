package coroutines

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/stage3-futures"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 交错 (interleaving): start the next fetch before awaiting the flush of the
// previous chunk, so the two overlap. The trace shows the difference without
// any timing: in the interleaved handler the fetch of chunk i+1 starts before
// the flush of chunk i ends.
func TestInterleaving(t *testing.T) {
	loop, r, _ := newRunner(t)
	var trace []string
	chunks := []string{"a", "b", "c"}
	fetchNextChunk := func(i int) *futures.Future {
		trace = append(trace, fmt.Sprintf("fetch %d", i))
		if i == len(chunks) {
			return laterValue(loop, time.Millisecond, nil, nil) // None: the end
		}
		return laterValue(loop, time.Millisecond, chunks[i], nil)
	}
	flush := func(chunk any) *futures.Future {
		return Task(func(done func(any, error)) {
			slowSquare(loop, 1, func(int, error) {
				trace = append(trace, fmt.Sprintf("flushed %v", chunk))
				done(nil, nil)
			})
		})
	}

	get := func(await Await) (any, error) {
		i := 0
		fetchFuture := fetchNextChunk(i)
		for {
			chunk, err := await(fetchFuture)
			if err != nil || chunk == nil {
				return nil, err
			}
			i++
			fetchFuture = fetchNextChunk(i) // start the next fetch...
			if _, err := await(flush(chunk)); err != nil {
				return nil, err // ...and flush while it runs
			}
		}
	}
	_, err := r.RunSync(get, 5*time.Second)
	require.NoError(t, err)
	t.Logf("interleaved:     %s", strings.Join(trace, ", "))
	assert.Equal(t, []string{"fetch 0", "fetch 1", "flushed a", "fetch 2", "flushed b", "fetch 3", "flushed c"}, trace)

	trace = nil
	notInterleaved := func(await Await) (any, error) {
		for i := 0; ; i++ {
			chunk, err := await(fetchNextChunk(i))
			if err != nil || chunk == nil {
				return nil, err
			}
			if _, err := await(flush(chunk)); err != nil {
				return nil, err
			}
		}
	}
	_, err = r.RunSync(notInterleaved, 5*time.Second)
	require.NoError(t, err)
	t.Logf("not interleaved: %s", strings.Join(trace, ", "))
	assert.Equal(t, []string{"fetch 0", "flushed a", "fetch 1", "flushed b", "fetch 2", "flushed c", "fetch 3"}, trace)
}

// A Cursor stands for Motor's: FetchNext is a Future that says whether
// another document arrived, NextObject takes it.
type Cursor struct {
	loop    Loop
	docs    []string
	current string
}

func (c *Cursor) FetchNext() *futures.Future {
	if len(c.docs) == 0 {
		return laterValue(c.loop, time.Millisecond, false, nil)
	}
	doc := c.docs[0]
	c.docs = c.docs[1:]
	f := laterValue(c.loop, time.Millisecond, true, nil)
	f.AddDoneCallback(func(*futures.Future) { c.current = doc })
	return f
}

func (c *Cursor) NextObject() string { return c.current }

// All is the loop Python cannot write: a range-over-func iterator whose every
// step awaits. It works because Await is an ordinary function call, not a
// keyword that must sit directly in the coroutine's body.
func (c *Cursor) All(await Await) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for {
			more, err := await(c.FetchNext())
			if err != nil {
				yield("", err)
				return
			}
			if !more.(bool) || !yield(c.NextObject(), nil) {
				return
			}
		}
	}
}

// Looping: `while (yield cursor.fetch_next): doc = cursor.next_object()`.
func TestLooping(t *testing.T) {
	loop, r, _ := newRunner(t)
	docs := []string{"x", "y", "z"}

	loopExample := func(await Await) (any, error) {
		cursor := &Cursor{loop: loop, docs: docs}
		var seen []string
		for {
			more, err := await(cursor.FetchNext())
			if err != nil {
				return nil, err
			}
			t.Logf("while form: await(cursor.FetchNext()) = %v", more)
			if !more.(bool) {
				break
			}
			seen = append(seen, cursor.NextObject())
		}
		return seen, nil
	}
	v, err := r.RunSync(loopExample, 5*time.Second)
	require.NoError(t, err)
	t.Logf("while form saw %v", v)
	assert.Equal(t, docs, v)

	rangeExample := func(await Await) (any, error) {
		var seen []string
		for doc, err := range (&Cursor{loop: loop, docs: docs}).All(await) {
			if err != nil {
				return nil, err
			}
			t.Logf("range form: doc %q", doc)
			seen = append(seen, doc)
		}
		return seen, nil
	}
	v, err = r.RunSync(rangeExample, 5*time.Second)
	require.NoError(t, err)
	t.Logf("range form saw %v", v)
	assert.Equal(t, docs, v)
}

// 在后台运行: minute_loop sleeps after its work, so its period is the work plus
// the sleep (the seed's 60+N); minute_loop2 starts the clock before the work,
// so its period is the sleep alone (60), as long as the work is shorter.
// Durations are scaled down: the "minute" is 60 ms and the work N is 40 ms.
func TestMinuteLoops(t *testing.T) {
	checkNoLeak(t)
	const minute, work = 60 * time.Millisecond, 40 * time.Millisecond
	const rounds = 4
	loop, r, logs := newRunner(t)

	starts := map[string][]time.Time{}
	enough := futures.New() // done once both loops have run `rounds` times
	doSomething := func(name string) Func {
		return func(await Await) (any, error) {
			starts[name] = append(starts[name], time.Now())
			if len(starts["minute_loop"]) > rounds && len(starts["minute_loop2"]) > rounds {
				_ = enough.SetResult(nil)
			}
			return await(Sleep(loop, work))
		}
	}
	minuteLoop := func(await Await) (any, error) {
		for {
			if _, err := await(r.Go(doSomething("minute_loop"))); err != nil {
				return nil, err
			}
			if _, err := await(Sleep(loop, minute)); err != nil {
				return nil, err
			}
		}
	}
	minuteLoop2 := func(await Await) (any, error) {
		for {
			nxt := Sleep(loop, minute) // start the clock
			if _, err := await(r.Go(doSomething("minute_loop2"))); err != nil {
				return nil, err // run while the clock is ticking
			}
			if _, err := await(nxt); err != nil {
				return nil, err // wait for the timer to run out
			}
		}
	}
	r.SpawnCallback(minuteLoop)
	r.SpawnCallback(minuteLoop2)
	_, err := r.RunSync(func(await Await) (any, error) { return await(enough) }, 10*time.Second)
	require.NoError(t, err)

	// Timers never fire early, so every single interval has an exact lower
	// bound: sleep plus work for minute_loop, the sleep alone for minute_loop2.
	for i := 1; i < len(starts["minute_loop"]); i++ {
		assert.GreaterOrEqual(t, starts["minute_loop"][i].Sub(starts["minute_loop"][i-1]), minute+work)
	}
	for i := 1; i < len(starts["minute_loop2"]); i++ {
		assert.GreaterOrEqual(t, starts["minute_loop2"][i].Sub(starts["minute_loop2"][i-1]), minute)
	}
	// An upper bound on a timer depends on how busy the machine is, so the
	// check that minute_loop2 is faster compares the two loops, which run at
	// the same time on the same loop: minute_loop waits for its two timers
	// one after the other, minute_loop2 for both at once, so its period is
	// shorter by about the work, however late the timers fire. Half the work
	// is the generous bound.
	period := func(ts []time.Time) time.Duration {
		return ts[len(ts)-1].Sub(ts[0]) / time.Duration(len(ts)-1)
	}
	p1, p2 := period(starts["minute_loop"]), period(starts["minute_loop2"])
	t.Logf("minute_loop period %v (sleep+work = %v), minute_loop2 period %v (sleep = %v)", p1, minute+work, p2, minute)
	assert.Greater(t, p1-p2, work/2)

	// The loops are still paused in their Sleeps; closing the runner ends
	// them (checkNoLeak counts their goroutines) without logging a failure.
	assert.GreaterOrEqual(t, r.Pending(), 2)
	r.Close()
	assert.Equal(t, 0, r.Pending())
	assert.Empty(t, logs.String())
}

// The asyncio interop paragraph, told for Go: coroutines meet goroutines at
// two doors, both built on AddCallback. A goroutine's answer on a channel
// becomes a Future with FromChan; a goroutine that wants a coroutine's result
// asks the loop with Call and blocks on it.
func TestGoroutinesAndChannels(t *testing.T) {
	checkNoLeak(t)
	loop, r, _ := newRunner(t)
	loopDone := make(chan error, 1)
	go func() { loopDone <- loop.Start() }()

	// A goroutine calls into the loop, and the coroutine it runs waits for
	// another goroutine's channel.
	answer := make(chan int)
	go func() { answer <- 42 }()
	v, err := r.Call(context.Background(), func(await Await) (any, error) {
		return await(FromChan(loop, answer))
	})
	require.NoError(t, err)
	assert.Equal(t, 42, v)

	closed := make(chan string)
	close(closed)
	_, err = r.Call(context.Background(), func(await Await) (any, error) {
		return await(FromChan(loop, closed))
	})
	assert.ErrorContains(t, err, "channel closed without a value")

	// A caller that gives up cancels the coroutine at its Await.
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() {
		_, err := r.Call(ctx, func(await Await) (any, error) {
			_, err := await(futures.New()) // never done
			stopped <- err
			return nil, err
		})
		assert.ErrorIs(t, err, context.Canceled)
	}()
	require.Eventually(t, func() bool {
		n, _ := r.Call(context.Background(), func(Await) (any, error) { return r.Pending(), nil })
		return n == 1
	}, 5*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-stopped, ErrStopped)

	loop.Stop()
	require.NoError(t, <-loopDone)
}

// Stopping the loop leaves coroutines paused; Close ends every one of them,
// nested ones included, runs their defers, and leaves no goroutine behind.
func TestCloseEndsPausedCoroutines(t *testing.T) {
	checkNoLeak(t)
	loop, r, logs := newRunner(t)
	const n = 100
	unwound := 0
	for i := range n {
		r.SpawnCallback(func(await Await) (any, error) {
			defer func() { unwound++ }()
			var err error
			switch i % 3 {
			case 0:
				_, err = await(futures.New())
			case 1:
				_, err = await(Sleep(loop, time.Hour))
			case 2:
				_, err = await(r.Go(func(await Await) (any, error) {
					defer func() { unwound++ }()
					return await(Sleep(loop, time.Hour))
				}))
			}
			if !errors.Is(err, ErrStopped) {
				t.Errorf("coroutine %d: Await returned %v, want ErrStopped", i, err)
			}
			return nil, err
		})
	}
	loop.AddCallback(loop.Stop)
	require.NoError(t, loop.Start())
	assert.Equal(t, n+n/3, r.Pending())

	r.Close()
	assert.Equal(t, 0, r.Pending())
	assert.Equal(t, n+n/3, unwound)
	assert.Empty(t, logs.String(), "a stopped coroutine is not a failure")
}
