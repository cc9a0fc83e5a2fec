// Tests of Render: one set per page (pages over one layout, layouts over
// layouts, partials), the namespace, UI modules, Debug reloading, errors,
// and renders on several loops at once.

package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/locale"
)

// renderHandler renders Page with Data; Errs, when set, receives what
// Render returned.
type renderHandler struct {
	RequestHandler
	Page string
	Data any
	Errs chan error
}

func (h *renderHandler) Get(...string) error {
	err := h.Render(h.Page, h.Data)
	if h.Errs != nil {
		h.Errs <- err
	}
	return err
}

// GetCurrentUser makes current_user "ann" for a request with ?user=ann.
func (h *renderHandler) GetCurrentUser() (any, error) {
	if u := h.GetArgumentDefault("user", ""); u != "" {
		return u, nil
	}
	return nil, nil
}

// Greeting is a method templates call through {{handler.Greeting}}.
func (h *renderHandler) Greeting() string { return "hello from " + h.Page }

// titledHandler overrides GetTemplateNamespace, and counts its calls.
type titledHandler struct {
	renderHandler
	nsCalls int
}

func (h *titledHandler) GetTemplateNamespace() map[string]any {
	h.nsCalls++
	ns := h.RequestHandler.GetTemplateNamespace()
	ns["title"] = "Titled <page>"
	ns["calls"] = h.nsCalls
	return ns
}

// page is a route rendering name.
func page(path, name string, data any) *URLSpec {
	return URL(path, &renderHandler{Page: name, Data: data})
}

// fetch gets url and returns the status and body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, body := do(t, client(t), "GET", url, "")
	return resp.StatusCode, body
}

// layoutFS: two pages over one layout, in both shapes: a.html is the Go
// idiom (defines, then calls its layout), b.html Tornado's (extends first).
var layoutFS = fstest.MapFS{
	"base.html": {Data: []byte(`<title>{{block "title" .}}Default title{{end}}</title>` +
		`<main>{{block "content" .}}no content{{end}}</main>`)},
	"a.html": {Data: []byte(`{{define "content"}}page A: {{.}}{{end}}{{template "base.html" .}}`)},
	"b.html": {Data: []byte(`{{template "base.html" .}}{{define "title"}}B's title{{end}}{{define "content"}}page B{{end}}`)},
	"c.html": {Data: []byte(`{{template "base.html" .}}`)},
}

// TestTemplatePagesOverOneLayout: each page renders its own blocks, and the
// layout's defaults where it has none. With every file in one set, both
// pages rendered b.html's "content" (the last parsed).
func TestTemplatePagesOverOneLayout(t *testing.T) {
	base := serve(t, NewApplication([]*URLSpec{
		page("/a", "a.html", "x<y"), page("/b", "b.html", nil), page("/c", "c.html", nil),
	}, Settings{TemplateFS: layoutFS}))
	for range 2 { // the second time from the loop's clones
		_, body := fetch(t, base+"/a")
		assert.Equal(t, "<title>Default title</title><main>page A: x&lt;y</main>", body)
		_, body = fetch(t, base+"/b")
		assert.Equal(t, "<title>B's title</title><main>page B</main>", body)
		_, body = fetch(t, base+"/c")
		assert.Equal(t, "<title>Default title</title><main>no content</main>", body)
	}
}

// TestTemplateLayoutOverLayout: a page over a two-column layout over the
// base layout; the page fills the inner layout's block, the inner layout
// the base's, and the defaults of both show where nobody did.
func TestTemplateLayoutOverLayout(t *testing.T) {
	fsys := fstest.MapFS{
		"base.html": {Data: []byte(`<html>{{block "body" .}}base body{{end}}<footer>{{block "footer" .}}base footer{{end}}</footer></html>`)},
		"layouts/two_col.html": {Data: []byte(`{{template "base.html" .}}` +
			`{{define "body"}}<div>{{block "main" .}}no main{{end}}</div><aside>{{block "side" .}}default side{{end}}</aside>{{end}}`)},
		"page.html":  {Data: []byte(`{{template "layouts/two_col.html" .}}{{define "main"}}the page's main{{end}}`)},
		"other.html": {Data: []byte(`{{template "layouts/two_col.html" .}}{{define "side"}}other side{{end}}{{define "footer"}}other footer{{end}}`)},
	}
	base := serve(t, NewApplication([]*URLSpec{page("/", "page.html", nil), page("/o", "other.html", nil)}, Settings{TemplateFS: fsys}))
	_, body := fetch(t, base+"/")
	assert.Equal(t, "<html><div>the page's main</div><aside>default side</aside><footer>base footer</footer></html>", body)
	_, body = fetch(t, base+"/o")
	assert.Equal(t, "<html><div>no main</div><aside>other side</aside><footer>other footer</footer></html>", body)
}

