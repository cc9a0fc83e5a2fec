package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage6-web/internal/servertest"
	"github.com/gornado/gornado/stage6-web/web"
	"github.com/stretchr/testify/assert"
)

// The handlers of the tests, one per behaviour.

type argsHandler struct{ web.RequestHandler }

func (h *argsHandler) Get(args ...string) error {
	h.Write(fmt.Sprintf("%q", args))
	return nil
}

type headersHandler struct{ web.RequestHandler }

func (h *headersHandler) Get(args ...string) error {
	h.SetStatus(201)
	h.SetHeader("X-One", "1")
	h.AddHeader("X-Two", "a")
	h.AddHeader("X-Two", "b")
	h.SetHeader("X-Gone", "x")
	h.ClearHeader("X-Gone")
	h.Write("made")
	return nil
}

type jsonHandler struct{ web.RequestHandler }

func (h *jsonHandler) Get(args ...string) error {
	h.Write(map[string]any{"id": 7, "body": "<hi>"})
	return nil
}

func (h *jsonHandler) Post(args ...string) error {
	h.Write(struct {
		Name string `json:"name"`
	}{"gornado"})
	return nil
}

func (h *jsonHandler) Put(args ...string) error {
	h.Write([]string{"lists", "are", "refused"})
	return nil
}

type flushHandler struct{ web.RequestHandler }

func (h *flushHandler) Get(args ...string) error {
	h.Write("first ")
	if _, err := h.Await(h.Flush()); err != nil {
		return err
	}
	h.Write("second")
	return nil
}

type argumentHandler struct{ web.RequestHandler }

func (h *argumentHandler) Post(args ...string) error {
	body, err := h.RequireArgument("body")
	if err != nil {
		return err
	}
	h.Write(fmt.Sprintf("body=%s q=%s all=%q missing=%s", body, h.GetArgument("q", ""),
		h.GetArguments("q"), h.GetArgument("nope", "default")))
	return nil
}

type redirectHandler struct{ web.RequestHandler }

func (h *redirectHandler) Get(args ...string) error {
	h.Redirect("/elsewhere", args[0] == "permanent")
	return nil
}

// guardedHandler's Prepare refuses requests without a token, and redirects
// those with token=old; OnFinish reports every finished request.
type guardedHandler struct {
	web.RequestHandler
	finished chan string
}

func (h *guardedHandler) Prepare() error {
	switch h.GetArgument("token", "") {
	case "":
		return &web.HTTPError{Code: 403, Message: "no token"}
	case "old":
		h.Redirect("/new", false)
	}
	return nil
}

func (h *guardedHandler) Get(args ...string) error {
	h.Write("secret")
	return nil
}

func (h *guardedHandler) OnFinish() { h.finished <- h.Request.URI }

// failingHandler fails in the ways a handler can, and has its own error page.
type failingHandler struct{ web.RequestHandler }

func (h *failingHandler) Get(args ...string) error {
	switch args[0] {
	case "panic":
		var m map[string]int
		//lint:ignore SA5000 the panic is what the test is about
		m["boom"]++ // a nil map: a run-time panic
	case "error":
		return errors.New("the database is down")
	case "teapot":
		return &web.HTTPError{Code: 418}
	case "send":
		h.Write("dropped")
		h.SendError(503, nil)
	case "late":
		h.Write("partial")
		h.Flush()
		return errors.New("failed after the headers went out")
	}
	return nil
}

func (h *failingHandler) WriteError(status int, err error) {
	h.Write(map[string]any{"status": status, "error": fmt.Sprint(err)})
}

// waitHandler waits, on the loop, for a Future that wakeHandler resolves:
// an asynchronous handler that finishes later, while the server goes on
// serving other requests.
type waitHandler struct {
	web.RequestHandler
	gate    *futures.Future
	arrived chan struct{}
}

func (h *waitHandler) Get(args ...string) error {
	h.arrived <- struct{}{}
	v, err := h.Await(h.gate)
	if err != nil {
		return err
	}
	h.Write("woken by " + v.(string))
	return nil
}

type wakeHandler struct {
	web.RequestHandler
	gate *futures.Future
}

