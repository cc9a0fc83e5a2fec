package httputil

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Cases from Tornado's httputil_test.py ParseCookieTest, which took some
// from Python's test_http_cookies.py.
func TestParseCookieLikeTornado(t *testing.T) {
	cases := []struct {
		// header is the Cookie value.
		header string
		// want is the parse.
		want map[string]string
	}{
		{"chips=ahoy; vienna=finger", map[string]string{"chips": "ahoy", "vienna": "finger"}},
		{`keebler="E=mc2; L=\"Loves\"; fudge=\012;"`, map[string]string{"keebler": `"E=mc2`, "L": `\"Loves\"`, "fudge": `\012`, "": `"`}},
		{"keebler=E=mc2", map[string]string{"keebler": "E=mc2"}},
		{"key:term=value:term", map[string]string{"key:term": "value:term"}},
		{"a=b; c=[; d=r; f=h", map[string]string{"a": "b", "c": "[", "d": "r", "f": "h"}},
		{"a=b; Domain=example.com", map[string]string{"a": "b", "Domain": "example.com"}},
		{"a=b; h=i; a=c", map[string]string{"a": "c", "h": "i"}},
		{"abc=def; unnamed; django_language=en", map[string]string{"abc": "def", "": "unnamed", "django_language": "en"}},
		{`a=b; "; c=d`, map[string]string{"a": "b", "": `"`, "c": "d"}},
		{"a b c=d e = f; gh=i", map[string]string{"a b c": "d e = f", "gh": "i"}},
		{`a   b,c<>@:/[]?{}=d  "  =e,f g`, map[string]string{"a   b,c<>@:/[]?{}": `d  "  =e,f g`}},
		{"saint=André Bessette", map[string]string{"saint": "André Bessette"}},
		{"  =  b  ;  ;  =  ;   c  =  ;  ", map[string]string{"": "b", "c": ""}},
		{"", map[string]string{}},
		// Quoted values are unquoted with Python's escapes.
		{`a="x\"y\\z"`, map[string]string{"a": `x"y\z`}},
		{`a="\012\101\7"`, map[string]string{"a": "\nA7"}},
		{`a="\377"`, map[string]string{"a": "\xff"}},
		{"a=\"x\\\ny\"", map[string]string{"a": "x\\\ny"}},
		{"a=\xa0b\xa0; c\x85=d", map[string]string{"a": "b", "c": "d"}},
		{`a="\400"`, map[string]string{"a": "400"}},
		{`a="x\"`, map[string]string{"a": `x\`}},
		{`a="lone\`, map[string]string{"a": `"lone\`}},
		{`a=""`, map[string]string{"a": ""}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, ParseCookie(c.header), "%q", c.header)
	}
}

func TestUnquoteCookieEdges(t *testing.T) {
	assert.Equal(t, `a\`, unquoteCookie(`"a\"`), "a backslash left alone before the closing quote stays")
	assert.Equal(t, "é", unquoteCookie(`"\é"`), "an escaped multi-byte character comes through whole")
	assert.Equal(t, "\\\n", unquoteCookie("\"\\\n\""), "a backslash before a newline is no escape")
}

// adversarialCookie is the shape of CVE-2024-52804's input: a quoted value
// full of escape starts, which made Tornado's unquoting quadratic.
func adversarialCookie(n int) string {
	return `a="` + strings.Repeat(`\`, n) + `"; ` + strings.Repeat(`b=c;`, n/4)
}

func TestParseCookieAdversarialStaysLinear(t *testing.T) {
	h := adversarialCookie(1 << 20)
	got := ParseCookie(h)
	assert.Len(t, got["a"], 1<<19, "each pair of backslashes is one escaped backslash")
	assert.Equal(t, "c", got["b"])
	// A quadratic implementation allocates or copies per escape; this one
	// builds each value once: the map, its growth and one builder.
	small := testing.AllocsPerRun(5, func() { ParseCookie(adversarialCookie(1 << 10)) })
	large := testing.AllocsPerRun(5, func() { ParseCookie(adversarialCookie(1 << 16)) })
	assert.Equal(t, small, large, "allocations do not grow with the input")
	assert.LessOrEqual(t, large, 4.0)
}

func BenchmarkParseCookieAdversarial1MiB(b *testing.B) {
	h := adversarialCookie(1 << 20)
	b.SetBytes(int64(len(h)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseCookie(h)
	}
}

func BenchmarkParseCookieTypical(b *testing.B) {
	h := "session=0123456789abcdef; theme=dark; _ga=GA1.2.3.4; csrftoken=\"abc\\\"def\""
	m := map[string]string{}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseCookieInto(h, m)
	}
}
