package web_test

// The checkers of chapter 6's exercises, separated from the answer they
// check: exercises_test.go (build tag `exercises`) runs them on your answer,
// exerciseanswers_test.go on a model answer and on the wrong answers each
// must reject. Every connection has a deadline of a few seconds, so that a
// wrong answer fails instead of hanging.

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/exercisetest"
	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage6-web/internal/servertest"
	"github.com/gornado/gornado/stage6-web/web"
)

// compressFunc is exercise 1's signature: (*web.RequestHandler).CompressBody.
type compressFunc func(h *web.RequestHandler)

// awaitTimeoutFunc is exercise 2's: (*web.RequestHandler).AwaitTimeout.
type awaitTimeoutFunc func(h *web.RequestHandler, f *futures.Future, d time.Duration) (any, error)

// bigBody compresses well: a page of repeated text.
var bigBody = strings.Repeat("gornado compresses this line of the page.\n", 100)

type compressHandler struct {
	web.RequestHandler
	compress compressFunc
}

func (h *compressHandler) Get(args ...string) error {
	h.SetHeader("Content-Type", "text/plain; charset=utf-8")
	if args[0] == "small" {
		h.Write("tiny")
	} else {
		h.Write(bigBody)
	}
	h.compress(&h.RequestHandler)
	return nil
}

// dial connects to s with a deadline of d for the whole exchange: a handler
// that never answers fails the test after d.
func dial(t exercisetest.T, s *servertest.Server, d time.Duration) *servertest.Conn {
	c := s.Dial(t)
	require.NoError(t, c.SetDeadline(time.Now().Add(d)))
	return c
}

// checkCompressBody is exercise 1: gzip for a client that accepts it, and
// only then; "Vary: Accept-Encoding" always.
func checkCompressBody(compress compressFunc) []exercisetest.Case {
	var cases []exercisetest.Case
	for _, tc := range []struct {
		path, accept string
		gzipped      bool
	}{
		{"/big", "gzip", true},
		{"/big", "deflate, gzip;q=0.5", true},
		{"/big", "br, GZIP", true},
		{"/big", "", false},
		{"/big", "gzip;q=0", false},
		{"/big", "identity, deflate", false},
		{"/small", "gzip", false},
	} {
		cases = append(cases, exercisetest.Case{Name: tc.path + " Accept-Encoding: " + tc.accept, Check: func(t exercisetest.T) {
			app := web.NewApplication(web.Route{Pattern: `/(big|small)`, New: func() web.Handler { return &compressHandler{compress: compress} }})
			s := servertest.Start(t, app)
			c := dial(t, s, 5*time.Second)
			head := "GET " + tc.path + " HTTP/1.1\r\nHost: test\r\n"
			if tc.accept != "" {
				head += "Accept-Encoding: " + tc.accept + "\r\n"
			}
			c.Send(t, head+"\r\n")
			resp, body := c.ReadResponse(t, "GET")
			require.Equal(t, 200, resp.StatusCode)
			assert.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding")
			assert.Equal(t, strconv.Itoa(len(body)), resp.Header.Get("Content-Length"), "Content-Length is the length sent")
			want := bigBody
			if tc.path == "/small" {
				want = "tiny"
			}
			if !tc.gzipped {
				assert.Empty(t, resp.Header.Get("Content-Encoding"))
				assert.Equal(t, want, body)
				return
			}
			require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			assert.Less(t, len(body), len(want)/4, "the page compresses well")
			zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
			require.NoError(t, err, "the body should be gzip")
			plain, err := io.ReadAll(zr)
			require.NoError(t, err)
			assert.Equal(t, want, string(plain))
		}})
	}
	return cases
}

// timeoutHandler awaits a Future that its loop resolves after the first
// argument's milliseconds (never if "never", at once if "done", with an
// error if "fail"), for at most the second's.
type timeoutHandler struct {
	web.RequestHandler
	awaitTimeout awaitTimeoutFunc
}

func (h *timeoutHandler) Get(args ...string) error {
	f := futures.New()
	switch args[0] {
	case "never":
	case "done":
		f = futures.Resolved("done")
	case "fail":
		h.Loop().CallLater(10*time.Millisecond, func() { f.SetException(errors.New("it broke")) })
	default:
		ms, _ := strconv.Atoi(args[0])
		h.Loop().CallLater(time.Duration(ms)*time.Millisecond, func() { f.SetResult("value") })
	}
	limit, _ := strconv.Atoi(args[1])
	v, err := h.awaitTimeout(&h.RequestHandler, f, time.Duration(limit)*time.Millisecond)
	switch {
	case errors.Is(err, web.ErrTimeout):
		h.Write("timeout")
	case err != nil:
		h.Write("error: " + err.Error())
	default:
		s, _ := v.(string)
		h.Write(s)
	}
	return nil
}

// checkAwaitTimeout is exercise 2: what the Future gives if it comes in
// time, ErrTimeout when the time is up first.
func checkAwaitTimeout(awaitTimeout awaitTimeoutFunc) []exercisetest.Case {
	var cases []exercisetest.Case
	for _, tc := range []struct {
		path, want string
		min, max   time.Duration
	}{
		{"/20/5000", "value", 20 * time.Millisecond, 2 * time.Second},
		{"/done/5000", "done", 0, 2 * time.Second},
		{"/fail/5000", "error: it broke", 10 * time.Millisecond, 2 * time.Second},
		{"/never/150", "timeout", 150 * time.Millisecond, 3 * time.Second},
		{"/5000/100", "timeout", 100 * time.Millisecond, 3 * time.Second},
	} {
		cases = append(cases, exercisetest.Case{Name: tc.path, Check: func(t exercisetest.T) {
			app := web.NewApplication(web.Route{Pattern: `/(\w+)/(\d+)`, New: func() web.Handler { return &timeoutHandler{awaitTimeout: awaitTimeout} }})
			s := servertest.Start(t, app)
			c := dial(t, s, tc.max)
			start := time.Now()
			c.Send(t, "GET "+tc.path+" HTTP/1.1\r\nHost: test\r\n\r\n")
			resp, body := c.ReadResponse(t, "GET")
			elapsed := time.Since(start)
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, tc.want, body)
			assert.GreaterOrEqual(t, elapsed, tc.min)
			assert.Less(t, elapsed, tc.max)
		}})
	}
	return cases
}
