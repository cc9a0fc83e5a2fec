// Tests of routing, arguments, the response, errors and panics, written
// from what Tornado's web_test.py checks.

package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/gen"
)

type helloHandler struct{ RequestHandler }

func (h *helloHandler) Get(...string) error { return h.WriteString("Hello, world") }

type argsHandler struct {
	RequestHandler
	// Prefix shows that prototype fields reach each instance.
	Prefix string
}

func (h *argsHandler) Get(args ...string) error {
	return h.WriteString(h.Prefix + strings.Join(args, ","))
}

func (h *argsHandler) Post(args ...string) error {
	v, err := h.GetArgument("name")
	if err != nil {
		return err
	}
	h.WriteString(h.Prefix + v + "|" + h.GetArgumentDefault("opt", "def") + "|" + strings.Join(h.GetArguments("multi"), ","))
	return nil
}

type jsonHandler struct{ RequestHandler }

func (h *jsonHandler) Get(...string) error {
	switch h.GetArgumentDefault("kind", "") {
	case "list":
		return h.Write([]int{1, 2})
	case "struct":
		return h.Write(struct {
			A int `json:"a"`
		}{7})
	}
	return h.Write(map[string]any{"message": "Hello"})
}

type errorsHandler struct{ RequestHandler }

func (h *errorsHandler) Get(args ...string) error {
	switch args[0] {
	case "http":
		return &HTTPError{Code: 418, LogMessage: "teapot"}
	case "plain":
		return errors.New("boom")
	case "panic":
		panic("kaboom")
	case "reason":
		h.SetStatus(499, "Custom")
		h.SendError(499, &HTTPError{Code: 499, Reason: "Custom Reason"})
		return nil
	}
	return nil
}

type customErrors struct{ RequestHandler }

func (h *customErrors) Get(...string) error { return &HTTPError{Code: 503} }

func (h *customErrors) WriteError(code int, err error) {
	h.WriteString(fmt.Sprintf("custom %d", code))
}

type coHandler struct{ RequestHandler }

func (h *coHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		h.WriteString("before ")
		if _, err := gen.Await(c, gen.Sleep(h.Loop(), time.Millisecond)); err != nil {
			return err
		}
		if h.GetArgumentDefault("fail", "") != "" {
			return &HTTPError{Code: 409}
		}
		h.WriteString("after")
		return nil
	})
}

// recorder collects calls from the loop for the test goroutine.
type recorder struct {
	mu    sync.Mutex
	calls []string
	done  chan struct{}
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
	if s == "finish" {
		r.done <- struct{}{}
	}
}

func (r *recorder) take() []string {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

type lifecycle struct {
	RequestHandler
	// Log records the calls.
	Log *recorder
}

func (h *lifecycle) Prepare() error {
	h.Log.add("prepare")
	if h.GetArgumentDefault("stop", "") != "" {
		return h.Redirect("/elsewhere", false)
	}
	return nil
}

func (h *lifecycle) Get(...string) error {
	h.Log.add("get")
	return nil
}

func (h *lifecycle) OnFinish() { h.Log.add("finish") }

type redirector struct{ RequestHandler }

func (h *redirector) Get(...string) error {
	return h.Redirect("target?x=1", h.GetArgumentDefault("p", "") != "")
}

type flusher struct{ RequestHandler }

func (h *flusher) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		for i := range 3 {
			fmt.Fprint(writerFunc(h.WriteString), "part", i, ";")
			if _, err := gen.Await(c, h.Flush()); err != nil {
				return err
			}
		}
		return nil
	})
}

// writerFunc adapts WriteString to io.Writer.
type writerFunc func(string) error

func (w writerFunc) Write(p []byte) (int, error) { return len(p), w(string(p)) }

