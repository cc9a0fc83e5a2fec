// Tests of cookies, signed cookies, XSRF, authentication, templates,
// static files, streaming bodies, closed connections and net/http interop.

package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
)

const secret = "0123456789abcdef0123456789abcdef"

type cookieHandler struct{ RequestHandler }

func (h *cookieHandler) Get(args ...string) error {
	switch args[0] {
	case "set":
		h.SetCookie("plain", "v1", CookieOptions{HTTPOnly: true})
		return h.SetSignedCookie("user", []byte("alice"), 0, CookieOptions{})
	case "get":
		v, ok := h.GetSignedCookie("user", 0)
		return h.WriteString(fmt.Sprintf("%s|%v|%s", v, ok, h.GetCookie("plain", "none")))
	case "clear":
		return h.ClearCookie("plain", CookieOptions{})
	case "bad":
		return h.SetCookie("x", "a;b", CookieOptions{})
	}
	return nil
}

func TestCookiesAndSignedCookies(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL(`/c/(\w+)`, &cookieHandler{})}, Settings{CookieSecret: secret}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/c/set", "")
	var plain, signed *http.Cookie
	for _, ck := range resp.Cookies() {
		switch ck.Name {
		case "plain":
			plain = ck
		case "user":
			signed = ck
		}
	}
	require.NotNil(t, plain)
	require.NotNil(t, signed)
	assert.True(t, plain.HttpOnly)
	assert.True(t, strings.HasPrefix(signed.Value, "2|1:0|10:"), signed.Value)
	assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), signed.Expires, time.Minute)

	_, body := do(t, c, "GET", base+"/c/get", "", "Cookie", "plain=v1; user="+signed.Value)
	assert.Equal(t, "alice|true|v1", body)
	forged := strings.Replace(signed.Value, "YWxpY2U=", "bWFsbG9yeQ==", 1)
	_, body = do(t, c, "GET", base+"/c/get", "", "Cookie", "user="+forged)
	assert.Equal(t, "|false|none", body, "a changed value fails the signature")

	resp, _ = do(t, c, "GET", base+"/c/clear", "")
	assert.Contains(t, resp.Header.Get("Set-Cookie"), "Expires=Fri, 02 Jan 1970")
	resp, _ = do(t, c, "GET", base+"/c/bad", "")
	assert.Equal(t, 500, resp.StatusCode)
}

func TestSignedValueFormat(t *testing.T) {
	now := time.Unix(1300000000, 0)
	v, err := CreateSignedValue(secret, "key", []byte("value"), now)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(v, "2|1:0|10:1300000000|3:key|8:dmFsdWU=|"), v)
	got, err := DecodeSignedValue(secret, "key", v, 0, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "value", string(got))
	_, err = DecodeSignedValue(secret, "other", v, 0, now)
	assert.ErrorIs(t, err, ErrBadSignedValue, "signed for another name")
	_, err = DecodeSignedValue(secret, "key", v, 0, now.Add(32*24*time.Hour))
	assert.ErrorIs(t, err, ErrBadSignedValue, "expired after 31 days")
	_, err = DecodeSignedValue(secret, "key", v, 40*24*time.Hour, now.Add(32*24*time.Hour))
	assert.NoError(t, err, "a longer max age")
	_, err = DecodeSignedValue("another secret", "key", v, 0, now)
	assert.ErrorIs(t, err, ErrBadSignedValue)
	for _, bad := range []string{"", "2|", "2|1:0|", "1|x", v[:len(v)-1], "2|9:0|10:1300000000|3:key|8:dmFsdWU=|00"} {
		_, err = DecodeSignedValue(secret, "key", bad, 0, now)
		assert.ErrorIs(t, err, ErrBadSignedValue, bad)
	}
	_, err = CreateSignedValue("", "key", nil, now)
	assert.ErrorIs(t, err, ErrNoCookieSecret)
}

type formHandler struct{ RequestHandler }

func (h *formHandler) Get(...string) error { return h.WriteString(h.XSRFFormHTML()) }

func (h *formHandler) Post(...string) error { return h.WriteString("posted") }

