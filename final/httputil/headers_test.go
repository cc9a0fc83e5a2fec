package httputil

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPHeadersMultiValuedCaseInsensitive(t *testing.T) {
	h := NewHTTPHeaders("content-type", "text/html", "Set-Cookie", "A=b", "SET-COOKIE", "C=d")
	assert.Equal(t, "text/html", h.Get("Content-Type"))
	assert.Equal(t, "text/html", h.Get("CONTENT-TYPE"))
	assert.Equal(t, "A=b,C=d", h.Get("set-cookie"), "multi-valued fields join with a comma, like Tornado")
	assert.Equal(t, []string{"A=b", "C=d"}, h.GetList("Set-Cookie"))
	assert.Nil(t, h.GetList("X-Missing"))
	assert.Equal(t, "", h.Get("X-Missing"))
	assert.False(t, h.Has("X-Missing"))
	assert.True(t, h.Has("set-cookie"))
	assert.Equal(t, []byte("text/html"), h.Peek("content-type"))
	assert.Nil(t, h.Peek("x"))

	var names []string
	for n, v := range h.All() {
		names = append(names, n+"="+v)
	}
	assert.Equal(t, []string{"Content-Type=text/html", "Set-Cookie=A=b", "Set-Cookie=C=d"}, names,
		"iteration keeps insertion order and normalises names")
	var vals []string
	for v := range h.Values("SET-cookie") {
		vals = append(vals, string(v))
	}
	assert.Equal(t, []string{"A=b", "C=d"}, vals)
}

func TestHTTPHeadersSetDelCopy(t *testing.T) {
	h := NewHTTPHeaders("A", "1", "B", "2", "a", "3", "C", "4")
	h.Set("a", "9")
	assert.Equal(t, "A: 9\r\nB: 2\r\nC: 4\r\n", h.String(), "Set replaces all values in place of the first")
	h.Set("D", "5")
	assert.Equal(t, "5", h.Get("d"))
	h.Del("b")
	assert.Equal(t, "A: 9\r\nC: 4\r\nD: 5\r\n", h.String())
	c := h.Copy()
	h.Set("A", "changed")
	h.Reset()
	assert.Equal(t, 0, h.Len())
	assert.Equal(t, "A: 9\r\nC: 4\r\nD: 5\r\n", c.String(), "a copy is independent")
	n, v := c.At(1)
	assert.Equal(t, "C", string(n))
	assert.Equal(t, "4", string(v))
}

func TestHTTPHeadersNormalisesNames(t *testing.T) {
	h := &HTTPHeaders{}
	h.Add("x-forwarded-FOR", "a")
	h.AddBytes([]byte("WWW-AUTHENTICATE"), []byte("b"))
	n0, _ := h.At(0)
	n1, _ := h.At(1)
	assert.Equal(t, "X-Forwarded-For", string(n0))
	assert.Equal(t, "Www-Authenticate", string(n1), "Tornado's _normalize_header capitalises each word")
}

func TestHTTPHeadersReuseDoesNotAllocate(t *testing.T) {
	h := &HTTPHeaders{}
	name, value := []byte("Accept-Encoding"), []byte("gzip, deflate, br")
	fill := func() {
		h.Reset()
		for i := 0; i < 20; i++ {
			h.AddBytes(name, value)
		}
		_ = h.Peek("accept-encoding")
		_ = h.Has("x")
	}
	fill()
	assert.Zero(t, testing.AllocsPerRun(100, fill))
}

