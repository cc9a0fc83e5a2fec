// The hooks a handler overrides (Hooks): for each, a handler that defines
// it gets its own, and one that does not gets Tornado's default.

package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/http1connection"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/websocket"
)

// recv waits for a value the server side sends, failing after 10 s.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	return testutil.Recv(t, ch, "a value from the server")
}

// plain overrides nothing: every hook is RequestHandler's.
type plain struct{ RequestHandler }

func (h *plain) Get(...string) error  { return h.WriteString("plain") }
func (h *plain) Post(...string) error { return h.WriteString("posted") }

// secured sets security and CORS headers on every response, error pages
// included.
type secured struct{ RequestHandler }

func (h *secured) SetDefaultHeaders() {
	h.SetHeader("Access-Control-Allow-Origin", "*")
	h.SetHeader("X-Frame-Options", "DENY")
}

func (h *secured) Get(args ...string) error {
	switch h.GetArgumentDefault("do", "") {
	case "404":
		return &HTTPError{Code: 404}
	case "panic":
		panic("boom")
	case "clear":
		h.SetHeader("X-Mine", "1")
		h.Clear()
	}
	return h.WriteString("ok")
}

func TestSetDefaultHeadersHook(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/s", &secured{}),
		URL("/p", &plain{}),
	}, Settings{}))
	c := client(t)
	for _, q := range []string{"", "?do=404", "?do=panic", "?do=clear"} {
		resp, _ := do(t, c, "GET", base+"/s"+q, "")
		assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), "GET /s%s (%d)", q, resp.StatusCode)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), q)
		assert.Empty(t, resp.Header.Get("X-Mine"), "Clear drops the handler's own headers")
	}
	resp, _ := do(t, c, "DELETE", base+"/s", "")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), "on a 405 answered from the head too")
	resp, _ = do(t, c, "GET", base+"/p", "")
	assert.Empty(t, resp.Header.Get("X-Frame-Options"), "the default sets nothing")
	assert.Equal(t, "gornado", resp.Header.Get("Server"))
}

// api is authenticated by other means than cookies: it opts out of XSRF.
type api struct{ RequestHandler }

func (h *api) CheckXSRFCookie() error { return nil }
func (h *api) Post(...string) error   { return h.WriteString("api") }

// strict checks XSRF itself, then more.
type strict struct{ RequestHandler }

func (h *strict) CheckXSRFCookie() error {
	if h.Request.Headers.Get("X-Requested-With") == "" {
		return &HTTPError{Code: 403, LogMessage: "no X-Requested-With"}
	}
	return h.RequestHandler.CheckXSRFCookie()
}
func (h *strict) Post(...string) error { return h.WriteString("strict") }

func TestCheckXSRFCookieHook(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/api", &api{}),
		URL("/form", &plain{}),
		URL("/strict", &strict{}),
	}, Settings{XSRFCookies: true}))
	c := client(t)
	resp, body := do(t, c, "POST", base+"/api", "a=1")
	assert.Equal(t, 200, resp.StatusCode, "the handler's CheckXSRFCookie runs")
	assert.Equal(t, "api", body)
	resp, _ = do(t, c, "POST", base+"/form", "a=1")
	assert.Equal(t, 403, resp.StatusCode, "the default checks the token")
	resp, _ = do(t, c, "POST", base+"/strict", "a=1", "X-Requested-With", "x")
	assert.Equal(t, 403, resp.StatusCode, "an override can call the default")
}

// BaseHandler is Tornado's usual base class: the current user from a
// signed cookie, for every page that embeds it.
type BaseHandler struct{ RequestHandler }

func (h *BaseHandler) GetCurrentUser() (any, error) {
	if u, ok := h.GetSignedCookie("user", 0); ok {
		return string(u), nil
	}
	if h.Request.Headers.Get("X-Fail") != "" {
		return nil, errors.New("the user store is down")
	}
	return nil, nil
}

type profile struct{ BaseHandler }

func (h *profile) Get(...string) error {
	if u := h.CurrentUser(); u != nil {
		return h.WriteString("user " + u.(string))
	}
	return h.WriteString("nobody")
}

