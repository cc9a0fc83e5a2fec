// The test's log: a slog.Handler that writes records to the test, fails it
// on unexpected errors, and lets ExpectLog claim the records a test expects
// (Tornado's ExpectLog, and the log counter of Tornado's own test runner).

package webtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Log is a test's log: the slog.Logger to give the code under test
// (ioloop.WithLogger, web.Settings.Logger). Every record at INFO or above
// is written to the test's output with t.Log (shown on failure or with -v)
// unless an expectation claims it (Expect, ExpectLog), as slog's default
// handler shows INFO and above; a record at or above the fail
// level (ERROR by default, see WithFailLevel) that nothing claims fails the
// test, as an exception logged on Tornado's loop fails an AsyncTestCase.
// A Log is safe for use from any goroutine; every loop of a test logs into
// it.
type Log struct {
	// t is the test written to and failed.
	t testing.TB
	// fail is the level from which an unclaimed record fails the test.
	fail slog.Level
	// min is the lowest level written to the test's output (INFO); an
	// expectation below it lowers it for its duration (enabled).
	min slog.Level

	// mu guards the fields below: records arrive from the loops'
	// goroutines, expectations start and end on the test's.
	mu sync.Mutex
	// expects are the expectations in force, oldest first.
	expects []*Expectation
	// ended is set when the test is over: t may no longer be called, so
	// records go to standard error instead.
	ended bool
}

// NewLog returns a log writing to t, for a test that gives a logger to code
// without a Loop (a handler under net/http's httptest, say). NewLoop makes
// one for its loop. With no options, ERROR records that no expectation
// claims fail the test.
func NewLog(t testing.TB, opts ...Option) *Log {
	t.Helper()
	o := buildOptions(opts)
	l := &Log{t: t, fail: o.failLevel, min: slog.LevelInfo}
	t.Cleanup(func() {
		l.mu.Lock()
		l.ended = true
		l.mu.Unlock()
	})
	return l
}

// Logger returns a slog.Logger writing to the log.
func (l *Log) Logger() *slog.Logger { return slog.New(&logHandler{log: l}) }

// Handler returns the log as a slog.Handler, for code that builds its own
// logger around a handler.
func (l *Log) Handler() slog.Handler { return &logHandler{log: l} }

// Expectation is an expected log record in force: from Expect until Done,
// every record at or above its level whose text matches its pattern is
// claimed by it, counted, and kept out of the test's output and out of the
// fail check. Tornado's ExpectLog used as a context manager.
type Expectation struct {
	// log is the log watched.
	log *Log
	// level is the lowest level a matching record may have.
	level slog.Level
	// re is the pattern, anchored at the start of the record's text as
	// Tornado's re.match is.
	re *regexp.Regexp
	// pattern is the pattern as given, for the failure message.
	pattern string
	// n counts the records claimed (under log.mu).
	n int
	// ended is set by Done and Stop (under log.mu).
	ended bool
}

// Expect starts expecting a record at level or above whose text matches
// pattern, a regular expression matched, like the regex of Tornado's
// ExpectLog, at the start of the record's text: its message, then its
// attributes as key=value. Call Done on the result at the end of the scope
// (`defer e.Done()`): it fails the test if nothing matched. While an
// expectation at a level below the log's lowest is in force, the log takes
// records down to its level, as Tornado's ExpectLog lowers the logger's
// level for its duration. A pattern that does not compile fails the test.
func (l *Log) Expect(level slog.Level, pattern string) *Expectation {
	l.t.Helper()
	re, err := regexp.Compile("^(?:" + pattern + ")")
	if err != nil {
		l.t.Fatalf("webtest: ExpectLog pattern %q: %v", pattern, err)
	}
	e := &Expectation{log: l, level: level, re: re, pattern: pattern}
	l.mu.Lock()
	l.expects = append(l.expects, e)
	l.mu.Unlock()
	return e
}

// ExpectLog runs fn with an expectation in force (Expect, then Done when fn
// returns): the `with ExpectLog(logger, regex):` block of a Tornado test.
// A fn that makes requests waits for their answers, so that the records
// they cause are logged before it returns.
func (l *Log) ExpectLog(level slog.Level, pattern string, fn func()) {
	l.t.Helper()
	e := l.Expect(level, pattern)
	defer e.Done()
	fn()
}