func TestParseHeaders(t *testing.T) {
	h, err := ParseHeaders("Content-Type: text/html\r\nX: 1\r\nx:  2 \r\n\r\n")
	require.NoError(t, err)
	assert.Equal(t, "1,2", h.Get("X"))
	assert.Equal(t, "text/html", h.Get("content-type"))

	h, err = ParseHeaders("A: b\nC: d")
	require.NoError(t, err, "stored text may use LF")
	assert.Equal(t, "d", h.Get("c"))

	for _, bad := range []string{"A : b", "A: b\x00", " A: b", "A", "A: b\r\n\r\nC: d", "(: x"} {
		_, err := ParseHeaders(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestValidValueMatchesTable(t *testing.T) {
	// Every byte value at every position of a 19-byte value, so both the
	// word loop and the tail see it.
	base := []byte("abcdefghij klmnopqr")
	for pos := range base {
		for c := 0; c < 256; c++ {
			v := append([]byte(nil), base...)
			v[pos] = byte(c)
			want := classes[byte(c)]&classValue != 0
			require.Equal(t, want, validValue(v), "byte %#x at %d", c, pos)
		}
	}
}

// headersModel is the obvious implementation HTTPHeaders is checked against.
type headersModel struct {
	// names and values are the fields in order, names normalised.
	names, values []string
}

// normal is Tornado's _normalize_header.
func normal(name string) string {
	parts := strings.Split(name, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		}
	}
	return strings.Join(parts, "-")
}

func TestHTTPHeadersAgainstModel(t *testing.T) {
	// "Etag", "Date" and the 68-byte name share a bit of HTTPHeaders.lens
	// (length mod 64), so lookups must still compare the names.
	long := strings.Repeat("q", 64) + "-abc"
	names := []string{"a", "A", "x-y", "X-Y", "Content-Type", "content-type", "b", "Etag", "date", long}
	spare := &HTTPHeaders{}
	for seed := uint64(0); seed < 50; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		h := &HTTPHeaders{}
		var m headersModel
		for step := 0; step < 60; step++ {
			name := names[rng.IntN(len(names))]
			value := fmt.Sprint(rng.IntN(100))
			switch rng.IntN(8) {
			case 0, 1:
				h.Add(name, value)
				m.names, m.values = append(m.names, normal(name)), append(m.values, value)
			case 2:
				h.Set(name, value)
				first := -1
				var ns, vs []string
				for i, n := range m.names {
					if n == normal(name) {
						if first < 0 {
							first = len(ns)
							ns, vs = append(ns, n), append(vs, value)
						}
						continue
					}
					ns, vs = append(ns, n), append(vs, m.values[i])
				}
				if first < 0 {
					ns, vs = append(ns, normal(name)), append(vs, value)
				}
				m.names, m.values = ns, vs
			case 3:
				h.Del(name)
				var ns, vs []string
				for i, n := range m.names {
					if n != normal(name) {
						ns, vs = append(ns, n), append(vs, m.values[i])
					}
				}
				m.names, m.values = ns, vs
			case 4:
				h.AddBytes([]byte(name), []byte(value))
				m.names, m.values = append(m.names, normal(name)), append(m.values, value)
			case 5:
				h = h.Copy()
			case 6:
				spare.CopyFrom(h)
				h, spare = spare, h
			case 7:
				if rng.IntN(4) == 0 {
					h.Reset()
					m.names, m.values = nil, nil
				}
			}
			var want []string
			for i, n := range m.names {
				if n == normal(name) {
					want = append(want, m.values[i])
				}
			}
			require.Equal(t, want, h.GetList(name), "seed %d step %d", seed, step)
			require.Equal(t, strings.Join(want, ","), h.Get(name))
			require.Equal(t, len(m.names), h.Len())
			for _, n := range names {
				require.Equal(t, slices.Contains(m.names, normal(n)), h.Has(n), "Has(%q), seed %d step %d", n, seed, step)
			}
			for i := range m.names {
				n, v := h.At(i)
				require.Equal(t, m.names[i]+": "+m.values[i], string(n)+": "+string(v))
			}
		}
	}
}

func TestSameAsComparesStorage(t *testing.T) {
	a := NewHTTPHeaders("Server", "gornado", "Content-Type", "text/plain")
	var b HTTPHeaders
	b.CopyFrom(a)
	assert.True(t, b.SameAs(a), "a copy")
	b.Set("Content-Type", "text/plain")
	assert.False(t, b.SameAs(a), "the same fields, stored differently (Set leaves the old value behind)")
	a.Set("Content-Type", "text/plain")
	assert.True(t, b.SameAs(a), "built by the same calls")
	b.Set("Content-Type", "text/plaim")
	a.Set("Content-Type", "text/plain")
	assert.False(t, b.SameAs(a), "one byte of a value")
	var e1, e2 HTTPHeaders
	assert.True(t, e1.SameAs(&e2), "empty")
	e1.Add("X-A", "1")
	e2.Add("x-a", "1")
	assert.True(t, e1.SameAs(&e2), "names are stored in normal form")
	e2.Reset()
	e2.Add("X-B", "1")
	assert.False(t, e1.SameAs(&e2), "one byte of a name")
}