func (h *wakeHandler) Post(args ...string) error {
	if err := h.gate.SetResult(h.GetArgument("who", "")); err != nil {
		return err
	}
	h.Write("woke")
	return nil
}

type headHandler struct{ web.RequestHandler }

func (h *headHandler) Get(args ...string) error  { h.Write("body"); return nil }
func (h *headHandler) Head(args ...string) error { h.Write("body"); return nil }

type fixture struct {
	s        *servertest.Server
	finished chan string
	arrived  chan struct{}
}

func newFixture(t *testing.T) *fixture {
	finished := make(chan string, 10)
	arrived := make(chan struct{}, 1)
	gate := futures.New()
	app := web.NewApplication(
		web.Route{Pattern: `/args/(\w+)/(\d+)`, New: func() web.Handler { return &argsHandler{} }},
		web.Route{Pattern: `/headers`, New: func() web.Handler { return &headersHandler{} }},
		web.Route{Pattern: `/json`, New: func() web.Handler { return &jsonHandler{} }},
		web.Route{Pattern: `/flush`, New: func() web.Handler { return &flushHandler{} }},
		web.Route{Pattern: `/argument`, New: func() web.Handler { return &argumentHandler{} }},
		web.Route{Pattern: `/redirect/(\w+)`, New: func() web.Handler { return &redirectHandler{} }},
		web.Route{Pattern: `/guarded`, New: func() web.Handler { return &guardedHandler{finished: finished} }},
		web.Route{Pattern: `/fail/(\w+)`, New: func() web.Handler { return &failingHandler{} }},
		web.Route{Pattern: `/wait`, New: func() web.Handler { return &waitHandler{gate: gate, arrived: arrived} }},
		web.Route{Pattern: `/wake`, New: func() web.Handler { return &wakeHandler{gate: gate} }},
		web.Route{Pattern: `/head`, New: func() web.Handler { return &headHandler{} }},
	)
	s := servertest.Start(t, app)
	s.Do(func() { app.ErrorLog = s.Logger() })
	return &fixture{s: s, finished: finished, arrived: arrived}
}

// do sends one request on a new connection and returns the response.
func (f *fixture) do(t *testing.T, method, uri, headers, body string) (*http.Response, string) {
	t.Helper()
	c := f.s.Dial(t)
	if body != "" {
		headers += fmt.Sprintf("Content-Length: %d\r\n", len(body))
	}
	c.Send(t, method+" "+uri+" HTTP/1.1\r\nHost: test\r\n"+headers+"\r\n"+body)
	return c.ReadResponse(t, method)
}

func TestRouteGroupsBecomeArguments(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "GET", "/args/seven/7", "", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `["seven" "7"]`, body)
	assert.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "gornado-stage6", resp.Header.Get("Server"))
	assert.NotEmpty(t, resp.Header.Get("Date"))

	// Patterns match the whole path.
	resp, body = f.do(t, "GET", "/args/seven/7/more", "", "")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "<html><title>404: Not Found</title><body>404: Not Found</body></html>", body)
}

func TestUnknownMethodIs405(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.do(t, "DELETE", "/json", "", "")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "GET, POST, PUT", resp.Header.Get("Allow"))
	resp, _ = f.do(t, "BREW", "/json", "", "")
	assert.Equal(t, 405, resp.StatusCode)
}

func TestStatusAndHeaders(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "GET", "/headers", "", "")
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "made", body)
	assert.Equal(t, "1", resp.Header.Get("X-One"))
	assert.Equal(t, []string{"a", "b"}, resp.Header.Values("X-Two"))
	assert.Empty(t, resp.Header.Values("X-Gone"))
	assert.Equal(t, int64(4), resp.ContentLength)
}

