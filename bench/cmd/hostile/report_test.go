package main

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/wsclient"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var out []time.Duration
		for _, x := range xs {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	assert.Equal(t, time.Duration(-1), percentile([]time.Duration(nil), 50))
	assert.Equal(t, int64(3), percentile([]int64{5, 3, 1}, 50), "bytes too")
	one := ms(7)
	assert.Equal(t, 7*time.Millisecond, percentile(one, 0))
	assert.Equal(t, 7*time.Millisecond, percentile(one, 99))
	// Nearest rank over 1..100: p50 is the 50th value, p99 the 99th.
	var hundred []int
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, i)
	}
	xs := ms(hundred...)
	assert.Equal(t, 50*time.Millisecond, percentile(xs, 50))
	assert.Equal(t, 99*time.Millisecond, percentile(xs, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(xs, 100))
	assert.Equal(t, 100*time.Millisecond, xs[0], "the input is left unsorted")
	// Twenty values: p99 is the largest, p50 the tenth.
	twenty := ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2000)
	assert.Equal(t, 10*time.Millisecond, percentile(twenty, 50))
	assert.Equal(t, 2000*time.Millisecond, percentile(twenty, 99))
}

func TestSummarize(t *testing.T) {
	t0 := time.Now()
	gone := t0.Add(time.Second)
	rs := []probeResult{
		{LatencyMS: 1, Status: 200, sent: t0, ended: t0.Add(time.Millisecond)},
		{LatencyMS: 3, Status: 200, sent: t0, ended: t0.Add(3 * time.Millisecond)},
		{Status: 404, LatencyMS: 1, sent: t0, ended: t0},
		{Err: "timeout", sent: t0, ended: t0.Add(3 * time.Second)},
		{Err: "connection refused", sent: t0, ended: t0.Add(time.Millisecond)},
		// Pending since t0+200ms, reset when the server died.
		{Err: "connection reset by peer", sent: t0.Add(200 * time.Millisecond), ended: gone.Add(time.Millisecond)},
	}
	s := summarize(rs, gone)
	assert.Equal(t, 6, s.N)
	assert.Equal(t, 2, s.OK)
	assert.Equal(t, 1, s.Timeouts)
	assert.Equal(t, 2, s.Errors, "the 404 and the refusal")
	assert.Equal(t, 1, s.Cut)
	assert.Equal(t, 800*time.Millisecond, s.CutWaited)
	assert.Equal(t, time.Millisecond, s.P50)
	assert.Equal(t, 3*time.Millisecond, s.Max)

	// Without a death, the reset is an error like any other.
	s = summarize(rs, time.Time{})
	assert.Equal(t, 3, s.Errors)
	assert.Zero(t, s.Cut)

	assert.Equal(t, []string{"0", "0", "0", "0", "0", "–", "–", "–"}, summarize(nil, time.Time{}).cells())
}

func TestDescribeBodyClients(t *testing.T) {
	cs := []bodyClient{
		{Status: 413, StatusS: 0.5, Ended: "close", EndedS: 0.5, WriteErr: "broken pipe", WriteErrS: 2.5},
		{Status: 413, StatusS: 0.9, Ended: "close", EndedS: 0.9, WriteErr: "broken pipe", WriteErrS: 2.9},
		{Ended: "reset", EndedS: 6.47, WriteErr: "connection reset by peer", WriteErrS: 6.47},
		{Sent: 1 << 20},
	}
	assert.Equal(t, "1× nothing (still sending at the end); "+
		"1× reset without a response at 6.47 s (writes failed at 6.47 s: connection reset by peer); "+
		"2× 413, then close at 0.50–0.90 s (writes failed at 2.50–2.90 s: broken pipe)",
		describeBodyClients(cs))
}

func TestSectionMarkdown(t *testing.T) {
	s := section{
		Title:  "9. Something",
		Method: "What was done.",
		Head:   []string{"a", "b"},
		Rows:   [][]string{{"1", "x|y"}, {"only one cell"}},
		Notes:  []string{"a note"},
		Raw:    map[string]int{"n": 1},
	}
	var b bytes.Buffer
	s.markdown(&b)
	want := "## 9. Something\n\nWhat was done.\n\n| a | b |\n|---|---|\n| 1 | x\\|y |\n| only one cell |  |\n\n" +
		"- a note\n\n<details><summary>raw numbers</summary>\n\n```json\n{\n  \"n\": 1\n}\n```\n\n</details>\n\n"
	assert.Equal(t, want, b.String())
}