type anonymous struct{ RequestHandler }

func (h *anonymous) Get(...string) error {
	if h.CurrentUser() == nil {
		return h.WriteString("nobody")
	}
	return h.WriteString("somebody")
}

func TestGetCurrentUserHook(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/me", &profile{}),
		URL("/anon", &anonymous{}),
	}, Settings{CookieSecret: secret}))
	c := client(t)
	v, err := CreateSignedValue(secret, "user", []byte("alice"), time.Now())
	require.NoError(t, err)
	_, body := do(t, c, "GET", base+"/me", "", "Cookie", "user="+v)
	assert.Equal(t, "user alice", body, "a BaseHandler's GetCurrentUser reaches the pages embedding it")
	_, body = do(t, c, "GET", base+"/me", "")
	assert.Equal(t, "nobody", body)
	_, body = do(t, c, "GET", base+"/me", "", "X-Fail", "1")
	assert.Equal(t, "nobody", body, "an error counts as nobody")
	_, body = do(t, c, "GET", base+"/anon", "", "Cookie", "user="+v)
	assert.Equal(t, "nobody", body, "the default knows nobody")
}

// ownLogin sends visitors to a login page of its own.
type ownLogin struct{ RequestHandler }

func (h *ownLogin) GetLoginURL() string { return "/accounts/signin" }
func (h *ownLogin) Get(...string) error {
	return h.Authenticated(func() error { return h.WriteString("in") })
}

type settingLogin struct{ RequestHandler }

func (h *settingLogin) Get(...string) error {
	return h.Authenticated(func() error { return h.WriteString("in") })
}

func TestGetLoginURLHook(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL("/own", &ownLogin{}),
		URL("/setting", &settingLogin{}),
	}, Settings{LoginURL: "/login?from=app"})
	base := serve(t, app)
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/own?x=1", "")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "/accounts/signin?next=%2Fown%3Fx%3D1", resp.Header.Get("Location"), "GetLoginURL overrides the setting")
	resp, _ = do(t, c, "GET", base+"/setting", "")
	assert.Equal(t, "/login?from=app", resp.Header.Get("Location"), "the default is the setting; a URL with a query gets no next")

	bare := serve(t, NewApplication([]*URLSpec{URL("/setting", &settingLogin{})}, Settings{}))
	resp, body := do(t, c, "GET", bare+"/setting", "")
	assert.Equal(t, 500, resp.StatusCode, "no login URL at all is the application's mistake, as Tornado's require_setting")
	assert.NotContains(t, body, "login_url", "the message is for the log, not the visitor")
}

// jsonErrors writes its error pages as JSON.
type jsonErrors struct{ RequestHandler }

func (h *jsonErrors) WriteError(code int, err error) {
	h.Write(map[string]any{"code": code, "error": err.Error()})
}
func (h *jsonErrors) Get(...string) error { return NewHTTPError(409, "already there") }