// TestTemplatePartials: a partial called by file name in a loop, one that
// calls itself (a tree), and a definition from a file of shared definitions
// called by its name.
func TestTemplatePartials(t *testing.T) {
	type node struct {
		Name     string
		Children []node
	}
	fsys := fstest.MapFS{
		"_row.html":   {Data: []byte(`<tr><td>{{.}}</td></tr>`)},
		"_tree.html":  {Data: []byte(`<li>{{.Name}}{{if .Children}}<ul>{{range .Children}}{{template "_tree.html" .}}{{end}}</ul>{{end}}</li>`)},
		"common.html": {Data: []byte("{{/* shared definitions */}}\n{{define \"footer\"}}<footer>{{.}}</footer>{{end}}\n")},
		"table.html":  {Data: []byte(`<table>{{range .}}{{template "_row.html" .}}{{end}}</table>{{template "footer" "f"}}`)},
		"tree.html":   {Data: []byte(`<ul>{{template "_tree.html" .}}</ul>`)},
	}
	tree := node{"a", []node{{"b", nil}, {"c", []node{{"d", nil}}}}}
	base := serve(t, NewApplication([]*URLSpec{
		page("/table", "table.html", []string{"1", "<2>"}), page("/tree", "tree.html", tree),
	}, Settings{TemplateFS: fsys}))
	_, body := fetch(t, base+"/table")
	assert.Equal(t, "<table><tr><td>1</td></tr><tr><td>&lt;2&gt;</td></tr></table><footer>f</footer>", body)
	_, body = fetch(t, base+"/tree")
	assert.Equal(t, "<ul><li>a<ul><li>b</li><li>c<ul><li>d</li></ul></li></ul></li></ul>", body)
}

// TestTemplateNamespaceFunctions: what Tornado's templates see, as
// functions.
func TestTemplateNamespaceFunctions(t *testing.T) {
	fsys := fstest.MapFS{"ns.html": {Data: []byte(
		`user={{current_user}}|{{xsrf_form_html}}|token={{if xsrf_token}}yes{{end}}|` +
			`url={{reverse_url "item" 42}}|static={{static_url "app.js"}}|` +
			`handler={{handler.Greeting}}|request={{request.Method}} {{request.URI}}|` +
			`shout={{shout "hi"}}`)}}
	static := fstest.MapFS{"app.js": {Data: []byte("alert(1)"), ModTime: time.Now()}}
	base := serve(t, NewApplication([]*URLSpec{
		page("/", "ns.html", nil),
		URL("/item/([0-9]+)", &renderHandler{}).Named("item"),
	}, Settings{
		TemplateFS: fsys, StaticFS: static, XSRFCookies: true,
		TemplateFuncs: template.FuncMap{"shout": strings.ToUpper},
	}))
	code, body := fetch(t, base+"/?user=ann")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, "user=ann|")
	assert.Regexp(t, `\|<input type="hidden" name="_xsrf" value="[^"]+"/>\|token=yes\|`, body)
	assert.Contains(t, body, "|url=/item/42|")
	assert.Regexp(t, `\|static=/static/app.js\?v=[0-9a-f]{32}\|`, body)
	assert.Contains(t, body, "|handler=hello from ns.html|")
	assert.Contains(t, body, "|request=GET /?user=ann|")
	assert.Contains(t, body, "|shout=HI")
	_, body = fetch(t, base+"/")
	assert.Contains(t, body, "user=|", "no current user")
}

