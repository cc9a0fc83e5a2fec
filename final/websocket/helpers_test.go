// Test helpers: building frames, and feeding a Reader whole, byte by byte
// and split at random points.

package websocket

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// testKey is the masking key of RFC 6455's examples (section 5.7).
var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// fr builds one frame; masked frames use testKey.
func fr(fin bool, rsv uint8, op Opcode, payload []byte, masked bool) []byte {
	var key *[4]byte
	if masked {
		key = &testKey
	}
	return AppendFrame(nil, fin, rsv, op, payload, key)
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// event is a message as the tests compare it: copied out of the Reader.
type event struct {
	// Op is the message's opcode.
	Op Opcode
	// Data is the payload.
	Data string
	// Code and Reason are a Close frame's.
	Code   int
	Reason string
}

// String prints an event compactly for failure messages.
func (e event) String() string {
	d := e.Data
	if len(d) > 40 {
		d = fmt.Sprintf("%q...(%d bytes)", d[:40], len(d))
	} else {
		d = fmt.Sprintf("%q", d)
	}
	if e.Op == OpClose {
		return fmt.Sprintf("close(%d %q)", e.Code, e.Reason)
	}
	return e.Op.String() + " " + d
}

// feedCuts feeds a fresh copy of input to a new Reader in pieces ending at
// cuts (ascending offsets), and returns the events and the error.
func feedCuts(opts ReaderOptions, input []byte, cuts []int) ([]event, error) {
	return feedReader(NewReader(opts), input, cuts)
}

// feedReader is feedCuts on an existing Reader.
func feedReader(r *Reader, input []byte, cuts []int) ([]event, error) {
	buf := append([]byte(nil), input...)
	var evs []event
	prev := 0
	for _, c := range append(cuts, len(buf)) {
		if c < prev {
			continue
		}
		p := buf[prev:c]
		prev = c
		for len(p) > 0 {
			n, m, ok, err := r.Next(p)
			if n < 0 || n > len(p) {
				panic("Next consumed out of range")
			}
			p = p[n:]
			if err != nil {
				return evs, err
			}
			if ok {
				evs = append(evs, event{Op: m.Opcode, Data: string(m.Data), Code: m.CloseCode, Reason: m.CloseReason})
			} else if len(p) > 0 {
				panic("Next returned early without a message")
			}
		}
	}
	return evs, nil
}

// feedMode is one way of splitting the input.
type feedMode struct {
	// name appears in subtest names.
	name string
	// cuts returns the split points for an input of n bytes.
	cuts func(n int, rng *rand.Rand) []int
}

// feedModes are whole, byte by byte, and three random splittings.
var feedModes = []feedMode{
	{"whole", func(int, *rand.Rand) []int { return nil }},
	{"bytewise", func(n int, _ *rand.Rand) []int {
		if n > 1<<16 {
			return nil // the limit cases are large; their random splits cover them
		}
		c := make([]int, n)
		for i := range c {
			c[i] = i
		}
		return c
	}},
	{"random", randomCuts},
	{"random2", randomCuts},
	{"random3", randomCuts},
}

// randomCuts returns up to 8 random ascending split points.
func randomCuts(n int, rng *rand.Rand) []int {
	if n == 0 {
		return nil
	}
	k := rng.IntN(8) + 1
	c := make([]int, k)
	for i := range c {
		c[i] = rng.IntN(n + 1)
	}
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c
}

// newRand returns a generator seeded from the test name, so that a failure
// reproduces.
func newRand(t testing.TB) *rand.Rand {
	var h uint64 = 14695981039346656037
	for _, c := range []byte(t.Name()) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return rand.New(rand.NewPCG(h, 42))
}
