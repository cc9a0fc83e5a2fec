// Tests of the failure paths: a fake testing.TB records what webtest
// reports, so that a test that must fail can be checked to fail, and how.

package webtest_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/webtest"
)

// A coroutine that never finishes fails its test after the timeout, with
// the stack of the coroutine where it waits.
func TestRunTimeoutFailsWithTheCoroutineStack(t *testing.T) {
	f := runFake(t, func(t testing.TB) {
		l := webtest.NewLoop(t, webtest.WithTimeout(100*time.Millisecond))
		l.Run(func(t testing.TB, c *gen.Co) error {
			return awaitForever(c)
		})
		t.Error("not reached: Run failed the test")
	})
	r := f.report()
	assert.True(t, f.Failed())
	assert.Contains(t, r, "FATAL webtest: coroutine timed out after 100ms; it is suspended here:")
	assert.Contains(t, r, "[coroutine]", "the suspended coroutine's goroutine")
	assert.Contains(t, r, "webtest_test.awaitForever(", "the function that awaits")
	assert.NotContains(t, r, "not reached")
}

// awaitForever awaits a Future nobody resolves.
func awaitForever(c *gen.Co) error {
	_, err := gen.Await(c, concurrent.NewFuture[int]())
	return err
}

func TestRunFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func(t testing.TB, c *gen.Co) error
		want string
	}{
		{"error", func(testing.TB, *gen.Co) error { return errors.New("bad") }, "FATAL webtest: coroutine failed: bad"},
		{"panic", func(testing.TB, *gen.Co) error { panic("oops") }, "FATAL webtest: coroutine panicked: oops"},
		{"require", func(t testing.TB, c *gen.Co) error {
			gen.Moment(c)
			require.Equal(t, 1, 2, "checked after an await")
			t.Error("not reached: FailNow ended the coroutine")
			return nil
		}, "checked after an await"},
		{"fatalf", func(t testing.TB, c *gen.Co) error {
			t.Fatalf("fatal %d", 7)
			return nil
		}, "fatal 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := false
			f := runFake(t, func(t testing.TB) {
				webtest.NewLoop(t).Run(tc.body)
				after = true
			})
			assert.True(t, f.Failed())
			assert.False(t, after, "Run ended the test")
			assert.Contains(t, f.report(), tc.want)
			assert.NotContains(t, f.report(), "not reached")
			assert.NotContains(t, f.report(), "loop's goroutine exited", "the loop survives")
		})
	}
}

// A coroutine that calls the test's own FailNow (the outer t) kills the
// loop's goroutine: said so, and the wait ends at once instead of timing out.
func TestFailNowOnTheLoopIsExplained(t *testing.T) {
	start := time.Now()
	f := runFake(t, func(outer testing.TB) {
		l := webtest.Serve(outer, app(), webtest.WithTimeout(time.Minute))
		l.Run(func(_ testing.TB, c *gen.Co) error {
			outer.FailNow()
			return nil
		})
	})
	assert.Less(t, time.Since(start), 5*time.Second, "neither the wait nor the server's stop waits for the dead loop")
	assert.Contains(t, f.report(), "the loop's goroutine exited")
	assert.Contains(t, f.report(), "webtest: the loop stopped")
}

// A panic in a callback on the loop, which the loop logs and survives,
// fails the test: Tornado's AsyncTestCase fails on an exception in a
// callback.
func TestPanicInCallbackFails(t *testing.T) {
	f := runFake(t, func(t testing.TB) {
		l := webtest.NewLoop(t)
		l.Call(func() { l.IOLoop().AddCallback(func() { panic("in a callback") }) })
		l.Call(func() {}) // the panicking callback has run
	})
	assert.True(t, f.Failed())
	assert.Contains(t, f.report(), "webtest: unexpected log record: ERROR ioloop: panic in callback panic=\"in a callback\"")
}

func TestUnexpectedErrorLogFails(t *testing.T) {
	f := runFake(t, func(t testing.TB) {
		s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{web.URL("/boom", &boom{})}, web.Settings{}))
		s.Fetch("/boom")
	})
	assert.Contains(t, f.report(), "webtest: unexpected log record: ERROR web: uncaught panic panic=kaboom")
	assert.Contains(t, f.report(), "webtest: unexpected log record: ERROR 500 GET /boom")

	// With AllowErrorLogs they are only written out.
	f = runFake(t, func(t testing.TB) {
		s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{web.URL("/boom", &boom{})}, web.Settings{}), webtest.AllowErrorLogs())
		s.Fetch("/boom")
	})
	assert.False(t, f.Failed(), f.report())
	assert.Contains(t, f.report(), "ERROR web: uncaught panic")

	// With WithFailLevel(WARN), a 404's access line fails too.
	f = runFake(t, func(t testing.TB) {
		webtest.Serve(t, app(), webtest.WithFailLevel(slog.LevelWarn)).Fetch("/nothing")
	})
	assert.Contains(t, f.report(), "webtest: unexpected log record: WARN 404 GET /nothing")
}