// TestTemplateGetTemplateNamespace: ns is GetTemplateNamespace, the
// default one or the handler's own, called through the user's type.
func TestTemplateGetTemplateNamespace(t *testing.T) {
	fsys := fstest.MapFS{"ns.html": {Data: []byte(
		`title={{ns.title}}|user={{ns.current_user}}|method={{ns.request.Method}}|handler={{ns.handler.Greeting}}|{{with ns}}{{.title}}{{end}}|{{ns.calls}}`)}}
	base := serve(t, NewApplication([]*URLSpec{
		page("/", "ns.html", nil),
		URL("/titled", &titledHandler{renderHandler: renderHandler{Page: "ns.html"}}),
	}, Settings{TemplateFS: fsys}))
	_, body := fetch(t, base+"/?user=bob")
	assert.Equal(t, "title=|user=bob|method=GET|handler=hello from ns.html||", body, "the default namespace")
	for range 2 {
		_, body = fetch(t, base+"/titled")
		assert.Equal(t, "title=Titled &lt;page&gt;|user=|method=GET|handler=hello from ns.html|Titled &lt;page&gt;|1", body,
			"the handler's own, asked for once per render")
	}
}

// TestTemplateUIModule: a module renders its template with its argument,
// and its resources reach the page once however often it is used: CSS
// before </head>, JavaScript before the last </body>.
func TestTemplateUIModule(t *testing.T) {
	fsys := fstest.MapFS{
		"modules/entry.html": {Data: []byte(`<div class="entry">{{.Title}} by {{current_user}}</div>`)},
		"page.html": {Data: []byte(`<html><head><title>t</title></head><body>` +
			`{{range .}}{{module "Entry" .}}{{end}}</body></html>`)},
		"fragment.html": {Data: []byte(`{{module "Entry" .}}`)},
		"unknown.html":  {Data: []byte(`{{module "Nope" .}}`)},
	}
	static := fstest.MapFS{"entry.css": {Data: []byte("div{}"), ModTime: time.Now()}}
	type entry struct{ Title string }
	rec := &records{}
	base := serve(t, NewApplication([]*URLSpec{
		page("/", "page.html", []entry{{"one"}, {"<two>"}}),
		page("/fragment", "fragment.html", entry{"f"}),
		page("/unknown", "unknown.html", nil),
	}, Settings{
		TemplateFS: fsys, StaticFS: static, Logger: slog.New(rec),
		UIModules: map[string]*UIModule{"Entry": {
			Template:    "modules/entry.html",
			CSSFiles:    []string{"entry.css", "https://cdn.example/x.css"},
			JSFiles:     []string{"/js/entry.js"},
			EmbeddedCSS: ".entry{color:red}",
			EmbeddedJS:  "init();",
		}},
	}))
	code, body := fetch(t, base+"/?user=ann")
	require.Equal(t, 200, code, body)
	assert.Regexp(t, `^<html><head><title>t</title>`+
		`<link href="/static/entry.css\?v=[0-9a-f]{32}" type="text/css" rel="stylesheet"/>`+
		`<link href="https://cdn.example/x.css" type="text/css" rel="stylesheet"/>`+
		"<style type=\"text/css\">\n\\.entry\\{color:red\\}\n</style>\n</head><body>"+
		`<div class="entry">one by ann</div><div class="entry">&lt;two&gt; by ann</div>`+
		`<script src="/js/entry.js" type="text/javascript"></script>`+
		"<script type=\"text/javascript\">\n//<!\\[CDATA\\[\ninit\\(\\);\n//\\]\\]>\n</script>\n</body></html>$", body)
	code, _ = fetch(t, base+"/fragment")
	assert.Equal(t, 500, code, "no </head> for the module's CSS")
	assert.Contains(t, rec.errors(), ErrNoPlaceForResources.Error())
	code, _ = fetch(t, base+"/unknown")
	assert.Equal(t, 500, code)
	assert.Contains(t, rec.errors(), `no UI module with that name: "Nope"`)
}

// TestTemplateDebugReloads: with Debug a changed file is read again on the
// next Render; without it the first parse is kept.
func TestTemplateDebugReloads(t *testing.T) {
	for _, debug := range []bool{true, false} {
		t.Run(fmt.Sprint("debug=", debug), func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, text string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
			}
			write("base.html", `[{{block "body" .}}{{end}}]`)
			write("page.html", `{{template "base.html" .}}{{define "body"}}one{{end}}`)
			base := serve(t, NewApplication([]*URLSpec{page("/", "page.html", nil)}, Settings{TemplatePath: dir, Debug: debug}))
			_, body := fetch(t, base+"/")
			require.Equal(t, "[one]", body)
			write("base.html", `({{block "body" .}}{{end}})`)
			write("page.html", `{{template "base.html" .}}{{define "body"}}two{{end}}`)
			_, body = fetch(t, base+"/")
			if debug {
				assert.Equal(t, "(two)", body)
			} else {
				assert.Equal(t, "[one]", body)
			}
		})
	}
}