func TestRoutingArgumentsAndMethods(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL("/", &helloHandler{}),
		URL(`/args/(\w+)/(\d+)`, &argsHandler{Prefix: "p:"}).Named("args"),
		URL("/form", &argsHandler{}),
		URL("/json", &jsonHandler{}),
	}, Settings{})
	base := serve(t, app)
	c := client(t)

	resp, body := do(t, c, "GET", base+"/", "")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "Hello, world", body)
	assert.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
	assert.NotEmpty(t, resp.Header.Get("Etag"))

	_, body = do(t, c, "GET", base+"/args/ab/12", "")
	assert.Equal(t, "p:ab,12", body)
	resp, _ = do(t, c, "GET", base+"/args/ab/x", "")
	assert.Equal(t, 404, resp.StatusCode, "the pattern is anchored at both ends")
	resp, _ = do(t, c, "DELETE", base+"/", "")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "GET", resp.Header.Get("Allow"), "RFC 9110: a 405 says what is allowed")
	resp, _ = do(t, c, "PUT", base+"/form", "")
	assert.Equal(t, "GET, POST", resp.Header.Get("Allow"))
	resp, _ = do(t, c, "PROPFIND", base+"/", "")
	assert.Equal(t, 405, resp.StatusCode)

	_, body = do(t, c, "POST", base+"/form?multi=1", "name=+bob+&multi=2")
	assert.Equal(t, "bob|def|1,2", body, "query then body, values stripped")
	resp, body = do(t, c, "POST", base+"/form", "other=1")
	assert.Equal(t, 400, resp.StatusCode, "MissingArgumentError is a 400")
	assert.Contains(t, body, "400: Bad Request")

	resp, body = do(t, c, "GET", base+"/json", "")
	assert.Equal(t, `{"message":"Hello"}`, body)
	assert.Equal(t, "application/json; charset=UTF-8", resp.Header.Get("Content-Type"))
	_, body = do(t, c, "GET", base+"/json?kind=struct", "")
	assert.Equal(t, `{"a":7}`, body)
	resp, _ = do(t, c, "GET", base+"/json?kind=list", "")
	assert.Equal(t, 500, resp.StatusCode, "a top-level array is refused")

	u, err := app.ReverseURL("args", "a b", 3)
	require.NoError(t, err)
	assert.Equal(t, "/args/a%20b/3", u)
	_, err = app.ReverseURL("args", 1)
	assert.ErrorIs(t, err, ErrReverseArgs)
	_, err = app.ReverseURL("nope")
	assert.ErrorIs(t, err, ErrUnnamedURL)
}

func TestHostMatching(t *testing.T) {
	app := NewApplication([]*URLSpec{URL("/", &argsHandler{Prefix: "any"})}, Settings{})
	app.AddHandlers(`www\.example\.com`, URL("/", &argsHandler{Prefix: "www"}))
	base := serve(t, app)
	c := client(t)
	_, body := do(t, c, "GET", base+"/", "", "Host", "www.example.com:80")
	assert.Equal(t, "www", body)
	_, body = do(t, c, "GET", base+"/", "", "Host", "other.example.com")
	assert.Equal(t, "any", body)
}

func TestErrorsAndPanics(t *testing.T) {
	app := NewApplication([]*URLSpec{
		URL(`/err/(\w+)`, &errorsHandler{}),
		URL(`/custom`, &customErrors{}),
		URL(`/gone`, &ErrorHandler{StatusCode: 410}),
	}, Settings{})
	base := serve(t, app)
	c := client(t)
	resp, body := do(t, c, "GET", base+"/err/http", "")
	assert.Equal(t, 418, resp.StatusCode)
	assert.Contains(t, body, "418: I&#39;m a teapot")
	resp, body = do(t, c, "GET", base+"/err/plain", "")
	assert.Equal(t, 500, resp.StatusCode)
	assert.NotContains(t, body, "boom", "no details without Debug")
	for range 3 {
		resp, body = do(t, c, "GET", base+"/err/panic", "")
		assert.Equal(t, 500, resp.StatusCode)
		assert.NotContains(t, body, "kaboom")
	}
	resp, _ = do(t, c, "GET", base+"/custom", "")
	assert.Equal(t, 503, resp.StatusCode)
	resp, body = do(t, c, "GET", base+"/gone", "")
	assert.Equal(t, 410, resp.StatusCode)
	assert.Contains(t, body, "410: Gone")
	resp, _ = do(t, c, "GET", base+"/nowhere", "")
	assert.Equal(t, 404, resp.StatusCode)
	_, body = do(t, c, "GET", base+"/custom", "")
	assert.Equal(t, "custom 503", body)
	resp, body = do(t, c, "GET", base+"/err/reason", "")
	assert.Equal(t, 499, resp.StatusCode)
	assert.Contains(t, body, "499: Custom Reason")
}

func TestDebugShowsTheStack(t *testing.T) {
	app := NewApplication([]*URLSpec{URL(`/err/(\w+)`, &errorsHandler{})}, Settings{Debug: true})
	base := serve(t, app)
	resp, body := do(t, client(t), "GET", base+"/err/panic", "")
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, body, "kaboom")
	assert.Contains(t, body, "goroutine", "a stack trace")
}

