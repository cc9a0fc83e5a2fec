package websocket

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validateSplit runs the incremental validator over s split at cuts and
// reports whether the whole is valid.
func validateSplit(s []byte, cuts []int) bool {
	st := utf8Accept
	prev := 0
	for _, c := range append(cuts, len(s)) {
		if c < prev {
			continue
		}
		st = st.validate(s[prev:c])
		prev = c
	}
	return st == utf8Accept
}

// The incremental validator agrees with unicode/utf8.Valid, which follows
// RFC 3629, for every string of the conformance table split at every point,
// and for every sequence of up to three bytes.
func TestUTF8MatchesStdlib(t *testing.T) {
	all := append(append([]string{}, autobahnValidUTF8...), autobahnInvalidUTF8...)
	for _, s := range all {
		b := []byte(s)
		want := utf8.Valid(b)
		require.Equal(t, want, validateSplit(b, nil), "%q whole", s)
		for i := 0; i <= len(b); i++ {
			require.Equal(t, want, validateSplit(b, []int{i}), "%q cut at %d", s, i)
		}
		cuts := make([]int, len(b))
		for i := range cuts {
			cuts[i] = i
		}
		require.Equal(t, want, validateSplit(b, cuts), "%q bytewise", s)
	}
	var b [3]byte
	for x := 0; x < 1<<24; x += 7 {
		b[0], b[1], b[2] = byte(x>>16), byte(x>>8), byte(x)
		if validateSplit(b[:], []int{1}) != utf8.Valid(b[:]) {
			t.Fatalf("%x", b)
		}
	}
}

// A sequence that can no longer become valid fails at once: the state is
// utf8Reject before the message ends (Autobahn 6.4's "fail fast").
func TestUTF8FailsFast(t *testing.T) {
	assert.Equal(t, utf8Reject, utf8Accept.validate([]byte("abc\xf4\x90")))
	assert.Equal(t, utf8Reject, utf8Accept.validate([]byte("\xed\xa0")))
	assert.Equal(t, utf8Reject, utf8Accept.validate([]byte("\xc0")))
	assert.NotEqual(t, utf8Reject, utf8Accept.validate([]byte("abc\xf4\x8f")))
	assert.Equal(t, utf8Reject, utf8Reject.validate([]byte("abc")))
}
