//go:build !linux && !darwin

// Gathered writes where x/sys has no writev: one write per buffer.

package iostream

import (
	"errors"

	"golang.org/x/sys/unix"
)

// writev writes bufs in order with one write per buffer, stopping at the
// first short write.
func writev(fd int, bufs [][]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		n, err := unix.Write(fd, b)
		if n > 0 {
			total += n
		}
		if err != nil {
			if total > 0 && errors.Is(err, unix.EAGAIN) {
				return total, nil
			}
			return total, err
		}
		if n < len(b) {
			break
		}
	}
	return total, nil
}
