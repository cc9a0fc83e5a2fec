package web

// Spoilers, in the package so that they can reach the handler's buffer: a
// model answer to each of chapter 6's exercises, and the wrong answers the
// exercise tests must reject. They are exported to the web_test package,
// where exerciseanswers_test.go runs the checkers on them.

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
)

// Compressor is a CompressBody with its mistakes as switches, so that each
// wrong answer differs from the model in one way only.
type Compressor struct {
	IgnoreAccept  bool // gzips whatever the client accepts
	IgnoreQ       bool // takes "gzip;q=0" as accepting gzip
	CaseSensitive bool // accepts "gzip" but not "GZIP"
	NoVary        bool // forgets "Vary: Accept-Encoding"
	AnySize       bool // compresses a body below MinCompressSize too
}

// acceptsGzip reads Accept-Encoding (RFC 9110, section 12.5.3): a coding
// name, case-insensitive, with an optional q-value; q=0 refuses it.
func (c Compressor) acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.TrimSpace(name)
		if name != "gzip" && (c.CaseSensitive || !strings.EqualFold(name, "gzip")) {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				q, _ = strconv.ParseFloat(v, 64)
			}
		}
		return q > 0 || c.IgnoreQ
	}
	return false
}

// Compress is the CompressBody the switches describe.
func (c Compressor) Compress(h *RequestHandler) {
	if !c.NoVary {
		h.AddHeader("Vary", "Accept-Encoding")
	}
	accept := strings.Join(h.Request.Headers.Values("Accept-Encoding"), ",")
	if h.headersWritten || h.headers.Get("Content-Encoding") != "" ||
		(h.buffer.Len() < MinCompressSize && !c.AnySize) ||
		(!c.IgnoreAccept && !c.acceptsGzip(accept)) {
		return
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write(h.buffer.Bytes())
	_ = zw.Close()
	h.buffer.Reset()
	h.buffer.Write(z.Bytes())
	h.SetHeader("Content-Encoding", "gzip")
}

// ModelAwaitTimeout races f against a timer on the handler's loop, and
// removes the timer when f wins.
func ModelAwaitTimeout(h *RequestHandler, f *futures.Future, d time.Duration) (any, error) {
	l := h.Loop()
	first := futures.New()
	t := l.CallLater(d, func() { _ = first.SetException(ErrTimeout) })
	f.AddDoneCallback(func(f *futures.Future) {
		l.RemoveTimeout(t)
		if !first.Done() {
			if v, err := f.Result(); err != nil {
				_ = first.SetException(err)
			} else {
				_ = first.SetResult(v)
			}
		}
	})
	return h.Await(first)
}

// PatientAwaitTimeout sets no timer: it waits for f however long it takes.
func PatientAwaitTimeout(h *RequestHandler, f *futures.Future, d time.Duration) (any, error) {
	return h.Await(f)
}

// SleepingAwaitTimeout sleeps d on the loop's goroutine, then looks: nothing
// else runs meanwhile, f's resolution included.
func SleepingAwaitTimeout(h *RequestHandler, f *futures.Future, d time.Duration) (any, error) {
	time.Sleep(d)
	if !f.Done() {
		return nil, ErrTimeout
	}
	return f.Result()
}

// ErrorlessAwaitTimeout passes on f's result but drops its error.
func ErrorlessAwaitTimeout(h *RequestHandler, f *futures.Future, d time.Duration) (any, error) {
	l := h.Loop()
	first := futures.New()
	t := l.CallLater(d, func() { _ = first.SetException(ErrTimeout) })
	f.AddDoneCallback(func(f *futures.Future) {
		l.RemoveTimeout(t)
		v, _ := f.Result()
		_ = first.SetResult(v)
	})
	return h.Await(first)
}