func TestWriteErrorHook(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/j", &jsonErrors{}),
		URL("/s", &secured{}),
	}, Settings{}))
	c := client(t)
	resp, body := do(t, c, "GET", base+"/j", "")
	assert.Equal(t, 409, resp.StatusCode)
	assert.Equal(t, "application/json; charset=UTF-8", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"code":409,"error":"HTTP 409: Conflict (already there)"}`, body)
	resp, body = do(t, c, "GET", base+"/s?do=404", "")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "<html><title>404: Not Found</title><body>404: Not Found</body></html>", body, "the default page")
}

// tagged serves a constant body under a precomputed tag; untagged asks
// for none.
type tagged struct{ RequestHandler }

func (h *tagged) ComputeETag() []byte { return []byte(`"v1"`) }
func (h *tagged) Get(...string) error { return h.WriteString("constant") }

type untagged struct{ RequestHandler }

func (h *untagged) ComputeETag() []byte { return nil }
func (h *untagged) Get(...string) error { return h.WriteString("fresh") }

func TestComputeETagHook(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/t", &tagged{}),
		URL("/u", &untagged{}),
		URL("/p", &plain{}),
	}, Settings{}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/t", "")
	assert.Equal(t, `"v1"`, resp.Header.Get("Etag"))
	resp, _ = do(t, c, "GET", base+"/t", "", "If-None-Match", `"v1"`)
	assert.Equal(t, 304, resp.StatusCode)
	resp, _ = do(t, c, "GET", base+"/u", "", "If-None-Match", "*")
	assert.Equal(t, 200, resp.StatusCode, "no tag, no 304")
	assert.Empty(t, resp.Header.Get("Etag"))
	resp, _ = do(t, c, "GET", base+"/p", "")
	assert.Equal(t, string(appendETag(nil, []byte("plain"))), resp.Header.Get("Etag"), "the default hashes the body")
}

// finishing counts its OnFinish calls.
type finishing struct {
	RequestHandler
	done chan string
}

func (h *finishing) OnFinish()           { h.done <- h.Request.URI() }
func (h *finishing) Get(...string) error { return h.WriteString("x") }

func TestOnFinishHook(t *testing.T) {
	done := make(chan string, 4)
	base := serve(t, NewApplication([]*URLSpec{
		URL("/f", &finishing{done: done}),
		URL("/p", &plain{}),
	}, Settings{}))
	c := client(t)
	do(t, c, "GET", base+"/f?n=1", "")
	assert.Equal(t, "/f?n=1", recv(t, done))
	resp, body := do(t, c, "GET", base+"/p", "")
	assert.Equal(t, 200, resp.StatusCode, "the default does nothing, and nothing fails")
	assert.Equal(t, "plain", body)
}

// hanging waits for its client, which leaves; plainHanging has no
// OnConnectionClose of its own.
type hanging struct {
	RequestHandler
	started, closed chan struct{}
}

func (h *hanging) Get(...string) error {
	h.Wait(gen.Sleep(h.Loop(), time.Minute))
	h.started <- struct{}{}
	return nil
}
func (h *hanging) OnConnectionClose() { h.closed <- struct{}{} }

type plainHanging struct {
	RequestHandler
	started chan struct{}
}

func (h *plainHanging) Get(...string) error {
	h.Wait(gen.Sleep(h.Loop(), time.Minute))
	h.started <- struct{}{}
	return nil
}

func TestOnConnectionCloseHook(t *testing.T) {
	started, closed := make(chan struct{}, 2), make(chan struct{}, 2)
	finished := make(chan string, 2)
	app := NewApplication([]*URLSpec{
		URL("/h", &hanging{started: started, closed: closed}),
		URL("/p", &plainHanging{started: started}),
	}, Settings{Logger: quiet, LogFunction: func(h *RequestHandler) { finished <- h.Request.URI() }})
	addr := strings.TrimPrefix(serve(t, app), "http://")
	leave := func(path string) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		recv(t, started)
		conn.Close()
	}
	leave("/h")
	recv(t, closed)
	// Without an override the client's leaving ends the request as well:
	// the handler is released (no access log line: nothing was answered),
	// and the loop serves the next request.
	leave("/p")
	c := client(t)
	resp, _ := do(t, c, "GET", "http://"+addr+"/missing", "")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "/missing", recv(t, finished))
}

// records collects log records for the access log tests.
type records struct {
	mu  sync.Mutex
	all []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, rec)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// access returns the access log records so far.
func (r *records) access() []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []slog.Record
	for _, rec := range r.all {
		if _, ok := attr(rec, "status"); ok {
			out = append(out, rec)
		}
	}
	return out
}

// errors returns the records logged at ERROR, each its message and its
// attributes as key=value, one a line.
func (r *records) errors() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, rec := range r.all {
		if rec.Level < slog.LevelError {
			continue
		}
		b.WriteString(rec.Message)
		rec.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		b.WriteByte('\n')
	}
	return b.String()
}

func attr(rec slog.Record, key string) (slog.Value, bool) {
	var v slog.Value
	var ok bool
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v, ok = a.Value, true
			return false
		}
		return true
	})
	return v, ok
}

func TestAccessLogLevelsAndFields(t *testing.T) {
	rec := &records{}
	base := serve(t, NewApplication([]*URLSpec{
		URL("/p", &plain{}),
		URL("/s", &secured{}),
		URL("/r", &RedirectHandler{URL: "/p"}),
	}, Settings{Logger: slog.New(rec)}))
	c := client(t)
	do(t, c, "GET", base+"/p?a=1", "")
	do(t, c, "GET", base+"/r", "")
	do(t, c, "GET", base+"/s?do=404", "")
	do(t, c, "GET", base+"/s?do=panic", "")
	got := rec.access()
	require.Len(t, got, 4)
	want := []struct {
		level  slog.Level
		status int64
		uri    string
	}{
		{slog.LevelInfo, 200, "/p?a=1"},
		{slog.LevelInfo, 301, "/r"},
		{slog.LevelWarn, 404, "/s?do=404"},
		{slog.LevelError, 500, "/s?do=panic"},
	}
	for i, w := range want {
		r := got[i]
		assert.Equal(t, w.level, r.Level, w.uri)
		st, _ := attr(r, "status")
		assert.Equal(t, w.status, st.Int64())
		u, _ := attr(r, "uri")
		assert.Equal(t, w.uri, u.String())
		m, _ := attr(r, "method")
		assert.Equal(t, "GET", m.String())
		ip, _ := attr(r, "remote_ip")
		assert.Equal(t, "127.0.0.1", ip.String())
		ms, ok := attr(r, "ms")
		require.True(t, ok)
		assert.GreaterOrEqual(t, ms.Float64(), 0.0)
		assert.Regexp(t, `^\d{3} GET \S+ \(127\.0\.0\.1\) \d+\.\d\dms$`, r.Message, "Tornado's line")
	}
}

func TestAccessLogAtInfoByDefault(t *testing.T) {
	// The logger a user gets without configuring one: slog's text format
	// at INFO. A 200 must show.
	var buf syncBuffer
	base := serve(t, NewApplication([]*URLSpec{URL("/p", &plain{})}, Settings{Logger: slog.New(slog.NewTextHandler(&buf, nil))}))
	do(t, client(t), "GET", base+"/p", "")
	assert.Regexp(t, `level=INFO msg="200 GET /p \(127\.0\.0\.1\) [\d.]+ms" status=200 method=GET uri=/p remote_ip=127\.0\.0\.1 ms=`, buf.String())
}

func TestLogFunctionReplacesTheAccessLog(t *testing.T) {
	rec := &records{}
	lines := make(chan string, 4)
	base := serve(t, NewApplication([]*URLSpec{URL("/p", &plain{})}, Settings{
		Logger: slog.New(rec),
		LogFunction: func(h *RequestHandler) {
			lines <- h.Request.Method + " " + h.Request.URI() + " " + http200(h.Status())
		},
	}))
	do(t, client(t), "GET", base+"/p", "")
	assert.Equal(t, "GET /p 200", recv(t, lines))
	assert.Empty(t, rec.access(), "the default line is not written too")
}

func http200(code int) string {
	if code == 200 {
		return "200"
	}
	return "not 200"
}

// syncBuffer is a strings.Builder safe for the loop's writes and the
// test's read.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// settingsUser needs settings.
type settingsUser struct{ RequestHandler }

func (h *settingsUser) Get(...string) error {
	if err := h.RequireSetting(h.GetArgumentDefault("name", ""), "the test"); err != nil {
		return h.WriteString(err.Error())
	}
	return h.WriteString("ok")
}

func TestRequireSetting(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &settingsUser{})}, Settings{CookieSecret: secret}))
	c := client(t)
	_, body := do(t, c, "GET", base+"/?name=cookie_secret", "")
	assert.Equal(t, "ok", body)
	_, body = do(t, c, "GET", base+"/?name=login_url", "")
	assert.Equal(t, `web: missing setting: define the "login_url" setting in your application to use the test`, body)
	_, body = do(t, c, "GET", base+"/?name=cookie_secrett", "")
	assert.Equal(t, `web: missing setting: no setting is called "cookie_secrett"`, body)
}

// crumbs clears every cookie.
type crumbs struct{ RequestHandler }

func (h *crumbs) Get(...string) error {
	if err := h.ClearAllCookies(CookieOptions{Path: "/app"}); err != nil {
		return err
	}
	h.XSRFToken()
	return nil
}

func TestClearAllCookiesAndXSRFCookieSettings(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &crumbs{})}, Settings{
		XSRFCookieName:    "__Host-xsrf",
		XSRFCookieOptions: CookieOptions{Secure: true, HTTPOnly: true, SameSite: "Strict"},
	}))
	resp, _ := do(t, client(t), "GET", base+"/", "", "Cookie", "b=2; a=1")
	sc := resp.Header.Values("Set-Cookie")
	require.Len(t, sc, 3)
	assert.Regexp(t, `^a=; Path=/app; Expires=Fri, 02 Jan 1970 00:00:00 GMT`, sc[0])
	assert.Regexp(t, `^b=; Path=/app; Expires=Fri, 02 Jan 1970 00:00:00 GMT`, sc[1])
	assert.Regexp(t, `^__Host-xsrf=2\|[0-9a-f]+\|[0-9a-f]+\|\d+; Path=/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$`, sc[2])
	exp, err := time.Parse(time.RFC1123, strings.TrimPrefix(strings.Split(sc[2], "; ")[2], "Expires="))
	require.NoError(t, err)
	assert.InDelta(t, 30*24, time.Until(exp).Hours(), 1, "an unset expiry is Tornado's 30 days")
}

// slashes shows the trailing-slash wrappers.
type removing struct{ RequestHandler }

func (h *removing) Get(...string) error {
	return h.RemoveSlash(func() error { return h.WriteString("at " + h.Request.Path()) })
}
func (h *removing) Post(...string) error { return h.Get() }

type adding struct{ RequestHandler }

func (h *adding) Get(...string) error {
	return h.AddSlash(func() error { return h.WriteString("at " + h.Request.Path()) })
}

func TestAddSlashAndRemoveSlash(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/", &removing{}),
		URL("/r/?", &removing{}),
		URL("/(?:/evil.example)/?", &removing{}),
		URL("/a/?", &adding{}),
	}, Settings{}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/r/?q=1", "")
	assert.Equal(t, 301, resp.StatusCode)
	assert.Equal(t, "/r?q=1", resp.Header.Get("Location"))
	_, body := do(t, c, "GET", base+"/r", "")
	assert.Equal(t, "at /r", body)
	_, body = do(t, c, "GET", base+"/", "")
	assert.Equal(t, "at /", body, "/ is not redirected to nothing")
	resp, _ = do(t, c, "POST", base+"/r/", "a=1")
	assert.Equal(t, 404, resp.StatusCode, "only GET and HEAD are redirected")
	resp, _ = do(t, c, "GET", base+"//evil.example/", "")
	assert.Equal(t, 404, resp.StatusCode, "no redirect to another site")
	resp, _ = do(t, c, "GET", base+"/a?q=1", "")
	assert.Equal(t, 301, resp.StatusCode)
	assert.Equal(t, "/a/?q=1", resp.Header.Get("Location"))
	_, body = do(t, c, "GET", base+"/a/", "")
	assert.Equal(t, "at /a/", body)
}

// tunnel answers a custom upgrade itself on the detached stream: an echo
// of one line.
type tunnel struct {
	RequestHandler
	errs chan error
}

func (h *tunnel) Get(...string) error {
	stream, rest, err := h.Detach()
	if err != nil {
		h.errs <- err
		return err
	}
	h.errs <- nil
	if _, _, err := h.Detach(); !errors.Is(err, ErrHeadersSent) {
		h.errs <- errors.New("a second Detach did not fail")
	}
	stream.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"))
	f := stream.ReadUntil([]byte("\n"), 1024)
	f.OnDone(func() {
		line, err := f.Result()
		if err != nil {
			stream.Close()
			return
		}
		stream.Write(append(append([]byte("echo: "), rest...), line...)).OnDone(func() { stream.Close() })
	})
	return nil
}

func TestDetach(t *testing.T) {
	errs := make(chan error, 4)
	app := NewApplication([]*URLSpec{URL("/t", &tunnel{errs: errs})}, Settings{Logger: quiet})
	check := func(addr string) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Write([]byte("GET /t HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nfirst "))
		require.NoError(t, err)
		require.NoError(t, recv(t, errs))
		br := bufio.NewReader(conn)
		status, err := br.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "HTTP/1.1 101 Switching Protocols\r\n", status)
		for {
			l, err := br.ReadString('\n')
			require.NoError(t, err)
			if l == "\r\n" {
				break
			}
		}
		_, err = conn.Write([]byte("line\n"))
		require.NoError(t, err)
		rest, err := io.ReadAll(br)
		require.NoError(t, err)
		assert.Equal(t, "echo: first line\n", string(rest), "what followed the head is the caller's")
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
	}
	check(strings.TrimPrefix(serve(t, app), "http://"))

	net := httptest.NewServer(app)
	defer net.Close()
	defer app.Close()
	check(strings.TrimPrefix(net.URL, "http://"))

	tls := httptest.NewTLSServer(app)
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/t")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	assert.ErrorIs(t, recv(t, errs), ErrNotUpgradable, "no Detach over TLS under net/http")
}

// leftBehind finishes, then meets what a write to a connection its client
// closed returns: the error the framework sees when the client left while
// the handler waited and the close was noticed only by the write.
type leftBehind struct{ RequestHandler }

func (h *leftBehind) Get(...string) error {
	if err := h.Finish(); err != nil {
		return err
	}
	if h.GetArgumentDefault("other", "") != "" {
		return errors.New("a real failure after the response")
	}
	return fmt.Errorf("render: %w", http1connection.ErrClosed)
}

// TestAClientThatLeftIsNoError: a client that left while its request
// waited is not an application error: nothing at ERROR in the log, where
// another error after the response still is.
func TestAClientThatLeftIsNoError(t *testing.T) {
	rec := &records{}
	base := serve(t, NewApplication([]*URLSpec{URL("/", &leftBehind{})}, Settings{Logger: slog.New(rec)}))
	c := client(t)
	do(t, c, "GET", base+"/", "")
	errorsLogged := func() (n int) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, r := range rec.all {
			if r.Level >= slog.LevelError {
				n++
			}
		}
		return n
	}
	assert.Zero(t, errorsLogged(), "the client's leaving is not an error")
	do(t, c, "GET", base+"/?other=1", "")
	assert.Equal(t, 1, errorsLogged(), "other errors after the response are")
}

// silentSocket accepts a WebSocket and does nothing with it.
type silentSocket struct{ websocket.WebSocketHandler }

// A WebSocket handshake writes Tornado's access line too: 101 when the
// connection became a WebSocket, the refusal's status otherwise (403 for
// a foreign Origin, at WARN).
func TestAccessLogOfWebSocketHandshakes(t *testing.T) {
	rec := &records{}
	ws := &WebSocketHandler{New: func(*RequestHandler) websocket.Handler { return &silentSocket{} }}
	addr := strings.TrimPrefix(serve(t, NewApplication([]*URLSpec{URL("/ws", ws)}, Settings{Logger: slog.New(rec)})), "http://")
	handshake := func(origin string) string {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n", addr, origin)
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		return line
	}
	assert.Equal(t, "HTTP/1.1 101 Switching Protocols\r\n", handshake(""))
	assert.Contains(t, handshake("Origin: http://elsewhere.example\r\n"), " 403 ")
	var got []slog.Record
	require.Eventually(t, func() bool { got = rec.access(); return len(got) == 2 }, 10*time.Second, time.Millisecond)
	assert.Regexp(t, `^101 GET /ws \(127\.0\.0\.1\) \d+\.\d\dms$`, got[0].Message)
	assert.Equal(t, slog.LevelInfo, got[0].Level)
	assert.Regexp(t, `^403 GET /ws \(127\.0\.0\.1\) `, got[1].Message)
	assert.Equal(t, slog.LevelWarn, got[1].Level)
}
