// Package webtest tests applications built on final/ the way Tornado's
// tornado.testing does: on a real server, on a real loop, with final's own
// client, every wait bounded so that a wrong answer fails the test instead
// of hanging it.
//
// The name follows the standard library's helpers for testing a package,
// net/http/httptest and testing/iotest: named after what they test, ending
// in "test", so that they sit beside the standard testing package in a
// test file without an alias (Tornado's own name, testing, would hide the
// standard one). Most of what it starts is a web application; the loop,
// the coroutine bodies, the log and the leak check serve any test of
// final/ code.
//
// # A server and a client
//
// Serve starts a *web.Application (or any httpserver.Handler) on a new
// loop for the test, on 127.0.0.1 at a port the kernel picks, and stops
// both when the test ends (Tornado's AsyncHTTPTestCase):
//
//	func TestHello(t *testing.T) {
//		s := webtest.Serve(t, app())
//		resp := s.Fetch("/?name=gornado")
//		assert.Equal(t, 200, resp.Code)
//		assert.Equal(t, "Hello, gornado", string(resp.Body))
//	}
//
// Fetch sends the request with final's AsyncHTTPClient on the test's loop
// and returns the response whatever its status, as Tornado's test fetch
// does (raise_error=False); URL gives an absolute URL for other clients.
// WebSocket opens a WebSocket driven from the test's goroutine, one
// bounded step at a time (WSClient), and WebSocketConnect one in a
// coroutine body. WithTLS serves HTTPS with a certificate made in memory
// for the test and a client that trusts it (Tornado's
// AsyncHTTPSTestCase). ServeTCP does the same for a tcpserver.
//
// # The loop
//
// A Loop runs on a goroutine of its own, so the test's goroutine stays free
// to wait: Await waits for a Future made on the loop, Call runs code there
// (the state of the loop's is touched only from the loop), and each wait
// has a timeout, 5 seconds unless WithTimeout or the ASYNC_TEST_TIMEOUT
// environment variable says otherwise, as in Tornado. When the test ends,
// the servers shut down gracefully, then the loop stops; a loop that does
// not stop within 10 seconds fails the test with its goroutine's stack.
//
// # Coroutine tests
//
// Run runs a coroutine body (final/gen) on the loop and waits for it:
// Tornado's @gen_test. An error, a panic, or a timeout fails the test; on
// timeout the failure shows the stack of the coroutine where it is
// suspended, as gen_test's traceback points at the yield that never
// returned. The body gets a testing.TB whose FailNow ends the coroutine
// rather than the loop's goroutine, so require works inside it.
//
//	s.Run(func(t testing.TB, c *gen.Co) error {
//		conn, err := s.WebSocketConnect(c, "/echo", websocket.ClientOptions{})
//		require.NoError(t, err)
//		gen.Await(c, conn.WriteMessage([]byte("hi"), false))
//		m, err := gen.Await(c, conn.ReadMessage())
//		require.NoError(t, err)
//		assert.Equal(t, "hi", string(m.Data))
//		return nil
//	})
//
// # The log
//
// Each loop's logger is a Log wired to the test: records go to the test's
// output (shown on failure or with -v), and an ERROR record that no
// expectation claims fails the test, so a panic in a callback, which the
// loop logs and survives, is not lost (Tornado's AsyncTestCase fails on an
// exception in a callback). ExpectLog asserts that a record matching a
// pattern is logged at a level or above while a function runs, and keeps
// it out of the output and out of that check (Tornado's ExpectLog). A web
// application whose Settings.Logger is nil logs to its loop's logger, so
// its access log (2xx and 3xx at INFO, 4xx at WARN, 5xx at ERROR) and its
// errors reach the test:
//
//	s.ExpectLog(slog.LevelError, `web: uncaught panic|500 GET /boom`, func() {
//		assert.Equal(t, 500, s.Fetch("/boom").Code)
//	})
//
// # Leaks
//
// CheckLeaks, called first in a test, fails it if goroutines or file
// descriptors it started are left when it ends.
//
// docs/testing.md maps Tornado's testing API to this one.
package webtest
