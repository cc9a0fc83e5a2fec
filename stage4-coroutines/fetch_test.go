package coroutines_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gornado/gornado/internal/workload"
	"github.com/gornado/gornado/stage2-callbacks"
	"github.com/gornado/gornado/stage4-coroutines"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 与回调整合 on the real thing: gen.Task wraps stage2's callback-style Fetch
// into a Future, and a coroutine awaits it.
func TestTaskWrapsStage2Fetch(t *testing.T) {
	srv, err := workload.Start("127.0.0.1:0", 10*time.Millisecond)
	require.NoError(t, err)
	defer srv.Close()
	loop, err := callbacks.NewLoop()
	require.NoError(t, err)
	defer loop.Close()
	r := coroutines.NewRunner(loop)
	defer r.Close()

	callTask := func(url string) coroutines.Func {
		return func(await coroutines.Await) (any, error) {
			// Python: yield gen.Task(fetch, url) calls fetch(url, callback=...).
			return await(coroutines.Task(func(done func(any, error)) {
				callbacks.Fetch(loop, url, func(body []byte, err error) { done(body, err) })
			}))
		}
	}
	body, err := r.RunSync(callTask(srv.PageURL(4)), 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, workload.PageBody(4), string(body.([]byte)))

	_, err = r.RunSync(callTask(srv.PageURL(4)+"?status=404"), 5*time.Second)
	var he *callbacks.HTTPError
	require.True(t, errors.As(err, &he), "the callback's error comes out of await: %v", err)
	assert.Equal(t, 404, he.Code)
}