func TestWriteMapOrStructAsJSON(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "GET", "/json", "", "")
	assert.Equal(t, "application/json; charset=UTF-8", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"id": 7, "body": "<hi>"}`, body)
	_, body = f.do(t, "POST", "/json", "", "")
	assert.JSONEq(t, `{"name": "gornado"}`, body)
	resp, _ = f.do(t, "PUT", "/json", "", "")
	assert.Equal(t, 500, resp.StatusCode, "a list is refused")
	assert.Contains(t, f.s.Logs(), "web: Write takes a string, []byte, map or struct, not []string")
}

func TestFlushSendsChunks(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "GET", "/flush", "", "")
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
	assert.Equal(t, "first second", body)
}

func TestArguments(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "POST", "/argument?q=1&q=2", "Content-Type: application/x-www-form-urlencoded\r\n", "body=hello+there")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `body=hello there q=2 all=["1" "2"] missing=default`, body)

	resp, _ = f.do(t, "POST", "/argument?q=1", "", "")
	assert.Equal(t, 400, resp.StatusCode, "a required argument is missing")
}

func TestRedirect(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.do(t, "GET", "/redirect/temporary", "", "")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "/elsewhere", resp.Header.Get("Location"))
	resp, _ = f.do(t, "GET", "/redirect/permanent", "", "")
	assert.Equal(t, 301, resp.StatusCode)
}

func TestPrepareAndOnFinish(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "GET", "/guarded?token=yes", "", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "secret", body)
	assert.Equal(t, "/guarded?token=yes", <-f.finished)

	resp, body = f.do(t, "GET", "/guarded", "", "")
	assert.Equal(t, 403, resp.StatusCode, "Prepare's error stops the request")
	assert.NotContains(t, body, "secret")
	assert.Equal(t, "/guarded", <-f.finished)

	resp, _ = f.do(t, "GET", "/guarded?token=old", "", "")
	assert.Equal(t, 302, resp.StatusCode, "Prepare finished the request itself")
	assert.Equal(t, "/guarded?token=old", <-f.finished)
	assert.Empty(t, f.finished, "OnFinish runs once per request")
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		path   string
		status int
		logged string
	}{
		{"/fail/panic", 500, "web: panic serving GET /fail/panic: assignment to entry in nil map"},
		{"/fail/error", 500, "web: error serving GET /fail/error: the database is down"},
		{"/fail/teapot", 418, ""},
		{"/fail/send", 503, ""},
	}
	for _, c := range cases {
		resp, body := f.do(t, "GET", c.path, "", "")
		assert.Equal(t, c.status, resp.StatusCode, c.path)
		assert.Contains(t, body, fmt.Sprintf(`"status":%d`, c.status), "the handler's own WriteError")
		assert.NotContains(t, body, "dropped", "SendError drops what was written")
		if c.logged != "" {
			assert.Contains(t, f.s.Logs(), c.logged)
		}
	}

	// After the headers went out, an error can only end the response.
	resp, body := f.do(t, "GET", "/fail/late", "", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "partial", body)
}

func TestAsynchronousHandlerFinishesLater(t *testing.T) {
	f := newFixture(t)
	waiter := f.s.Dial(t)
	waiter.Send(t, "GET /wait HTTP/1.1\r\nHost: test\r\n\r\n")
	// The waiting handler holds no thread: the same loop serves the next
	// request, which wakes it.
	<-f.arrived
	_, body := f.do(t, "POST", "/wake?who=alice", "", "")
	assert.Equal(t, "woke", body)
	_, body = waiter.ReadResponse(t, "GET")
	assert.Equal(t, "woken by alice", body)
}

func TestHead(t *testing.T) {
	f := newFixture(t)
	c := f.s.Dial(t)
	c.Send(t, "HEAD /head HTTP/1.1\r\nHost: test\r\n\r\nGET /head HTTP/1.1\r\nHost: test\r\n\r\n")
	resp, body := c.ReadResponse(t, "HEAD")
	assert.Equal(t, "4", resp.Header.Get("Content-Length"))
	assert.Empty(t, body)
	_, body = c.ReadResponse(t, "GET")
	assert.Equal(t, "body", body)
}

func TestKeepAliveAcrossHandlers(t *testing.T) {
	f := newFixture(t)
	c := f.s.Dial(t)
	paths := []string{"/headers", "/json", "/nowhere", "/fail/teapot", "/flush"}
	var raw strings.Builder
	for _, p := range paths {
		raw.WriteString("GET " + p + " HTTP/1.1\r\nHost: test\r\n\r\n")
	}
	c.Send(t, raw.String())
	for _, want := range []int{201, 200, 404, 418, 200} {
		resp, _ := c.ReadResponse(t, "GET")
		assert.Equal(t, want, resp.StatusCode)
	}
}
