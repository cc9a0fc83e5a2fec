package webtest_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
	"github.com/gornado/gornado/final/webtest"
)

// GreetHandler is the application under test.
type GreetHandler struct{ web.RequestHandler }

// Get greets the name in the query.
func (h *GreetHandler) Get(...string) error {
	return h.WriteString("Hello, " + h.GetArgumentDefault("name", "world"))
}

// Testing a handler: the application on a real server, fetched with
// final's client. In a test file the body is a test function's, with the
// test's t; runTest stands for go test here.
func ExampleServe() {
	runTest(func(t testing.TB) {
		s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{
			web.URL("/", &GreetHandler{}),
		}, web.Settings{}))

		resp := s.Fetch("/?name=gornado")
		fmt.Println(resp.Code, string(resp.Body))
		fmt.Println(s.Fetch("/missing").Code)
	})
	// Output:
	// 200 Hello, gornado
	// 404
}

// EchoSocket sends every message back.
type EchoSocket struct{ websocket.WebSocketHandler }

// OnMessage echoes.
func (EchoSocket) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	return c.WriteMessage(data, binary)
}

// Testing a WebSocket: a coroutine body connects with final's client,
// sends, and reads the echo.
func ExampleServer_WebSocketConnect() {
	runTest(func(t testing.TB) {
		s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{
			web.URL("/echo", &web.WebSocketHandler{New: func(*web.RequestHandler) websocket.Handler { return EchoSocket{} }}),
		}, web.Settings{}))

		s.Run(func(t testing.TB, c *gen.Co) error {
			conn, err := s.WebSocketConnect(c, "/echo", websocket.ClientOptions{})
			require.NoError(t, err)
			gen.Await(c, conn.WriteMessage([]byte("hello"), false))
			m, err := gen.Await(c, conn.ReadMessage())
			require.NoError(t, err)
			fmt.Println(string(m.Data))
			return nil
		})
	})
	// Output: hello
}

// A coroutine test with a timeout (Tornado's @gen_test(timeout=...)): the
// first finishes in time, the second never does and fails the test with
// the stack of the await it is stuck at (the first line is printed here).
func ExampleLoop_RunTimeout() {
	runTest(func(t testing.TB) {
		l := webtest.NewLoop(t)
		l.RunTimeout(time.Second, func(t testing.TB, c *gen.Co) error {
			_, err := gen.Await(c, gen.Sleep(c.Loop(), 10*time.Millisecond))
			fmt.Println("slept")
			return err
		})
	})
	runTest(func(t testing.TB) {
		l := webtest.NewLoop(t)
		l.RunTimeout(50*time.Millisecond, func(t testing.TB, c *gen.Co) error {
			_, err := gen.Await(c, concurrent.NewFuture[int]()) // never done
			return err
		})
	})
	// Output:
	// slept
	// FAIL: webtest: coroutine timed out after 50ms; it is suspended here:
}

// BrokenHandler fails, which the application logs at ERROR and answers
// 500.
type BrokenHandler struct{ web.RequestHandler }

// Get panics.
func (h *BrokenHandler) Get(...string) error { panic("out of cheese") }

// ExpectLog: the error a test provokes on purpose is expected, so it
// neither fails the test nor clutters its output; an expected record that
// never comes fails it.
func ExampleLoop_ExpectLog() {
	runTest(func(t testing.TB) {
		s := webtest.Serve(t, web.NewApplication([]*web.URLSpec{
			web.URL("/broken", &BrokenHandler{}),
		}, web.Settings{}))

		// The panic's record and the access log's 5xx line.
		s.ExpectLog(slog.LevelError, `web: uncaught panic|500 GET /broken`, func() {
			fmt.Println(s.Fetch("/broken").Code)
		})
		// A 404 is logged at WARN, not ERROR: the expectation fails.
		s.ExpectLog(slog.LevelError, `404 GET`, func() {
			fmt.Println(s.Fetch("/missing").Code)
		})
	})
	// Output:
	// 500
	// 404
	// FAIL: webtest: did not get the expected log message: ERROR matching "404 GET"
}