// TestTemplateErrors: a parse error names the file and line; a missing
// page, or a layout a page calls that is missing, is ErrTemplateNotFound
// naming both, answered 500 and logged, never a panic (serve fails the
// test on a panic that reaches the loop, and a handler's is logged as one).
func TestTemplateErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"bad.html":       {Data: []byte("line 1\nline 2\n{{if}}\n")},
		"uses_bad.html":  {Data: []byte(`{{template "bad.html"}}`)},
		"orphan.html":    {Data: []byte(`{{template "layout.html" .}}{{define "body"}}x{{end}}`)},
		"a.html":         {Data: []byte(`{{template "nobody.html"}}{{define "shared"}}a{{end}}`)},
		"b.html":         {Data: []byte(`{{define "shared"}}b{{end}}`)},
		"c.html":         {Data: []byte(`{{define "shared"}}c{{end}}`)},
		"ambiguous.html": {Data: []byte(`{{template "shared"}}`)},
		"badfunc.html":   {Data: []byte("ok\n{{nosuchfunc}}")},
		"good.html":      {Data: []byte(`fine`)},
	}
	rec := &records{}
	errs := make(chan error, 1)
	cases := []struct {
		page, want string
		notFound   bool
	}{
		{"bad.html", "template: bad.html:3: missing value for if", false},
		{"uses_bad.html", "template: bad.html:3: missing value for if", false},
		{"badfunc.html", `template: badfunc.html:2: function "nosuchfunc" not defined`, false},
		{"nope.html", `web: template not found: "nope.html"`, true},
		{"orphan.html", `orphan.html calls "layout.html", which is no file under the template root and is not defined by orphan.html`, true},
		{"ambiguous.html", `ambiguous.html calls "shared", which is defined by several files (b.html, c.html): rendering ambiguous.html`, true},
	}
	specs := []*URLSpec{page("/good", "good.html", nil)}
	for _, tc := range cases {
		specs = append(specs, URL("/"+tc.page, &renderHandler{Page: tc.page, Errs: errs}))
	}
	base := serve(t, NewApplication(specs, Settings{TemplateFS: fsys, Logger: slog.New(rec)}))
	for _, tc := range cases {
		code, _ := fetch(t, base+"/"+tc.page)
		assert.Equal(t, 500, code, tc.page)
		select {
		case err := <-errs:
			require.Error(t, err, tc.page)
			assert.Contains(t, err.Error(), tc.want, tc.page)
			assert.Equal(t, tc.notFound, errors.Is(err, ErrTemplateNotFound), tc.page)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no error reported", tc.page)
		}
		_, body := fetch(t, base+"/good")
		assert.Equal(t, "fine", body, "the other pages still render")
	}
	log := rec.errors()
	assert.Contains(t, log, "web: uncaught error")
	assert.Contains(t, log, "bad.html:3")
	assert.NotContains(t, log, "panic")
}