func TestXSRF(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &formHandler{})}, Settings{XSRFCookies: true}))
	c := client(t)
	resp, page := do(t, c, "GET", base+"/", "")
	var cookie string
	for _, ck := range resp.Cookies() {
		if ck.Name == "_xsrf" {
			cookie = ck.Value
		}
	}
	require.NotEmpty(t, cookie)
	i := strings.Index(page, `value="`)
	require.GreaterOrEqual(t, i, 0)
	token := page[i+7 : strings.Index(page[i+7:], `"`)+i+7]
	_, page2 := do(t, c, "GET", base+"/", "", "Cookie", "_xsrf="+cookie)
	assert.NotContains(t, page2, token, "each page carries different bytes")

	resp, _ = do(t, c, "POST", base+"/", "a=1", "Cookie", "_xsrf="+cookie)
	assert.Equal(t, 403, resp.StatusCode, "no token")
	resp, body := do(t, c, "POST", base+"/", "_xsrf="+token, "Cookie", "_xsrf="+cookie)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "posted", body)
	resp, _ = do(t, c, "POST", base+"/", "a=1", "Cookie", "_xsrf="+cookie, "X-Xsrftoken", token)
	assert.Equal(t, 200, resp.StatusCode, "the header works too")
	other := maskToken([]byte("0123456789abcdef"), time.Now())
	resp, _ = do(t, c, "POST", base+"/", "_xsrf="+other, "Cookie", "_xsrf="+cookie)
	assert.Equal(t, 403, resp.StatusCode, "another secret")
	resp, _ = do(t, c, "POST", base+"/", "_xsrf="+token)
	assert.Equal(t, 403, resp.StatusCode, "no cookie")
}

type userHandler struct{ RequestHandler }

func (h *userHandler) GetCurrentUser() (any, error) {
	if u, ok := h.GetSignedCookie("user", 0); ok {
		return string(u), nil
	}
	return nil, nil
}

func (h *userHandler) Get(...string) error {
	return h.Authenticated(func() error { return h.WriteString("hi " + h.CurrentUser().(string)) })
}

func (h *userHandler) Post(...string) error { return h.Get() }

func TestAuthenticated(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/admin", &userHandler{})}, Settings{CookieSecret: secret, LoginURL: "/login"}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/admin?x=1", "")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "/login?next=%2Fadmin%3Fx%3D1", resp.Header.Get("Location"))
	resp, _ = do(t, c, "POST", base+"/admin", "a=1")
	assert.Equal(t, 403, resp.StatusCode)
	v, err := CreateSignedValue(secret, "user", []byte("bob"), time.Now())
	require.NoError(t, err)
	_, body := do(t, c, "GET", base+"/admin", "", "Cookie", "user="+v)
	assert.Equal(t, "hi bob", body)
}

type pageHandler struct{ RequestHandler }

func (h *pageHandler) Get(...string) error {
	return h.Render("page.html", map[string]any{"Name": "<script>x</script>"})
}

func TestRenderAndStaticURL(t *testing.T) {
	fsys := fstest.MapFS{
		"base.html": {Data: []byte(`{{define "base.html"}}<title>{{.Name}}</title>{{end}}`)},
		"page.html": {Data: []byte(`{{template "base.html" .}}<a href="{{static_url "app.js"}}">{{.Name}}</a>{{xsrf_form_html}}`)},
	}
	static := fstest.MapFS{"app.js": {Data: []byte("alert(1)"), ModTime: time.Now()}}
	base := serve(t, NewApplication([]*URLSpec{URL("/", &pageHandler{})}, Settings{TemplateFS: fsys, StaticFS: static}))
	_, body := do(t, client(t), "GET", base+"/", "")
	assert.Contains(t, body, "<title>&lt;script&gt;x&lt;/script&gt;</title>", "autoescaped")
	assert.Contains(t, body, `href="/static/app.js?v=`)
	assert.Contains(t, body, `name="_xsrf"`)
}

// staticRoot makes a root with files, a directory, and symbolic links
// inside and outside it.
func staticRoot(t *testing.T) (root string) {
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "hello.txt"), []byte("0123456789"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "sub", "index.html"), []byte("<p>index</p>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "big.bin"), []byte(strings.Repeat("x", 200_000)), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(root, "escape.txt")))
	require.NoError(t, os.Symlink(filepath.Join(root, "hello.txt"), filepath.Join(root, "inside.txt")))
	require.NoError(t, os.Symlink(dir, filepath.Join(root, "updir")))
	return root
}

