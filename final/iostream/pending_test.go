package iostream

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
)

// InputPending sees bytes in the kernel that no read has asked for, and in
// the stream's buffer, without consuming them; end of file is not input.
func TestInputPending(t *testing.T) {
	testutil.CheckLeaks(t)
	l := quietLoop(t)
	a, b := tcpPair(t, l)
	run(t, l, func(c *gen.Co) error {
		assert.False(t, b.InputPending(), "nothing sent yet")
		_, err := gen.Await(c, a.Write([]byte("GET / HTTP/1.1\r\n\r\nmore")))
		require.NoError(t, err)
		waitFDReadable(t, b.Fileno())
		assert.True(t, b.InputPending(), "in the kernel")
		assert.True(t, b.InputPending(), "peeking consumed nothing")
		got, err := gen.Await(c, b.ReadUntil([]byte("\r\n\r\n"), 0))
		require.NoError(t, err)
		assert.Equal(t, "GET / HTTP/1.1\r\n\r\n", string(got))
		assert.True(t, b.InputPending(), "the rest is in the stream's buffer")
		_, err = gen.Await(c, b.ReadBytes(4, false))
		require.NoError(t, err)
		require.NoError(t, a.CloseWrite())
		waitFDReadable(t, b.Fileno())
		assert.False(t, b.InputPending(), "end of file is not input")
		return nil
	})
}

// waitFDReadable waits until fd is readable (input or end of file), for up
// to 10 seconds.
func waitFDReadable(t testing.TB, fd int) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 10_000)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			t.Errorf("descriptor %d not readable in 10 s: %v", fd, err)
		}
		return
	}
}
