package load

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gornado/gornado/final/ioloop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A server that counts the requests and connections it saw, so the test
// checks the generator's report against the other side's account.
func countingServer(t *testing.T, status int) (*httptest.Server, func() (reqs, conns int)) {
	var mu sync.Mutex
	reqs, conns := 0, map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reqs++
		conns[r.RemoteAddr] = true
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte("Hello, world"))
	}))
	t.Cleanup(srv.Close)
	return srv, func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return reqs, len(conns)
	}
}

func TestRunKeepsRequestsInFlightOnPooledConnections(t *testing.T) {
	srv, seen := countingServer(t, 200)
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(false)

	rep, err := Run(loop, srv.URL+"/", 4, 50*time.Millisecond, 200*time.Millisecond)
	require.NoError(t, err)
	reqs, conns := seen()
	assert.Zero(t, rep.Errors)
	assert.Positive(t, rep.Requests)
	assert.LessOrEqual(t, rep.Requests, int64(reqs), "it cannot report more than the server answered")
	assert.LessOrEqual(t, conns, 4, "at most -c connections, reused")
	assert.InDelta(t, float64(rep.Requests)/0.2, rep.Rate, 0.001)
}

func TestRunCountsErrors(t *testing.T) {
	srv, _ := countingServer(t, 500)
	loop, err := ioloop.New()
	require.NoError(t, err)
	defer loop.Close(false)
	rep, err := Run(loop, srv.URL+"/", 2, 0, 100*time.Millisecond)
	require.NoError(t, err)
	assert.Zero(t, rep.Requests)
	assert.Positive(t, rep.Errors)
}

func TestMainPrintsJSONAndRefusesOtherHosts(t *testing.T) {
	srv, _ := countingServer(t, 200)
	var out, errOut bytes.Buffer
	code := Main([]string{"-url", srv.URL + "/", "-c", "2", "-d", "100ms", "-warmup", "0s"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var rep Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	assert.Equal(t, "final", rep.Client)
	assert.Equal(t, 2, rep.Conns)
	assert.Positive(t, rep.Rate)

	errOut.Reset()
	assert.Equal(t, 1, Main([]string{"-url", "http://192.0.2.1/"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "loopback")
	assert.Equal(t, 2, Main([]string{"-c", "0"}, &out, &errOut))
}