func TestStaticFiles(t *testing.T) {
	root := staticRoot(t)
	app := NewApplication([]*URLSpec{URL(`/files/(.*)`, &StaticFileHandler{Path: root, DefaultFilename: "index.html"})}, Settings{StaticPath: root})
	base := serve(t, app)
	c := client(t)

	resp, body := do(t, c, "GET", base+"/static/hello.txt", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "0123456789", body)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	etag := resp.Header.Get("Etag")
	lastMod := resp.Header.Get("Last-Modified")
	assert.Equal(t, `"781e5e245d69b566979b86e28d23f2c7"`, etag, "the MD5 of the content")
	assert.Empty(t, resp.Header.Get("Cache-Control"))

	resp, body = do(t, c, "GET", base+"/static/hello.txt", "", "If-None-Match", etag)
	assert.Equal(t, 304, resp.StatusCode)
	assert.Empty(t, body)
	resp, _ = do(t, c, "GET", base+"/static/hello.txt", "", "If-Modified-Since", lastMod)
	assert.Equal(t, 304, resp.StatusCode)
	resp, _ = do(t, c, "GET", base+"/static/hello.txt", "", "If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")
	assert.Equal(t, 200, resp.StatusCode)

	url := app.StaticURL("hello.txt")
	assert.Equal(t, "/static/hello.txt?v=781e5e245d69b566979b86e28d23f2c7", url)
	resp, _ = do(t, c, "GET", base+url, "")
	assert.Equal(t, "max-age=315360000", resp.Header.Get("Cache-Control"), "versioned: cached ten years")

	for _, tc := range []struct{ rng, body, cr string }{
		{"bytes=2-4", "234", "bytes 2-4/10"},
		{"bytes=7-", "789", "bytes 7-9/10"},
		{"bytes=-2", "89", "bytes 8-9/10"},
		{"bytes=5-100", "56789", "bytes 5-9/10"},
	} {
		resp, body = do(t, c, "GET", base+"/static/hello.txt", "", "Range", tc.rng)
		assert.Equal(t, 206, resp.StatusCode, tc.rng)
		assert.Equal(t, tc.body, body, tc.rng)
		assert.Equal(t, tc.cr, resp.Header.Get("Content-Range"), tc.rng)
	}
	resp, _ = do(t, c, "GET", base+"/static/hello.txt", "", "Range", "bytes=10-")
	assert.Equal(t, 416, resp.StatusCode)
	assert.Equal(t, "bytes */10", resp.Header.Get("Content-Range"))
	resp, body = do(t, c, "GET", base+"/static/hello.txt", "", "Range", "bytes=0-1,4-5")
	assert.Equal(t, 200, resp.StatusCode, "several ranges: the whole file")
	assert.Equal(t, "0123456789", body)
	resp, body = do(t, c, "HEAD", base+"/static/hello.txt", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, body)
	assert.Equal(t, int64(10), resp.ContentLength)

	resp, body = do(t, c, "GET", base+"/static/big.bin", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, body, 200_000, "a large file goes out in chunks")

	resp, _ = do(t, c, "GET", base+"/static/inside.txt", "")
	assert.Equal(t, 200, resp.StatusCode, "a link inside the root")
	for _, p := range []string{"escape.txt", "updir/secret.txt", "..%2fsecret.txt", "sub/..%2f..%2fsecret.txt"} {
		resp, body = do(t, c, "GET", base+"/static/"+p, "")
		assert.Equal(t, 403, resp.StatusCode, p)
		assert.NotContains(t, body, "secret", p)
	}
	resp, _ = do(t, c, "GET", base+"/static/missing.txt", "")
	assert.Equal(t, 404, resp.StatusCode)
	resp, _ = do(t, c, "GET", base+"/static/sub", "")
	assert.Equal(t, 403, resp.StatusCode, "a directory without DefaultFilename")
	resp, _ = do(t, c, "GET", base+"/files/sub", "")
	assert.Equal(t, 301, resp.StatusCode)
	assert.Equal(t, "/files/sub/", resp.Header.Get("Location"))
	_, body = do(t, c, "GET", base+"/files/sub/", "")
	assert.Equal(t, "<p>index</p>", body)
}

func TestStaticTraversalOnTheWire(t *testing.T) {
	root := staticRoot(t)
	base := serve(t, NewApplication(nil, Settings{StaticPath: root}))
	// A raw request, since clients clean ".." themselves.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "GET /static/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 403, resp.StatusCode)
	assert.NotContains(t, string(body), "secret")
}

// upload streams the body, counting it (Tornado's @stream_request_body).
type upload struct {
	RequestHandler
	n int
}

func (h *upload) Prepare() error { h.n = 0; return nil }

func (h *upload) DataReceived(chunk []byte) error {
	h.n += len(chunk)
	return nil
}

func (h *upload) Put(...string) error {
	return h.WriteString(fmt.Sprintf("%d bytes, body kept: %d", h.n, len(h.Request.Body)))
}

