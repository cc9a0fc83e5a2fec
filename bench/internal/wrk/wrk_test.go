package wrk

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hello64.txt is a real report of wrk 4.1.0 against the net/http peer.
func TestParseRealReport(t *testing.T) {
	b, err := os.ReadFile("testdata/hello64.txt")
	require.NoError(t, err)
	r, err := Parse(string(b))
	require.NoError(t, err)
	assert.Equal(t, int64(105709), r.Requests)
	assert.Equal(t, 2*time.Second, r.Elapsed)
	assert.InDelta(t, 52777.63, r.RequestsPerSec, 1e-9)
	assert.InDelta(t, 5.74*1024*1024, r.BytesPerSec, 1)
	assert.Equal(t, 1260*time.Microsecond, r.LatencyAvg)
	assert.Equal(t, 940*time.Microsecond, r.LatencyP50)
	assert.Equal(t, 7260*time.Microsecond, r.LatencyP99)
	assert.Zero(t, r.Errors())
}

func TestParseErrors(t *testing.T) {
	b, err := os.ReadFile("testdata/errors.txt")
	require.NoError(t, err)
	r, err := Parse(string(b))
	require.NoError(t, err)
	assert.Equal(t, int64(15300), r.Requests)
	assert.Equal(t, 5010*time.Millisecond, r.Elapsed)
	assert.Equal(t, int64(55), r.SocketErrors)
	assert.Equal(t, int64(7), r.Non2xx)
	assert.Equal(t, int64(62), r.Errors())
	assert.Equal(t, 812*time.Microsecond, r.LatencyAvg)
	assert.Equal(t, 700500*time.Nanosecond, r.LatencyP50)
	assert.Equal(t, 1010*time.Millisecond, r.LatencyP99)
	assert.InDelta(t, 245.30*1024*1024, r.BytesPerSec, 1)
}

func TestParseNoReport(t *testing.T) {
	_, err := Parse("unable to connect to 127.0.0.1:1 Connection refused\n")
	assert.ErrorIs(t, err, ErrNoReport)
	_, err = Parse("")
	assert.ErrorIs(t, err, ErrNoReport)
}

func TestParseBadNumber(t *testing.T) {
	_, err := Parse("Requests/sec:  12x\n")
	assert.Error(t, err)
	_, err = Parse("Requests/sec: 1\nTransfer/sec: 5.00QB\n")
	assert.Error(t, err)
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"812.00us": 812 * time.Microsecond,
		"1.50ms":   1500 * time.Microsecond,
		"5.00s":    5 * time.Second,
		"1.00m":    time.Minute,
		"2.00h":    2 * time.Hour,
	} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "ms", "1.0xs", "1..0s", "12"} {
		_, err := ParseDuration(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]float64{
		"512.00B": 512, "1.00KB": 1024, "2.50MB": 2.5 * 1024 * 1024, "1.00GB": 1 << 30,
	} {
		got, err := ParseBytes(in)
		require.NoError(t, err, in)
		assert.InDelta(t, want, got, 1e-6, in)
	}
	_, err := ParseBytes("12")
	assert.Error(t, err)
}

func TestArgs(t *testing.T) {
	assert.Equal(t,
		[]string{"-t1", "-c64", "-d5s", "--latency", "http://127.0.0.1:1/"},
		Args(1, 64, 5*time.Second, "http://127.0.0.1:1/", ""))
	assert.Equal(t,
		[]string{"-t2", "-c64", "-d3s", "--latency", "-s", "p.lua", "http://h/", "--", "16", "/"},
		Args(2, 64, 3*time.Second, "http://h/", "p.lua", "16", "/"))
}

// When no response arrives, wrk prints zeros and "-nan%"; that is a result
// of 0 requests/s, not a parse failure.
func TestParseNoResponses(t *testing.T) {
	b, err := os.ReadFile("testdata/noresponses.txt")
	require.NoError(t, err)
	r, err := Parse(string(b))
	require.NoError(t, err)
	assert.Zero(t, r.Requests)
	assert.Zero(t, r.RequestsPerSec)
	assert.Zero(t, r.LatencyAvg)
}
