// Options of the loops, logs and servers a test starts, and the timeout
// every wait is bounded by.

package webtest

import (
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/gornado/gornado/final/httpserver"
)

// DefaultTimeout bounds each wait of a test (a coroutine body, a Fetch, a
// Call) unless WithTimeout or the ASYNC_TEST_TIMEOUT environment variable
// (seconds, as Tornado's) says otherwise: Tornado's get_async_test_timeout
// default, 5 seconds.
const DefaultTimeout = 5 * time.Second

// Timeout returns the wait bound of tests that give none: the
// ASYNC_TEST_TIMEOUT environment variable, in seconds (a decimal such as
// "0.5" is allowed), when it is set and positive, otherwise DefaultTimeout.
// A slow machine (a CI runner under the race detector) raises it for every
// test at once, as with Tornado.
func Timeout() time.Duration {
	if s := os.Getenv("ASYNC_TEST_TIMEOUT"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			return time.Duration(f * float64(time.Second))
		}
	}
	return DefaultTimeout
}

// stopTimeout bounds the end of a test: the graceful shutdown of its
// servers, then its loop's return. Tornado's tearDown has no bound; here a
// loop that does not stop fails the test instead of hanging it until go
// test's own 10-minute timeout kills the binary without saying which test.
var stopTimeout = 10 * time.Second

// Option configures NewLoop, NewLog, Serve and ServeTCP; each applies to
// what it names, and the rest are ignored where they mean nothing.
type Option func(*options)

// options are the settings the Options make.
type options struct {
	// timeout bounds each wait (Timeout() by default).
	timeout time.Duration
	// failLevel is the level from which an unclaimed log record fails
	// the test (ERROR by default).
	failLevel slog.Level
	// tls serves HTTPS with the test certificate.
	tls bool
	// server adjusts the HTTPServer before it starts.
	server []func(*httpserver.HTTPServer)
}

// buildOptions applies opts to the defaults.
func buildOptions(opts []Option) options {
	o := options{timeout: Timeout(), failLevel: slog.LevelError}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithTimeout bounds each wait of the test by d instead of Timeout():
// Tornado's @gen_test(timeout=d).
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithFailLevel makes log records at level or above that no expectation
// claims fail the test; the default is slog.LevelError. slog.LevelWarn is
// stricter, as Tornado's own test runner is (it fails a run that logged
// warnings or errors nobody expected).
func WithFailLevel(level slog.Level) Option {
	return func(o *options) { o.failLevel = level }
}

// AllowErrorLogs lets unclaimed ERROR records pass: they are only written
// to the test's output. For a test of code that logs errors by design and
// is checked another way.
func AllowErrorLogs() Option {
	return func(o *options) { o.failLevel = slog.Level(1 << 30) }
}

// WithTLS serves HTTPS with a certificate made for the test (see
// Certificate), and makes the server's URL, Fetch and WebSocketConnect use
// https:// and wss:// with a client that trusts it: Tornado's
// AsyncHTTPSTestCase, without turning verification off.
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithServer calls fn with the HTTPServer before it starts, to set its
// options (MaxBodySize, IdleConnectionTimeout...): Tornado's
// get_httpserver_options.
func WithServer(fn func(*httpserver.HTTPServer)) Option {
	return func(o *options) { o.server = append(o.server, fn) }
}