func TestDefaultHandler(t *testing.T) {
	app := NewApplication(nil, Settings{DefaultHandler: &argsHandler{Prefix: "default"}})
	base := serve(t, app)
	_, body := do(t, client(t), "GET", base+"/anything", "")
	assert.Equal(t, "default", body)
}

func TestCoroutineHandlers(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/co", &coHandler{}), URL("/flush", &flusher{})}, Settings{}))
	c := client(t)
	_, body := do(t, c, "GET", base+"/co", "")
	assert.Equal(t, "before after", body)
	resp, _ := do(t, c, "GET", base+"/co?fail=1", "")
	assert.Equal(t, 409, resp.StatusCode)
	resp, body = do(t, c, "GET", base+"/flush", "")
	assert.Equal(t, "part0;part1;part2;", body)
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
}

func TestPrepareAndOnFinish(t *testing.T) {
	log := &recorder{done: make(chan struct{}, 1)}
	base := serve(t, NewApplication([]*URLSpec{URL("/", &lifecycle{Log: log})}, Settings{}))
	c := client(t)
	do(t, c, "GET", base+"/", "")
	assert.Equal(t, []string{"prepare", "get", "finish"}, log.take())
	resp, _ := do(t, c, "GET", base+"/?stop=1", "")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, []string{"prepare", "finish"}, log.take(), "a Prepare that finishes skips the method")
}

func TestRedirects(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		URL("/r/go", &redirector{}),
		URL(`/old/(.*)`, &RedirectHandler{URL: "/new/{0}"}),
		URL(`/fwd(.*)`, &RedirectHandler{URL: "{0}"}),
		URL(`/moving`, &RedirectHandler{URL: "/elsewhere", Temporary: true}),
	}, Settings{}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/r/go", "")
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "/r/target?x=1", resp.Header.Get("Location"))
	resp, _ = do(t, c, "GET", base+"/r/go?p=1", "")
	assert.Equal(t, 301, resp.StatusCode)
	resp, _ = do(t, c, "GET", base+"/old/a/b?q=1", "")
	assert.Equal(t, 301, resp.StatusCode, "RedirectHandler is permanent by default, as Tornado's")
	assert.Equal(t, "/new/a/b?q=1", resp.Header.Get("Location"))
	resp, _ = do(t, c, "GET", base+"/moving", "")
	assert.Equal(t, 302, resp.StatusCode, "Temporary asks for 302")
	resp, _ = do(t, c, "GET", base+"/fwd//evil.example", "")
	assert.Equal(t, 403, resp.StatusCode, "no open redirect through a group")
	resp, _ = do(t, c, "GET", base+"/fwd/local", "")
	assert.Equal(t, "/local", resp.Header.Get("Location"))
}

func TestETagAnd304(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &helloHandler{})}, Settings{}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/", "")
	etag := resp.Header.Get("Etag")
	require.NotEmpty(t, etag)
	resp, body := do(t, c, "GET", base+"/", "", "If-None-Match", etag)
	assert.Equal(t, 304, resp.StatusCode)
	assert.Empty(t, body)
	resp, _ = do(t, c, "GET", base+"/", "", "If-None-Match", `"other", W/`+etag)
	assert.Equal(t, 304, resp.StatusCode, "weak comparison over a list")
	resp, _ = do(t, c, "GET", base+"/", "", "If-None-Match", `"other"`)
	assert.Equal(t, 200, resp.StatusCode)
}

type bigHandler struct{ RequestHandler }

func (h *bigHandler) Get(...string) error {
	h.SetHeader("Content-Type", h.GetArgumentDefault("ct", "text/plain"))
	if h.GetArgumentDefault("part", "") != "" {
		h.SetStatus(206)
		h.SetHeader("Content-Range", "bytes 0-7999/16000")
	}
	return h.WriteString(strings.Repeat("gornado ", 1000))
}

func TestGzip(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/big", &bigHandler{}), URL("/", &helloHandler{})}, Settings{CompressResponse: true}))
	c := client(t)
	resp, body := do(t, c, "GET", base+"/big", "", "Accept-Encoding", "gzip")
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Less(t, len(body), 8000)
	assert.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"))
	resp, body = do(t, c, "GET", base+"/big", "")
	assert.Empty(t, resp.Header.Get("Content-Encoding"))
	assert.Len(t, body, 8000)
	resp, _ = do(t, c, "GET", base+"/big?ct=image/png", "", "Accept-Encoding", "gzip")
	assert.Empty(t, resp.Header.Get("Content-Encoding"), "not a compressible type")
	resp, _ = do(t, c, "GET", base+"/", "", "Accept-Encoding", "gzip")
	assert.Empty(t, resp.Header.Get("Content-Encoding"), "too small")
	resp, body = do(t, c, "GET", base+"/big?part=1", "", "Accept-Encoding", "gzip")
	assert.Equal(t, 206, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Content-Encoding"), "a part is sent as the bytes Content-Range counts")
	assert.Len(t, body, 8000)
}

func TestHTTPClientSeesKeepAliveAcrossHandlers(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &helloHandler{}), URL(`/err/(\w+)`, &errorsHandler{})}, Settings{}))
	c := client(t)
	for i := range 20 {
		path := "/"
		if i%3 == 0 {
			path = "/err/panic"
		}
		resp, _ := do(t, c, "GET", base+path, "")
		if path == "/" {
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		}
	}
}

