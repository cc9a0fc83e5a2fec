package http1connection

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httputil"
)

// headSets returns n header sets that differ in one value each.
func headSets(n int) []*httputil.HTTPHeaders {
	sets := make([]*httputil.HTTPHeaders, n)
	for i := range sets {
		sets[i] = httputil.NewHTTPHeaders("Server", "gornado", "Content-Type", "text/plain",
			"Content-Length", strconv.Itoa(100+i))
	}
	return sets
}

// TestHeadCacheStopsKeepingWhatKeepsMissing: heads that change on every
// response (64 of them in turn) are written right, hit rarely, and are
// mostly not kept; once the heads settle, the cache hits again within
// keepEvery responses.
func TestHeadCacheStopsKeepingWhatKeepsMissing(t *testing.T) {
	sets := headSets(keepEvery)
	var hc headCache
	kept := 0
	hit := func(h *httputil.HTTPHeaders) bool {
		b, f, err := hc.appendHead(nil, 200, "", h)
		require.NoError(t, err)
		want, err := httputil.AppendResponseHead(nil, httputil.HTTP11, 200, h)
		require.NoError(t, err)
		require.Equal(t, string(want[:len(want)-2]), string(b))
		require.False(t, f.hasTE || f.hasDate)
		if hc.misses > 0 && hc.headers.SameAs(h) {
			kept++
		}
		return hc.misses == 0
	}
	hits := 0
	for i := range 10 * keepEvery {
		if hit(sets[(i*7)%len(sets)]) {
			hits++
		}
	}
	assert.Less(t, hits, 2*10, "heads that keep changing rarely hit")
	assert.Less(t, kept, 10*keepEvery/6, "and are mostly not kept")
	settled := -1
	for i := range keepEvery + 2 {
		if hit(sets[0]) {
			settled = i
			break
		}
	}
	assert.GreaterOrEqual(t, settled, 0, "a settled head is kept again, and then hits")
	assert.LessOrEqual(t, settled, keepEvery)
}

// The head cache's paths, for a response with web's default fields: a
// hit (the same set again) costs a comparison; a miss (a set that differs
// in one value, as alternating routes or a varying ETag make) costs the
// comparison, the head written as without the cache, and, for the first
// missesKept in a row, the copies kept for the next response.
func benchHeadCache(b *testing.B, vary bool) {
	sets := headSets(keepEvery)
	var hc headCache
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := sets[0]
		if vary {
			h = sets[(i*7)%len(sets)]
		}
		var err error
		if buf, _, err = hc.appendHead(buf[:0], 200, "", h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHeadCacheHit(b *testing.B) { benchHeadCache(b, false) }

// BenchmarkHeadCacheMiss: every head differs from the last (64 heads in
// turn); after the first misses, most are not kept.
func BenchmarkHeadCacheMiss(b *testing.B) { benchHeadCache(b, true) }

// BenchmarkHeadCacheMissKept: every head differs from the last and is
// kept (the cost of the first missesKept misses in a row).
func BenchmarkHeadCacheMissKept(b *testing.B) {
	sets := headSets(2)
	var hc headCache
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		hc.misses = 0
		var err error
		if buf, _, err = hc.appendHead(buf[:0], 200, "", sets[i&1]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeadNoCache is what WriteHeaders did for each response before
// the cache: the framing look-ups and the head written field by field.
func BenchmarkHeadNoCache(b *testing.B) {
	h := headSets(1)[0]
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if cl := h.Peek("Content-Length"); cl != nil {
			if _, ok := parseDigits(cl); !ok {
				b.Fatal("Content-Length")
			}
		}
		if h.Has("Transfer-Encoding") || h.Has("Date") {
			b.Fatal("fields")
		}
		buf, _ = httputil.AppendResponseHead(buf[:0], httputil.HTTP11, 200, h)
	}
}
