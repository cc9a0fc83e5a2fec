package futures

import (
	"bytes"
	"log"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/tracetest"

	callbacks "github.com/gornado/gornado/stage2-callbacks"
)

// buildChain is where the work is planned: fetch a page, then turn it into
// a title. It returns long before any step runs.
func buildChain(l *callbacks.Loop, url string) *Future {
	return FetchFuture(l, url).Then(title)
}

// title has a bug the type system cannot catch, because a Future's result is
// an any: the body is a []byte, not a string.
func title(v any) (any, error) {
	return strings.ToUpper(v.(string)), nil
}

// What still hurts with Futures, shown for real. The type assertion fails at
// run time, inside a done-callback, inside the fetch's callback, inside the
// loop: the trace is longer than stage2's, and still does not name
// buildChain, where the chain was built. And the chain's Future never
// resolves, because the step that should have resolved it panicked.
// `go test -v -run TestFutureStackStillRipped` prints the trace the chapter
// quotes.
func TestFutureStackStillRipped(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	var logged bytes.Buffer
	l.ErrorLog = log.New(&stopWriter{&logged, l}, "", 0)
	f := buildChain(l, srv.PageURL(1))
	require.NoError(t, l.Start())

	// The chapter quotes this trace: paths relative to the repository, so
	// that it reads the same on every machine.
	trace := tracetest.Relative(logged.String())
	t.Logf("the loop's log:\n%s", trace)
	require.Contains(t, trace, "interface conversion: interface {} is []uint8, not string")
	assert.Contains(t, trace, "futures.title(")
	assert.Contains(t, trace, "(*Future).Then.func1(")
	assert.Contains(t, trace, "(*Loop).Start(")
	assert.Contains(t, trace, "\tstage3-futures/chain.go:", "file paths relative to the repository")
	assert.NotRegexp(t, "\n\t/", trace, "no absolute file path")
	// No frame of buildChain: it returned long ago. (Its name may still
	// appear inside a closure's name, "buildChain.(*Future).Then.func1":
	// Go names a closure after the function it was inlined into, which
	// records where the closure was made, not who is waiting for it.)
	assert.NotContains(t, trace, "futures.buildChain(")
	assert.False(t, f.Done(), "the chain's Future was resolved after all")
}

// stopWriter passes the loop's log on and stops the loop.
type stopWriter struct {
	w    *bytes.Buffer
	loop *callbacks.Loop
}

func (s *stopWriter) Write(p []byte) (int, error) {
	s.loop.Stop()
	return s.w.Write(p)
}