// TestTemplateRendersOnSeveralLoops: one application on two loops (two
// servers) and under net/http, each rendering two pages over one layout
// with modules and ns at once: every answer is its own page's, and -race
// sees no shared state.
func TestTemplateRendersOnSeveralLoops(t *testing.T) {
	fsys := fstest.MapFS{
		"base.html":  {Data: []byte(`<head></head><body>{{block "content" .}}{{end}}|{{ns.current_user}}</body>`)},
		"a.html":     {Data: []byte(`{{define "content"}}A{{.}}{{module "M" .}}{{end}}{{template "base.html" .}}`)},
		"b.html":     {Data: []byte(`{{template "base.html" .}}{{define "content"}}B{{.}}{{end}}`)},
		"_m.html":    {Data: []byte(`<i>{{current_user}}</i>`)},
		"other.html": {Data: []byte(`{{define "content"}}other{{end}}{{template "base.html" .}}`)},
	}
	rec := &records{}
	defer func() {
		if t.Failed() {
			t.Log(rec.errors())
		}
	}()
	app := NewApplication([]*URLSpec{page("/a", "a.html", 1), page("/b", "b.html", 2)}, Settings{
		TemplateFS: fsys, Logger: slog.New(rec),
		UIModules: map[string]*UIModule{"M": {Template: "_m.html", EmbeddedJS: "m()"}},
	})
	addr1, _ := serveOn(t, app, withDelegate)
	addr2, _ := serveOn(t, app, withDelegate)
	hs := httptest.NewServer(app)
	t.Cleanup(func() { hs.Close(); app.Close() })
	bases := []string{"http://" + addr1, "http://" + addr2, hs.URL}
	want := map[string]string{
		"a": "<head></head><body>A1<i>%s</i>|%s<script type=\"text/javascript\">\n//<![CDATA[\nm()\n//]]>\n</script>\n</body>",
		"b": "<head></head><body>B2|%s</body>",
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client(t)
			for j := range 20 {
				p := []string{"a", "b"}[(i+j)%2]
				user := fmt.Sprintf("u%d-%d", i, j)
				resp, err := c.Get(bases[i%len(bases)] + "/" + p + "?user=" + user)
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Error(err)
					return
				}
				body := string(b)
				var w string
				if p == "a" {
					w = fmt.Sprintf(want[p], user, user)
				} else {
					w = fmt.Sprintf(want[p], user)
				}
				if resp.StatusCode != 200 || body != w {
					t.Errorf("%s on %s: %d %q, want %q", p, bases[i%len(bases)], resp.StatusCode, body, w)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestTemplateTranslation(t *testing.T) {
	tr, err := locale.Load(fstest.MapFS{
		"es_LA.csv": {Data: []byte("\"Sign out\",\"Cerrar sesión\"\n" +
			"\"%(n)d entry\",\"%(n)d entrada\",\"singular\"\n" +
			"\"%(n)d entries\",\"%(n)d entradas\",\"plural\"\n")},
	})
	require.NoError(t, err)
	fsys := fstest.MapFS{
		"t.html":   {Data: []byte(`{{(locale).Code}}|{{_ "Sign out"}}|{{_ "%(n)d entry" "%(n)d entry" 1}}|{{_ "%(n)d entry" "%(n)d entries" 3}}|{{_ "untranslated"}}`)},
		"bad.html": {Data: []byte(`{{_ "x" "y"}}`)},
	}
	base := serve(t, NewApplication([]*URLSpec{
		page("/", "t.html", nil),
		page("/bad", "bad.html", nil),
	}, Settings{TemplateFS: fsys, Translations: tr}))
	c := client(t)
	_, body := do(t, c, "GET", base+"/", "", "Accept-Language", "fr;q=0.5, es-LA")
	assert.Equal(t, "es_LA|Cerrar sesión|%(n)d entrada|%(n)d entradas|untranslated", body)
	_, body = do(t, c, "GET", base+"/", "")
	assert.Equal(t, "en_US|Sign out|%(n)d entry|%(n)d entries|untranslated", body, "no Accept-Language: the default locale")
	resp, _ := do(t, c, "GET", base+"/bad", "")
	assert.Equal(t, 500, resp.StatusCode, "a misused _ fails the render, not the loop")
}

func TestTemplatesAreBuiltAtStartup(t *testing.T) {
	fsys := fstest.MapFS{
		"base.html": {Data: []byte(`<main>{{template "content" .}}</main>`)},
		"page.html": {Data: []byte(`{{template "base.html" .}}{{define "content"}}built{{end}}`)},
	}
	app := NewApplication([]*URLSpec{page("/", "page.html", nil)}, Settings{TemplateFS: fsys})
	// The files go away after NewApplication: the page renders from the
	// set built then. (A layout alone, whose "content" only pages define,
	// is not an error.)
	delete(fsys, "page.html")
	delete(fsys, "base.html")
	code, body := fetch(t, serve(t, app))
	assert.Equal(t, 200, code)
	assert.Equal(t, "<main>built</main>", body)

	broken := fstest.MapFS{
		"ok.html":  {Data: []byte(`fine`)},
		"bad.html": {Data: []byte("line one\n{{if}}")},
	}
	err := NewApplication(nil, Settings{TemplateFS: broken, Logger: quiet}).LoadTemplates()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.html:2", "the file and line")
	assert.NotContains(t, err.Error(), "ok.html")
}