func TestStreamingBody(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/up", &upload{})}, Settings{}))
	_, body := do(t, client(t), "PUT", base+"/up", strings.Repeat("z", 1<<20))
	assert.Equal(t, "1048576 bytes, body kept: 0", body)
}

// waiter waits until its client goes away.
type waiter struct {
	RequestHandler
	// Started is told when Get runs; Closed of OnConnectionClose.
	Started chan struct{}
	Closed  chan struct{}
	wait    *concurrent.Future[struct{}]
}

func (h *waiter) Get(...string) error {
	h.Started <- struct{}{}
	h.wait = concurrent.NewFuture[struct{}]()
	return h.Go(func(c *gen.Co) error {
		_, err := gen.Await(c, h.wait)
		return err
	})
}

func (h *waiter) OnConnectionClose() {
	h.wait.Cancel()
	h.Closed <- struct{}{}
}

func TestOnConnectionClose(t *testing.T) {
	closed, started := make(chan struct{}, 1), make(chan struct{}, 1)
	base := serve(t, NewApplication([]*URLSpec{URL("/wait", &waiter{Closed: closed, Started: started}), URL("/", &helloHandler{})}, Settings{}))
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	fmt.Fprintf(conn, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	// The loop serves others while the request waits.
	_, body := do(t, client(t), "GET", base+"/", "")
	require.Equal(t, "Hello, world", body)
	conn.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnConnectionClose did not run")
	}
	_, body = do(t, client(t), "GET", base+"/", "")
	assert.Equal(t, "Hello, world", body, "the loop serves on")
}

func TestApplicationUnderNetHTTP(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL("/", &helloHandler{}),
		URL(`/args/(\w+)/(\d+)`, &argsHandler{}),
		URL("/co", &coHandler{}),
		URL(`/err/(\w+)`, &errorsHandler{}),
		URL("/json", &jsonHandler{}),
	}, Settings{Logger: quiet})
	defer app.Close()
	srv := httptest.NewServer(app)
	defer srv.Close()
	c := client(t)
	resp, body := do(t, c, "GET", srv.URL+"/", "")
	assert.Equal(t, "Hello, world", body)
	assert.NotEmpty(t, resp.Header.Get("Etag"))
	_, body = do(t, c, "GET", srv.URL+"/args/x/1", "")
	assert.Equal(t, "x,1", body)
	_, body = do(t, c, "GET", srv.URL+"/co", "")
	assert.Equal(t, "before after", body, "coroutines run on the application's loop")
	resp, _ = do(t, c, "GET", srv.URL+"/err/panic", "")
	assert.Equal(t, 500, resp.StatusCode)
	_, body = do(t, c, "GET", srv.URL+"/json", "")
	assert.Equal(t, `{"message":"Hello"}`, body)
	resp, _ = do(t, c, "GET", srv.URL+"/missing", "")
	assert.Equal(t, 404, resp.StatusCode)
}

func TestFallbackHandlerMountsNetHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/legacy/hello", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "net/http says hi to %s %s", r.Method, b)
	})
	app := NewApplication([]*URLSpec{
		URL("/", &helloHandler{}),
		URL("/legacy/.*", &FallbackHandler{Fallback: mux}),
	}, Settings{})
	base := serve(t, app)
	c := client(t)
	_, body := do(t, c, "POST", base+"/legacy/hello", "x=1")
	assert.Equal(t, "net/http says hi to POST x=1", body)
	_, body = do(t, c, "GET", base+"/", "")
	assert.Equal(t, "Hello, world", body, "the connection goes on after the fallback")
	resp, _ := do(t, c, "GET", base+"/legacy/other", "")
	assert.Equal(t, 404, resp.StatusCode, "the mux's own 404")

	defer app.Close()
	srv := httptest.NewServer(app)
	defer srv.Close()
	_, body = do(t, c, "GET", srv.URL+"/legacy/hello", "")
	assert.Equal(t, "net/http says hi to GET ", body, "under net/http too")
}

func TestOnConnectionCloseUnderNetHTTP(t *testing.T) {
	closed, started := make(chan struct{}, 1), make(chan struct{}, 1)
	app := NewApplication([]*URLSpec{URL("/wait", &waiter{Closed: closed, Started: started}), URL("/", &helloHandler{})}, Settings{Logger: quiet})
	defer app.Close()
	srv := httptest.NewServer(app)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/wait", nil)
	errc := make(chan error, 1)
	go func() {
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	<-started
	cancel()
	require.Error(t, <-errc)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnConnectionClose did not run")
	}
}
