// curl against final's server: the command-line client people try a
// server with first, in the ways they use it.

package peers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// curlRun runs curl with a time limit and -v, and returns what it wrote on
// stdout and its verbose trace (stderr).
func curlRun(t *testing.T, args ...string) (stdout, trace string) {
	t.Helper()
	return run(t, curl(t), append([]string{"-sS", "-v", "--max-time", "20"}, args...)...)
}

// curlEcho runs curl for one /echo request and decodes final's answer.
func curlEcho(t *testing.T, args ...string) (echoReply, string) {
	t.Helper()
	out, trace := curlRun(t, args...)
	var r echoReply
	require.NoError(t, json.Unmarshal([]byte(out), &r), "curl's output %q; trace:\n%s", out, trace)
	return r, trace
}

// uploadFile writes n bytes of postBody to a file for --data-binary @file.
func uploadFile(t *testing.T, n int) (string, []byte) {
	t.Helper()
	body := postBody(n)
	path := filepath.Join(t.TempDir(), "upload.bin")
	require.NoError(t, os.WriteFile(path, body, 0o600))
	return path, body
}

// curlCase is one curl command against final's /echo.
type curlCase struct {
	name string
	args []string
	// check sees final's answer (which must equal what the server
	// recorded) and curl's trace.
	check func(t *testing.T, r echoReply, trace string)
}

func TestCurl(t *testing.T) {
	curl(t) // skip (or fail in CI) before starting anything
	f := startFinal(t)
	cases := []curlCase{
		{"http1.0", []string{"--http1.0", f.url("/echo?v=1.0")}, func(t *testing.T, r echoReply, trace string) {
			assert.Equal(t, "HTTP/1.0", r.Version)
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, "/echo?v=1.0", r.Target)
			assert.Contains(t, trace, "> GET /echo?v=1.0 HTTP/1.0")
		}},
		{"http1.1", []string{"--http1.1", f.url("/echo?v=1.1")}, func(t *testing.T, r echoReply, trace string) {
			assert.Equal(t, "HTTP/1.1", r.Version)
			assert.Equal(t, "/echo?v=1.1", r.Target)
			assert.Contains(t, strings.ToLower(trace), "< content-type: application/json")
		}},
		{"data", []string{"--data", "a=1&b=%C3%A9", f.url("/echo")}, func(t *testing.T, r echoReply, _ string) {
			assert.Equal(t, "POST", r.Method)
			assert.Equal(t, "application/x-www-form-urlencoded", r.ContentType)
			assert.Equal(t, "length", r.Framing)
			assert.Equal(t, len("a=1&b=%C3%A9"), r.BodyLen)
			assert.Equal(t, sha([]byte("a=1&b=%C3%A9")), r.BodySHA256)
		}},
	}
	// A chunked upload of a file, and one that waits for 100 Continue.
	path, body := uploadFile(t, 200_000)
	cases = append(cases,
		curlCase{"chunked-upload", []string{"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + path, f.url("/echo")},
			func(t *testing.T, r echoReply, trace string) {
				assert.Equal(t, "POST", r.Method)
				assert.Equal(t, "chunked", r.Framing)
				assert.Equal(t, "chunked", r.TransferEncoding)
				assert.Empty(t, r.ContentLength)
				assert.Equal(t, len(body), r.BodyLen)
				assert.Equal(t, sha(body), r.BodySHA256, "the file arrived intact")
			}},
		curlCase{"expect-100-continue", []string{"-H", "Expect: 100-continue", "--expect100-timeout", "15", "--data-binary", "@" + path, f.url("/echo")},
			func(t *testing.T, r echoReply, trace string) {
				assert.Equal(t, "100-continue", r.Expect)
				assert.Contains(t, trace, "< HTTP/1.1 100 Continue", "final answered 100 before curl sent the body")
				assert.Equal(t, sha(body), r.BodySHA256)
			}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(f.requests())
			r, trace := curlEcho(t, c.args...)
			reqs := f.requests()
			require.Len(t, reqs, before+1, "final served one request")
			assert.Equal(t, reqs[before], r, "curl got what the server recorded")
			c.check(t, r, trace)
		})
	}
}

// curl -I sends HEAD: final answers the head of the GET response, with its
// Content-Length and no body, and curl finishes without waiting for one.
func TestCurlHead(t *testing.T) {
	curl(t)
	f := startFinal(t)
	out, _ := curlRun(t, "-I", f.url("/echo?head=1"))
	lines := strings.Split(strings.TrimRight(out, "\r\n"), "\r\n")
	require.NotEmpty(t, lines)
	assert.Equal(t, "HTTP/1.1 200 OK", lines[0])
	fields := map[string]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ": ")
		require.True(t, ok, "header line %q in %q", l, out)
		fields[strings.ToLower(k)] = v
	}
	assert.Equal(t, "application/json", fields["content-type"])
	assert.NotEmpty(t, fields["content-length"], "HEAD tells the GET's length")
	assert.NotEmpty(t, fields["date"])
	reqs := f.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "HEAD", reqs[0].Method)
	body, _ := json.Marshal(reqs[0])
	assert.Equal(t, len(body), atoi(t, fields["content-length"]))
}

// Several URLs on one curl command line go over one kept-alive connection,
// on HTTP/1.1 by default and on HTTP/1.0 when asked for.
func TestCurlKeepAlive(t *testing.T) {
	curl(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"http1.1", nil},
		{"http1.0", []string{"--http1.0", "-H", "Connection: keep-alive"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := startFinal(t)
			args := append(c.args, f.url("/echo?n=0"), f.url("/echo?n=1"), f.url("/echo?n=2"))
			out, trace := curlRun(t, args...)
			replies := jsonLines[echoReply](t, out)
			require.Len(t, replies, 3)
			assert.Equal(t, f.requests(), replies)
			assert.Equal(t, 1, f.connections(), "one connection served all three requests")
			assert.Equal(t, 2, strings.Count(trace, "Re-using existing connection"), "curl's view:\n%s", trace)
		})
	}
}

// Large responses, read at curl's pace: 24 MiB with a Content-Length and
// chunked, one of each read slowly (--limit-rate), so final's server must
// wait for the socket to drain again and again; and a body without
// Content-Length to an HTTP/1.0 client, which ends when the server closes.
func TestCurlLargeAndSlow(t *testing.T) {
	curl(t)
	f := startFinal(t)
	want := bigBody()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"length", []string{f.url("/big")}},
		{"chunked", []string{f.url("/big?chunked=1")}},
		{"length-slow", []string{"--limit-rate", "48M", f.url("/big")}},
		{"chunked-slow", []string{"--limit-rate", "48M", f.url("/big?chunked=1")}},
		{"http1.0-until-close", []string{"--http1.0", f.url("/big?chunked=1")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "body")
			_, trace := curlRun(t, append([]string{"-o", path}, c.args...)...)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, len(want), len(got))
			assert.Equal(t, sha(want), sha(got), "the body arrived intact")
			if c.name == "http1.0-until-close" {
				lower := strings.ToLower(trace)
				assert.NotContains(t, lower, "< transfer-encoding")
				assert.NotContains(t, lower, "< content-length")
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
