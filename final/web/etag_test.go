package web

import (
	"bytes"
	"hash/crc32"
	"hash/fnv"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The default ETag is part of what caches keep between server versions:
// pin it, so that a change of algorithm is a decision, not an accident.
func TestDefaultETag(t *testing.T) {
	short := []byte("Hello, world")
	f := fnv.New32a()
	f.Write(short)
	want := `"` + hex32(crc32.Checksum(short, crc32.MakeTable(crc32.Castagnoli))) + hex32(f.Sum32()) + `"`
	assert.Equal(t, want, string(appendETag(nil, short)))

	long := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	want = `"` + hex32(crc32.Checksum(long, crc32.MakeTable(crc32.Castagnoli))) + hex32(crc32.ChecksumIEEE(long)) + `"`
	assert.Equal(t, want, string(appendETag(nil, long)))

	// Every body of every length up to past the switch gets its own tag.
	seen := map[string]int{}
	for n := 0; n <= 80; n++ {
		for _, c := range []byte{'a', 'b'} {
			if n == 0 && c == 'b' {
				continue // the empty body once
			}
			tag := string(appendETag(nil, bytes.Repeat([]byte{c}, n)))
			assert.Len(t, tag, 18)
			_, dup := seen[tag]
			assert.False(t, dup, "length %d byte %c repeats a tag", n, c)
			seen[tag] = n
		}
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { appendETag(make([]byte, 0, 32)[:0], long) }))
}

func hex32(v uint32) string {
	s := strconv.FormatUint(uint64(v), 16)
	for len(s) < 8 {
		s = "0" + s
	}
	return s
}