func TestExpectLogFailsWhenNothingIsLogged(t *testing.T) {
	f := runFake(t, func(t testing.TB) {
		l := webtest.NewLog(t)
		l.ExpectLog(slog.LevelWarn, "never", func() {
			l.Logger().Warn("something else")
			l.Logger().Info("never, but below the level")
		})
	})
	r := f.report()
	assert.Contains(t, r, `webtest: did not get the expected log message: WARN matching "never"`)
	assert.Contains(t, r, "WARN something else", "unexpected records are written out")
	assert.Contains(t, r, "INFO never, but below the level")

	// Matching is at the start, as Tornado's re.match; attributes follow
	// the message.
	f = runFake(t, func(t testing.TB) {
		l := webtest.NewLog(t)
		l.ExpectLog(slog.LevelInfo, `job done`, func() { l.Logger().Info("the job done") })
		e := l.Expect(slog.LevelError, `db: query failed.* table=users`)
		l.Logger().With("table", "users").Error("db: query failed", "ms", 3)
		e.Done()
		e.Done() // a second Done does nothing
		l.Expect(slog.LevelError, "optional").Stop()
	})
	assert.Equal(t, 1, strings.Count(f.report(), "did not get"), f.report())
	assert.Contains(t, f.report(), `INFO matching "job done"`)
	assert.NotContains(t, f.report(), "query failed", "the claimed record stays out of the output")
}

// An expectation of DEBUG records makes the log take them while it is in
// force, as Tornado's ExpectLog lowers its logger's level; otherwise the
// log takes INFO and above.
func TestExpectLogEnablesItsLevel(t *testing.T) {
	l := webtest.NewLog(t)
	h := l.Handler()
	ctx := context.Background()
	assert.False(t, h.Enabled(ctx, slog.LevelDebug), "DEBUG is not written by default")
	assert.True(t, h.Enabled(ctx, slog.LevelInfo))
	l.ExpectLog(slog.LevelDebug, "web: websocket handshake refused", func() {
		assert.True(t, h.Enabled(ctx, slog.LevelDebug), "while a DEBUG record is expected")
		l.Logger().Debug("web: websocket handshake refused", "error", "bad origin")
	})
	assert.False(t, h.Enabled(ctx, slog.LevelDebug), "and no longer after")
}

// A loop that never gets to stop fails the test at its end, with the
// loop's stack, instead of hanging it.
func TestStuckLoopFails(t *testing.T) {
	defer webtest.SetStopTimeout(200 * time.Millisecond)()
	release := make(chan struct{})
	f := runFake(t, func(t testing.TB) {
		l := webtest.NewLoop(t)
		l.IOLoop().AddCallback(func() { <-release })
	})
	close(release)
	assert.Contains(t, f.report(), "webtest: the loop did not stop within 200ms: a callback or handler is stuck")
	assert.Contains(t, f.report(), "TestStuckLoopFails", "the loop's stack shows the stuck callback")
}

// A request that gets no answer in time fails Fetch.
func TestFetchWithoutAnswerFails(t *testing.T) {
	f := runFake(t, func(t testing.TB) {
		never := httpserver.HandlerFunc(func(*httpserver.Request) {})
		s := webtest.Serve(t, never, webtest.WithTimeout(200*time.Millisecond))
		s.Fetch("/")
		t.Error("not reached")
	})
	assert.Contains(t, f.report(), "FATAL webtest: fetch /: HTTP 599: Timeout during request")
	assert.NotContains(t, f.report(), "not reached")
}

// CheckLeaks fails a test that leaves a descriptor open, naming it.
func TestCheckLeaksFailsOnLeak(t *testing.T) {
	var leaked *os.File
	f := runFake(t, func(t testing.TB) {
		webtest.CheckLeaks(t)
		var err error
		leaked, err = os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
	})
	leaked.Close()
	assert.Contains(t, f.report(), "leak: ")
	assert.Contains(t, f.report(), os.DevNull, "the leaked descriptor is named")
}
