package httputil

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQueryArguments(t *testing.T) {
	args := url.Values{}
	require.NoError(t, ParseQueryArguments("a=1&b=&c&a=2&&d=x+y%20z&e=%zz%4&f=%41", args))
	assert.Equal(t, url.Values{
		"a": {"1", "2"}, "b": {""}, "c": {""}, "d": {"x y z"}, "e": {"%zz%4"}, "f": {"A"},
	}, args, "blank values kept, bad escapes kept literally, like parse_qs_bytes")

	many := strings.Repeat("a=1&", 1000)
	require.NoError(t, ParseQueryArguments(many[:len(many)-1], url.Values{}), "1000 fields pass")
	err := ParseQueryArguments(many+"a=1", url.Values{})
	assert.ErrorIs(t, err, ErrTooManyArguments)
	assert.NoError(t, BodyLimits{MaxArguments: 2000}.ParseQueryArguments(many+"a=1", url.Values{}))
}

// multipartBody builds a multipart/form-data body from raw parts.
func multipartBody(boundary string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

func TestParseBodyArgumentsMultipart(t *testing.T) {
	body := multipartBody("1234",
		"Content-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"\r\n\r\nFoo",
		"Content-Disposition: form-data; name=\"files\"; filename=\"c.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG",
		"Content-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\nwith lines",
		"content-disposition: form-data; name=\"field\"\r\n\r\n",
	)
	args, files := url.Values{}, map[string][]HTTPFile{}
	require.NoError(t, ParseBodyArguments("multipart/form-data; boundary=1234", []byte(body), args, files))
	assert.Equal(t, url.Values{"field": {"value\r\nwith lines", ""}}, args)
	require.Len(t, files["files"], 2)
	assert.Equal(t, HTTPFile{Filename: "ab.txt", Body: []byte("Foo"), ContentType: "application/unknown"}, files["files"][0])
	assert.Equal(t, HTTPFile{Filename: "c.png", Body: []byte("\x89PNG"), ContentType: "image/png"}, files["files"][1])

	// A quoted boundary, as Tornado's test_boundary_starts_and_ends_with_quotes.
	args = url.Values{}
	require.NoError(t, ParseBodyArguments(`multipart/form-data; boundary="1234"`,
		[]byte(multipartBody("1234", "Content-Disposition: form-data; name=\"a\"\r\n\r\nb")), args, files))
	assert.Equal(t, "b", args.Get("a"))
}

func TestParseBodyArgumentsURLEncoded(t *testing.T) {
	args := url.Values{"q": {"from-query"}}
	require.NoError(t, ParseBodyArguments("application/x-www-form-urlencoded; charset=UTF-8", []byte("q=2&name=J%C3%B6rg"), args, nil))
	assert.Equal(t, url.Values{"q": {"from-query", "2"}, "name": {"Jörg"}}, args)
	require.NoError(t, ParseBodyArguments("text/plain", []byte("q=3"), args, nil), "other types are ignored")
	assert.Len(t, args["q"], 2)
}

func TestParseBodyArgumentsErrors(t *testing.T) {
	disp := "Content-Disposition: form-data; name=\"a\"\r\n\r\nb"
	cases := []struct {
		// what describes the case.
		what string
		// ctype and body are the input.
		ctype, body string
		// want is the sentinel the error wraps.
		want error
	}{
		{"no boundary", "multipart/form-data", "", ErrBadForm},
		{"empty quoted boundary", `multipart/form-data; boundary=""`, "----\r\n", ErrBadForm},
		{"no final boundary", "multipart/form-data; boundary=1234", "--1234\r\n" + disp + "\r\n", ErrBadForm},
		{"part without headers", "multipart/form-data; boundary=1234", multipartBody("1234", "no headers here"), ErrBadForm},
		{"part without CRLF before the boundary", "multipart/form-data; boundary=1234", "--1234\r\n" + disp + "--1234--", ErrBadForm},
		{"not form-data", "multipart/form-data; boundary=1234", multipartBody("1234", "Content-Disposition: attachment; name=\"a\"\r\n\r\nb"), ErrBadForm},
		{"no name", "multipart/form-data; boundary=1234", multipartBody("1234", "Content-Disposition: form-data; filename=\"a\"\r\n\r\nb"), ErrBadForm},
		{"bad disposition", "multipart/form-data; boundary=1234", multipartBody("1234", "Content-Disposition: form-data; name=\"a\r\n\r\nb"), ErrBadForm},
		{"bad part header", "multipart/form-data; boundary=1234", multipartBody("1234", "Content-Disposition : form-data; name=\"a\"\r\n\r\nb"), ErrBadForm},
		{"101 parts", "multipart/form-data; boundary=1234", multipartBody("1234", repeat(disp, 101)...), ErrTooManyParts},
		{"part headers over 10 KiB", "multipart/form-data; boundary=1234",
			multipartBody("1234", "X-Pad: "+strings.Repeat("p", 10*1024)+"\r\n"+disp), ErrPartHeaderTooLarge},
		{"part header never ends, over 10 KiB", "multipart/form-data; boundary=1234",
			multipartBody("1234", "X-Pad: "+strings.Repeat("p", 20*1024)), ErrPartHeaderTooLarge},
		{"1001 urlencoded fields", "application/x-www-form-urlencoded", strings.Repeat("a=1&", 1001), ErrTooManyArguments},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			err := ParseBodyArguments(c.ctype, []byte(c.body), url.Values{}, map[string][]HTTPFile{})
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			var ie *HTTPInputError
			require.True(t, errors.As(err, &ie))
			assert.Equal(t, 400, ie.Status)
		})
	}
	// Exactly 100 parts pass.
	require.NoError(t, ParseBodyArguments("multipart/form-data; boundary=1234",
		[]byte(multipartBody("1234", repeat(disp, 100)...)), url.Values{}, nil))
}

