package callbacks

import (
	"bytes"
	"log"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/internal/tracetest"
)

// startCrawl is the code that starts the work: in a real program, main or a
// request handler several calls deep.
func startCrawl(l *Loop, urls []string) {
	for _, u := range urls {
		Fetch(l, u, handlePage)
	}
}

// handlePage forgets that a page can fail, a bug of the kind callbacks invite:
// the error has to be checked by hand in every callback.
func handlePage(body []byte, err error) {
	if err != nil {
		panic(err)
	}
	_ = body
}

// Stack ripping, shown for real. The failing callback's stack trace starts at
// the loop (Start, poll, a handler, finish) and ends in handlePage; the code
// that started the fetch, startCrawl, is not on it, because by the time the
// answer arrives that call has long returned. `go test -v -run
// TestStackRipping` prints the trace the chapter quotes.
func TestStackRipping(t *testing.T) {
	srv := startServer(t, 0)
	l := newLoop(t)
	// The loop logs the panic it recovered, and stops once it has.
	var logged stopWriter
	logged.loop = l
	l.ErrorLog = log.New(&logged, "", 0)
	startCrawl(l, []string{srv.PageURL(404) + "?status=404"})
	run(t, l)

	// The chapter quotes this trace: paths relative to the repository, so
	// that it reads the same on every machine.
	trace := tracetest.Relative(logged.String())
	t.Logf("the loop's log:\n%s", trace)
	require.Contains(t, trace, "panic in callback: HTTP 404: Not Found")
	assert.Contains(t, trace, "callbacks.handlePage(")
	assert.Contains(t, trace, "(*fetch).onReadable(")
	assert.Contains(t, trace, "(*Loop).Start(")
	assert.Contains(t, trace, "\tstage2-callbacks/fetch.go:", "file paths relative to the repository")
	assert.NotRegexp(t, "\n\t/", trace, "no absolute file path")
	assert.NotContains(t, trace, "callbacks.startCrawl(", "the trace names who started the fetch: no stack ripping?")
}

// stopWriter keeps what is written to it and stops the loop.
type stopWriter struct {
	bytes.Buffer
	loop *Loop
}

func (w *stopWriter) Write(p []byte) (int, error) {
	w.loop.Stop()
	return w.Buffer.Write(p)
}
