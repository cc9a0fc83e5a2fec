package httpserver_test

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// A client that pipelines requests without pause, reading the answers as
// fast as they come, always has bytes for the server to read: the loop it
// shares with other clients must still answer them promptly and run its
// timers. Before the read pass was bounded, the flooding connection kept
// its loop while the flood lasted.
func TestPipelinedFloodLeavesTheLoopToOthers(t *testing.T) {
	testutil.Flooding(t)
	loop, err := ioloop.New()
	require.NoError(t, err)
	stopped := make(chan struct{})
	go func() { defer close(stopped); loop.Start() }()
	t.Cleanup(func() { loop.AddCallback(loop.Stop); <-stopped; loop.Close(false) })
	s := httpserver.New(httpserver.HandlerFunc(hello))
	require.NoError(t, s.Bind(0, "127.0.0.1"))
	require.NoError(t, s.Start(loop))
	t.Cleanup(func() { s.Close() })
	addr := s.Addr("127.0.0.1")

	// The flood: batches of 256 pipelined requests written back to back,
	// and a reader that counts the answers' bytes.
	flood, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { flood.Close() })
	var answered atomic.Int64
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := flood.Read(buf)
			answered.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	go func() {
		batch := bytes.Repeat(helloReq, 256)
		for {
			if _, err := flood.Write(batch); err != nil {
				return
			}
		}
	}()

	other, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer other.Close()
	n := responseLen(t, other)
	buf := make([]byte, n)
	timer := func(delay time.Duration) <-chan time.Duration {
		late := make(chan time.Duration, 1)
		loop.AddCallback(func() {
			want := time.Now().Add(delay)
			loop.CallLater(delay, func() { late <- time.Since(want) })
		})
		return late
	}
	before := answered.Load()
	f := testutil.MeasureFairness(t, 500, timer, func() error {
		if _, err := other.Write(helloReq); err != nil {
			return err
		}
		other.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := io.ReadFull(other, buf)
		return err
	})
	during := answered.Load() - before
	testutil.AssertFair(t, f)
	assert.True(t, bytes.HasSuffix(buf, helloBody), "the other client got its answer")
	t.Logf("the flood got %d MiB of answers meanwhile", during>>20)
	assert.Greater(t, during, int64(1<<20), "the flood was served meanwhile")
}