// repeat returns n copies of s.
func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestURLConcat(t *testing.T) {
	cases := []struct {
		// in is the URL.
		in string
		// pairs are the arguments.
		pairs []string
		// want is the result.
		want string
	}{
		{"https://localhost/path", []string{"y", "y", "z", "z"}, "https://localhost/path?y=y&z=z"},
		{"https://localhost/path?x", []string{"y", "y", "z", "z"}, "https://localhost/path?x=&y=y&z=z"},
		{"https://localhost/path?x&", []string{"y", "y", "z", "z"}, "https://localhost/path?x=&y=y&z=z"},
		{"https://localhost/path?a=1&b=2", []string{"y", "y", "z", "z"}, "https://localhost/path?a=1&b=2&y=y&z=z"},
		{"https://localhost/path?r=1&t=2", []string{"a", "1", "a", "2"}, "https://localhost/path?r=1&t=2&a=1&a=2"},
		{"https://localhost/path?a=%zz&b=c+d#f", []string{"y", "a b~", "z", "é"}, "https://localhost/path?a=%25zz&b=c+d&y=a+b~&z=%C3%A9#f"},
		{"https://localhost/path?r=1&t=2", nil, "https://localhost/path?r=1&t=2"},
		{"/p", []string{"", ""}, "/p?="},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, URLConcat(c.in, c.pairs...), "%s %v", c.in, c.pairs)
	}
	//lint:ignore SA5012 an odd count is what must panic
	assert.Panics(t, func() { URLConcat("/", "odd") })
}

func ExampleParseBodyArguments() {
	args := url.Values{}
	files := map[string][]HTTPFile{}
	body := "--xyz\r\n" +
		"Content-Disposition: form-data; name=\"title\"\r\n\r\n" +
		"Holiday\r\n" +
		"--xyz\r\n" +
		"Content-Disposition: form-data; name=\"photo\"; filename=\"beach.jpg\"\r\n" +
		"Content-Type: image/jpeg\r\n\r\n" +
		"JPEG...\r\n" +
		"--xyz--\r\n"
	err := ParseBodyArguments("multipart/form-data; boundary=xyz", []byte(body), args, files)
	fmt.Println(err, args.Get("title"), files["photo"][0].Filename, files["photo"][0].ContentType, string(files["photo"][0].Body))
	// Output: <nil> Holiday beach.jpg image/jpeg JPEG...
}

func ExampleURLConcat() {
	fmt.Println(URLConcat("http://example.com/search?q=go", "page", "2", "sort", "new first"))
	// Output: http://example.com/search?q=go&page=2&sort=new+first
}
