package iostream

// Spoilers: a model answer to each of the chapter's exercises, and the wrong
// answers the exercise tests must reject. TestExerciseCheckers runs the
// checkers of exercisecheck_test.go on all of them, so CI checks that the
// exercise tests would catch each mistake, within their deadlines:
//
//	go test -v -run TestExerciseCheckers ./stage5-iostream/iostream/

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gornado/gornado/internal/exercisetest"
	futures "github.com/gornado/gornado/stage3-futures"
)

// lineReader is a ReadLines with its mistakes as switches, so that each
// wrong answer differs from the model in one way only.
type lineReader struct {
	dropLast    bool // forgets a last line that has no "\n"
	keepNewline bool // hands onLine the line with its "\n"
	noLimit     bool // ignores maxLine
}

func (lr lineReader) readLines(s *BaseIOStream, maxLine int, onLine func(line []byte)) *futures.Future {
	done := futures.New()
	limit := maxLine
	if lr.noLimit {
		limit = 0
	}
	n := 0
	var next func()
	next = func() {
		s.ReadUntil([]byte("\n"), limit).AddDoneCallback(func(f *futures.Future) {
			v, err := f.Result()
			if err == nil {
				line := v.([]byte)
				if !lr.keepNewline {
					line = line[:len(line)-1]
				}
				onLine(line)
				n++
				next()
				return
			}
			var closed *StreamClosedError
			if errors.As(err, new(*UnsatisfiableReadError)) || !errors.As(err, &closed) {
				_ = done.SetException(err)
				return
			}
			// The peer closed: what the stream still holds is the last line.
			s.ReadUntilClose(nil).AddDoneCallback(func(f *futures.Future) {
				v, err := f.Result()
				if err != nil {
					_ = done.SetException(err)
					return
				}
				rest := v.([]byte)
				switch {
				case len(rest) == 0 || lr.dropLast:
				case limit > 0 && len(rest) > limit:
					_ = done.SetException(&UnsatisfiableReadError{Message: "line longer than maxLine"})
					return
				default:
					onLine(rest)
					n++
				}
				_ = done.SetResult(n)
			})
		})
	}
	next()
	return done
}

// readAllThenSplit reads until the peer closes, then splits: a peer that
// keeps sending a line too long is waited for, not refused.
func readAllThenSplit(s *BaseIOStream, maxLine int, onLine func(line []byte)) *futures.Future {
	return s.ReadUntilClose(nil).Then(func(v any) (any, error) {
		lines := bytes.Split(v.([]byte), []byte("\n"))
		if len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		for _, l := range lines {
			onLine(l)
		}
		return len(lines), nil
	})
}

// copier is a Copy with its mistake as a switch.
type copier struct {
	noWait bool // reads the next chunk without waiting for the write
}

func (c copier) copy(dst, src *BaseIOStream) *futures.Future {
	done := futures.New()
	var n int64
	var step func()
	write := func(b []byte, then func()) {
		w := dst.Write(b)
		if c.noWait {
			if err := w.Exception(); w.Done() && err != nil {
				_ = done.SetException(err)
				return
			}
			n += int64(len(b))
			then()
			return
		}
		w.AddDoneCallback(func(w *futures.Future) {
			if err := w.Exception(); err != nil {
				_ = done.SetException(err)
				return
			}
			n += int64(len(b))
			then()
		})
	}
	step = func() {
		src.ReadBytes(32<<10, true, nil).AddDoneCallback(func(f *futures.Future) {
			v, err := f.Result()
			if err == nil {
				write(v.([]byte), step)
				return
			}
			if !errors.As(err, new(*StreamClosedError)) {
				_ = done.SetException(err)
				return
			}
			// src's peer closed: write what is left, then resolve.
			src.ReadUntilClose(nil).AddDoneCallback(func(f *futures.Future) {
				rest, _ := f.Result()
				finish := func() {
					// Resolve once dst has written everything.
					dst.Write(nil).AddDoneCallback(func(w *futures.Future) {
						if err := w.Exception(); err != nil {
							_ = done.SetException(err)
							return
						}
						_ = done.SetResult(n)
					})
				}
				if b, _ := rest.([]byte); len(b) > 0 {
					write(b, finish)
					return
				}
				finish()
			})
		})
	}
	step()
	return done
}

// streamingCopy is the obvious answer exercises.go warns of: it queues the
// whole input in dst's write buffer.
func streamingCopy(dst, src *BaseIOStream) *futures.Future {
	var n int64
	var werr error
	f := src.ReadUntilClose(func(b []byte) {
		n += int64(len(b))
		if w := dst.Write(b); w.Done() && w.Exception() != nil && werr == nil {
			werr = w.Exception()
		}
	})
	return f.Then(func(any) (any, error) { return n, werr })
}

func TestExerciseCheckers(t *testing.T) {
	t.Run("ReadLines", func(t *testing.T) {
		exercisetest.Reject(t, checkReadLines, lineReader{}.readLines, []exercisetest.Wrong[readLinesFunc]{
			{Mistake: "the starting point: not implemented", Answer: ReadLines},
			{Mistake: "drops a last line without newline", Answer: lineReader{dropLast: true}.readLines},
			{Mistake: "keeps the newline", Answer: lineReader{keepNewline: true}.readLines},
			{Mistake: "ignores maxLine", Answer: lineReader{noLimit: true}.readLines},
			{Mistake: "reads until close, then splits", Answer: readAllThenSplit},
		})
	})
	t.Run("Copy", func(t *testing.T) {
		exercisetest.Reject(t, checkCopy, copier{}.copy, []exercisetest.Wrong[copyFunc]{
			{Mistake: "the starting point: not implemented", Answer: Copy},
			{Mistake: "ReadUntilClose streaming into dst.Write", Answer: streamingCopy},
			{Mistake: "reads on without waiting for the write", Answer: copier{noWait: true}.copy},
		})
	})
}