type misuse struct{ RequestHandler }

func (h *misuse) Get(args ...string) error {
	switch args[0] {
	case "twice":
		if err := h.Finish(); err != nil {
			return err
		}
		if errors.Is(h.Finish(), ErrFinished) && errors.Is(h.WriteString("x"), ErrFinished) {
			return nil
		}
		panic("a second Finish or a Write after it went through")
	case "inject":
		h.SetHeader("X-Evil", "a\r\nSet-Cookie: pwned=1")
		return h.WriteString("never")
	case "late":
		h.WriteString("partial")
		return h.Go(func(c *gen.Co) error {
			if _, err := gen.Await(c, h.Flush()); err != nil {
				return err
			}
			if !errors.Is(h.Redirect("/x", false), ErrHeadersSent) {
				panic("redirect after flush")
			}
			return errors.New("fails after the head was sent")
		})
	case "unicode":
		return h.WriteString(args[1])
	}
	return nil
}

func TestMisuseAndEdges(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL(`/m/(\w+)/?(.*)`, &misuse{})}, Settings{}))
	c := client(t)
	// /m/late relies on the server closing the connection: should it not,
	// fail with a timeout rather than hang.
	c.Timeout = 10 * time.Second
	resp, _ := do(t, c, "GET", base+"/m/twice", "")
	assert.Equal(t, 200, resp.StatusCode)
	resp, body := do(t, c, "GET", base+"/m/inject", "")
	assert.Equal(t, 500, resp.StatusCode, "a header with CR LF is refused")
	assert.Empty(t, resp.Header.Get("Set-Cookie"))
	assert.NotContains(t, body, "never")
	_, body = do(t, c, "GET", base+"/m/unicode/caf%C3%A9%20au%20lait", "")
	assert.Equal(t, "café au lait", body, "groups are path-unescaped")

	// An error after the head went out can only cut the response short.
	req, _ := http.NewRequest("GET", base+"/m/late", nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "partial", string(b))
	var timeout interface{ Timeout() bool }
	require.False(t, errors.As(err, &timeout) && timeout.Timeout(), "the server did not close the connection after /m/late failed: %v", err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the chunked body never ends properly")
	resp, _ = do(t, c, "GET", base+"/m/twice", "")
	assert.Equal(t, 200, resp.StatusCode, "the loop serves on")
}

type badErrorPage struct{ RequestHandler }

func (h *badErrorPage) Get(...string) error { return &HTTPError{Code: 404} }

func (h *badErrorPage) WriteError(code int, err error) {
	h.SetHeader("X-Bad", "a\nb")
	h.WriteString("custom")
}

func TestAFailingErrorPageFallsBackToTheDefault(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/", &badErrorPage{})}, Settings{}))
	resp, body := do(t, client(t), "GET", base+"/", "")
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, body, "500: Internal Server Error")
}

type noETag struct{ RequestHandler }

func (h *noETag) Get(...string) error { return h.WriteString("big and constant") }
func (h *noETag) ComputeETag() []byte { return nil }

type fixedETag struct{ RequestHandler }

func (h *fixedETag) Get(...string) error { return h.WriteString("v1") }
func (h *fixedETag) ComputeETag() []byte { return []byte(`"v1"`) }

func TestComputeETag(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{URL("/none", &noETag{}), URL("/fixed", &fixedETag{})}, Settings{}))
	c := client(t)
	resp, _ := do(t, c, "GET", base+"/none", "", "If-None-Match", "*")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Etag"))
	resp, _ = do(t, c, "GET", base+"/fixed", "")
	assert.Equal(t, `"v1"`, resp.Header.Get("Etag"))
	resp, _ = do(t, c, "GET", base+"/fixed", "", "If-None-Match", `"v1"`)
	assert.Equal(t, 304, resp.StatusCode)
}