func TestFormats(t *testing.T) {
	assert.Equal(t, "1.5 MiB", mib(3<<19))
	assert.Equal(t, "3.00 GiB", mib(3<<30))
	assert.Equal(t, "0.8 ms", ms(800*time.Microsecond))
	assert.Equal(t, "1538 ms", ms(1538*time.Millisecond))
	assert.Equal(t, "–", msOrDash(-1))
}

// unmask decodes a client frame as a server would (RFC 6455, section 5.3),
// returning its opcode, payload, and what follows it.
func unmask(t *testing.T, f []byte) (byte, []byte, []byte) {
	require.NotZero(t, f[0]&0x80, "FIN")
	require.NotZero(t, f[1]&0x80, "client frames are masked")
	n, off := int(f[1]&0x7f), 2
	switch n {
	case 126:
		n, off = int(f[2])<<8|int(f[3]), 4
	case 127:
		n, off = 0, 10
		for _, b := range f[2:10] {
			n = n<<8 | int(b)
		}
	}
	key := f[off : off+4]
	p := f[off+4 : off+4+n]
	out := make([]byte, n)
	for i := range p {
		out[i] = p[i] ^ key[i%4]
	}
	return f[0] & 0x0f, out, f[off+4+n:]
}

func TestFrames(t *testing.T) {
	for _, size := range []int{0, 125, 126, 65535, 65536} {
		msg := bytes.Repeat([]byte("xyz"), size/3+1)[:size]
		op, got, rest := unmask(t, wsclient.MaskedFrame(wsclient.OpBinary, msg))
		assert.Equal(t, byte(wsclient.OpBinary), op)
		assert.Equal(t, msg, got, "size %d", size)
		assert.Empty(t, rest)
	}
	// The chat's burst: burst text frames of 1 KiB, each a JSON body.
	b := chatKiB()
	for i := range burst {
		var op byte
		var msg []byte
		op, msg, b = unmask(t, b)
		require.Equal(t, byte(wsclient.OpText), op, "frame %d", i)
		require.Len(t, msg, kib)
		require.True(t, strings.HasPrefix(string(msg), `{"body": "aaa`) && strings.HasSuffix(string(msg), `a"}`))
	}
	assert.Empty(t, b)
}

// writeFull to a peer that does not read: it blocks, notices stop, and
// whatever reached the peer is whole messages, never a cut one.
func TestWriteFullStopsWhilePeerDoesNotRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	var peer net.Conn
	select {
	case peer = <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted")
	}
	defer peer.Close()

	msg := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	stop := make(chan struct{})
	type result struct {
		blocked time.Duration
		err     error
		whole   int
	}
	done := make(chan result, 1)
	go func() {
		var r result
		for {
			b, err := writeFull(c, msg, stop)
			r.blocked += b
			if err != nil {
				r.err = err
				done <- r
				return
			}
			r.whole++
		}
	}()
	// Stop once the writes have been blocked for a while: the socket
	// buffers are full.
	time.Sleep(500 * time.Millisecond)
	close(stop)
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("writeFull did not notice stop")
	}
	assert.ErrorIs(t, r.err, errStopped)
	assert.Greater(t, r.blocked, 100*time.Millisecond, "the peer's window filled")
	assert.Greater(t, r.whole, 0)

	// stop is checked before a message is begun, so a closed stop
	// writes nothing.
	b, err := writeFull(c, msg, stop)
	assert.ErrorIs(t, err, errStopped)
	assert.Zero(t, b)

	c.Close()
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(peer)
	require.NoError(t, err)
	// The message being written when stop closed may be cut (it is
	// abandoned with the connection); every one before it is whole.
	assert.GreaterOrEqual(t, len(got), r.whole*len(msg))
	assert.Less(t, len(got), (r.whole+1)*len(msg))
}

// writeFull to a peer that reads everything: a closed stop still ends it
// (a writer that only looked at stop when a write blocked would go on for
// ever against a server that keeps up).
func TestWriteFullStopsWhilePeerReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	msg := []byte("a small message")
	stop := make(chan struct{})
	_, err = writeFull(c, msg, stop)
	require.NoError(t, err, "before stop, the message is written")
	close(stop)
	_, err = writeFull(c, msg, stop)
	assert.ErrorIs(t, err, errStopped)
}