// Count returns how many records the expectation has claimed so far.
func (e *Expectation) Count() int {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return e.n
}

// Done ends the expectation and fails the test if it claimed no record
// (Tornado's "did not get expected log message"). Calling it again does
// nothing.
func (e *Expectation) Done() {
	e.log.t.Helper()
	if n, first := e.end(); first && n == 0 {
		e.log.t.Errorf("webtest: did not get the expected log message: %v matching %q", e.level, e.pattern)
	}
}

// Stop ends the expectation without requiring a match: Tornado's
// ExpectLog(required=False), for records that may or may not come.
func (e *Expectation) Stop() { e.end() }

// end removes the expectation from its log and returns its count, and
// whether this call ended it.
func (e *Expectation) end() (n int, first bool) {
	l := e.log
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.ended {
		return e.n, false
	}
	e.ended = true
	for i, x := range l.expects {
		if x == e {
			l.expects = append(l.expects[:i], l.expects[i+1:]...)
			break
		}
	}
	return e.n, true
}

// enabled reports whether the log takes records at level: those the test
// output shows, and those an expectation in force may claim.
func (l *Log) enabled(level slog.Level) bool {
	if level >= l.min || level >= l.fail {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.expects {
		if level >= e.level {
			return true
		}
	}
	return false
}

// handle routes one formatted record: to the first expectation that
// claims it, else to the test's output, failing the test at the fail
// level.
func (l *Log) handle(level slog.Level, text string) {
	l.mu.Lock()
	for _, e := range l.expects {
		if level >= e.level && e.re.MatchString(text) {
			e.n++
			l.mu.Unlock()
			return
		}
	}
	ended := l.ended
	l.mu.Unlock()
	switch {
	case ended:
		// The test is over and t may not be called; a record logged
		// now (a logger kept by something that outlived the test) is
		// not lost.
		fmt.Fprintf(os.Stderr, "webtest: %s logged after the test ended: %v %s\n", l.t.Name(), level, text)
	case level >= l.fail:
		l.t.Errorf("webtest: unexpected log record: %v %s", level, text)
	case level >= l.min:
		l.t.Logf("%v %s", level, text)
	}
}

// logHandler is the slog.Handler of a Log: the attributes and groups of
// WithAttrs and WithGroup, in front of the shared Log.
type logHandler struct {
	// log receives the records.
	log *Log
	// attrs is the text of the attributes added by WithAttrs (see
	// recordText), keys qualified by their groups.
	attrs recordText
	// group is the current group path, "a.b." or "".
	group string
}

// recordText is a record as the test's output shows it: the message and
// its one-line attributes, " key=value" as slog's TextHandler writes them,
// on one line; then each attribute whose value has several lines (a
// stack) under its key, as it is, so that it reads as a stack does.
type recordText struct {
	// line is " key=value" for each one-line attribute.
	line string
	// tail is "\nkey:\nvalue" for each attribute of several lines.
	tail string
}

func (h *logHandler) Enabled(_ context.Context, level slog.Level) bool {
	return h.log.enabled(level)
}

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	text := h.attrs
	r.Attrs(func(a slog.Attr) bool {
		text.add(h.group, a)
		return true
	})
	h.log.handle(r.Level, r.Message+text.line+text.tail)
	return nil
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	text := h.attrs
	for _, a := range attrs {
		text.add(h.group, a)
	}
	return &logHandler{log: h.log, attrs: text, group: h.group}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &logHandler{log: h.log, attrs: h.attrs, group: h.group + name + "."}
}

// add appends attribute a, its key qualified by group; a group's
// attributes are flattened into dotted keys, as TextHandler does. A
// one-line value with spaces or quotes is quoted, so that the line splits
// into its attributes unambiguously.
func (t *recordText) add(group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := group
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			t.add(g, ga)
		}
		return
	}
	v := a.Value.String()
	switch {
	case strings.Contains(strings.TrimRight(v, "\n"), "\n"):
		t.tail += "\n" + group + a.Key + ":\n" + strings.TrimRight(v, "\n")
	case strings.ContainsAny(v, " \t\n\"="):
		t.line += fmt.Sprintf(" %s%s=%q", group, a.Key, v)
	default:
		t.line += " " + group + a.Key + "=" + v
	}
}
