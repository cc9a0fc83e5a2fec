// Render: html/template files from TemplatePath or TemplateFS, one
// template set per page, with Tornado's template namespace (handler,
// request, current_user, xsrf_form_html, static_url, reverse_url, ns,
// module) as functions.
//
// # Why one set per page
//
// html/template names are global to a set: when every file is parsed into
// one set, two pages that each {{define "content"}} over one layout leave
// one "content", the last parsed, and both pages render it. Tornado's
// {% extends %} has no such problem: each page's blocks override its own
// parents only. So each page gets a set of its own, as Go's
// template.ParseFiles(layout, page) gives: the page, the templates it calls
// (layouts, the layouts they call, partials), parsed dependencies first so
// that the page's own {{define}}s are the last word. What a file calls is
// read from its parse tree (TemplateNode names), never by matching text.
//
// # Why no Clone per request
//
// html/template functions are bound at parse time, and the per-request ones
// (current_user, xsrf_form_html, ...) need the handler rendering now.
// Cloning the set per request to bind them copied every parse tree and
// escaped the copy again at its Execute: BenchmarkRender's page among 30
// templates cost 3,244 allocations and 165 KB, against 491 and 10 KB now
// (docs/performance-notes.md). Instead, each loop gets its own clone of a
// page's set, made the first time the loop renders the page, whose
// functions read the render in progress on that loop (loopTemplates.cur).
// A loop runs one callback at a time on one goroutine (coroutine steps are
// switched to, never run beside it), and Execute never yields to the loop,
// so while a template executes nothing else on the loop can start a render:
// the slot needs no lock, and the clones are never shared between loops.
// ServeHTTP runs handlers on the application's loop too (nethttp.go), so
// the same holds under net/http.

package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"text/template/parse"

	"github.com/gornado/gornado/final/locale"
)

// ---- the template files and each page's set ------------------------------

// templateCache is an Application's templates: the index of the files and
// each page's set, built at first use. With Debug nothing is kept and every
// render reads the files again (Tornado's compiled_template_cache=False).
type templateCache struct {
	// mu guards the fields below, and the Clone of a master (made once
	// per loop and page).
	mu sync.Mutex
	// index is the scan of every file, nil before the first render.
	index *templateIndex
	// masters holds each page's set as parsed, by the page's path. A
	// master is never executed (html/template cannot Clone a set after
	// that): loops execute clones of it.
	masters map[string]*template.Template
}

// templateIndex is what each template file defines and calls, read from
// its parse tree: enough to know which files a page's set needs.
type templateIndex struct {
	// files holds the files by path relative to the template root.
	files map[string]*templateFile
	// libraries maps a {{define}} name to the definition-only files that
	// define it (see templateFile.library).
	libraries map[string][]string
}

// templateFile is one template file.
type templateFile struct {
	// text is the file's content, parsed again into each set that needs it
	// (html/template escapes a set's trees in place, so sets cannot share
	// them).
	text string
	// err is the file's parse error ("template: page.html:3: ..."); a page
	// that needs the file fails with it, the others do not.
	err error
	// defines are the names the file {{define}}s or {{block}}s, and calls
	// the names its {{template}} and {{block}} actions call, in order.
	defines []string
	calls   []string
	// library is set for a file with no body of its own outside its
	// {{define}}s (Go's "common.html" of shared definitions): a name it
	// defines may be called by any page, which brings the file in. The
	// blocks of a file with a body (a page, a layout) are overrides local
	// to the sets that include it, and never bring it in.
	library bool
}

// templateRoot returns the file system the templates are read from.
func (a *Application) templateRoot() fs.FS {
	if a.Settings.TemplateFS != nil {
		return a.Settings.TemplateFS
	}
	dir := a.Settings.TemplatePath
	if dir == "" {
		dir = "."
	}
	return os.DirFS(dir)
}

// scanTemplates reads and scans every .html file under the template root.
// A file that does not parse is kept with its error.
func scanTemplates(fsys fs.FS) (*templateIndex, error) {
	ix := &templateIndex{files: map[string]*templateFile{}, libraries: map[string][]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		f := scanFile(p, string(b))
		ix.files[p] = f
		if f.library {
			for _, name := range f.defines {
				ix.libraries[name] = append(ix.libraries[name], p)
			}
		}
		return nil
	})
	return ix, err
}

// scanFile parses one file with text/template/parse (functions are checked
// later, when html/template parses the file into a set) and walks its trees
// for what it defines and calls.
func scanFile(name, text string) *templateFile {
	f := &templateFile{text: text}
	tr := parse.New(name)
	tr.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tr.Parse(text, "", "", trees); err != nil {
		f.err = err
		return f
	}
	main := trees[name]
	f.library = main == nil || parse.IsEmptyTree(main.Root)
	for _, n := range slices.Sorted(maps.Keys(trees)) {
		if n != name {
			f.defines = append(f.defines, n)
		}
		walkCalls(trees[n].Root, &f.calls)
	}
	return f
}

// walkCalls appends the template names n calls ({{template}}, and the call
// half of {{block}}) to calls, once each.
func walkCalls(n parse.Node, calls *[]string) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkCalls(c, calls)
		}
	case *parse.TemplateNode:
		if !slices.Contains(*calls, n.Name) {
			*calls = append(*calls, n.Name)
		}
	case *parse.IfNode:
		walkCalls(n.List, calls)
		walkCalls(n.ElseList, calls)
	case *parse.RangeNode:
		walkCalls(n.List, calls)
		walkCalls(n.ElseList, calls)
	case *parse.WithNode:
		walkCalls(n.List, calls)
		walkCalls(n.ElseList, calls)
	}
}

// pageFiles returns the files of page's set, each after the files it
// calls, so that the page comes last and its {{define}}s override those
// of its layouts, as later files do in template.ParseFiles. A name that is
// no file must be defined by one of them, or by exactly one library file,
// which is brought in.
func (ix *templateIndex) pageFiles(page string) ([]string, error) {
	if ix.files[page] == nil {
		return nil, fmt.Errorf("%w: %q (no such .html file under the template root)", ErrTemplateNotFound, page)
	}
	var order []string
	seen := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if seen[name] {
			return nil // already in the set, or being added (a cycle)
		}
		seen[name] = true
		f := ix.files[name]
		if f.err != nil {
			return f.err
		}
		for _, c := range f.calls {
			if ix.files[c] != nil {
				if err := visit(c); err != nil {
					return err
				}
			} else if libs := ix.libraries[c]; len(libs) == 1 {
				if err := visit(libs[0]); err != nil {
					return err
				}
			}
		}
		order = append(order, name)
		return nil
	}
	if err := visit(page); err != nil {
		return nil, err
	}
	// Every name called must now be defined within the set: html/template
	// would refuse the set at its first Execute anyway, with an error
	// that does not say which page was asked for.
	defined := map[string]bool{}
	for _, name := range order {
		defined[name] = true
		for _, d := range ix.files[name].defines {
			defined[d] = true
		}
	}
	for _, name := range order {
		for _, c := range ix.files[name].calls {
			if defined[c] {
				continue
			}
			if libs := ix.libraries[c]; len(libs) > 1 {
				return nil, fmt.Errorf("%w: %s calls %q, which is defined by several files (%s): rendering %s",
					ErrTemplateNotFound, name, c, strings.Join(libs, ", "), page)
			}
			return nil, fmt.Errorf("%w: %s calls %q, which is no file under the template root and is not defined by %s or the templates it calls",
				ErrTemplateNotFound, name, c, page)
		}
	}
	return order, nil
}

// buildPage parses page's set: its files in pageFiles' order, the page
// itself last, as the set's root. funcs are the functions they parse with.
func (ix *templateIndex) buildPage(page string, funcs template.FuncMap) (*template.Template, error) {
	order, err := ix.pageFiles(page)
	if err != nil {
		return nil, err
	}
	root := template.New(page).Funcs(funcs)
	for _, name := range order[:len(order)-1] {
		if _, err := root.New(name).Parse(ix.files[name].text); err != nil {
			return nil, err
		}
	}
	if _, err := root.Parse(ix.files[page].text); err != nil {
		return nil, err
	}
	return root, nil
}

// LoadTemplates reads every template under TemplatePath (or TemplateFS)
// and builds the set of every page now, rather than at each page's first
// render, and reports what is broken: every file that does not parse
// ("template: page.html:3: ..."), and every set that cannot be built for a
// reason other than a name it leaves to the pages that call it (a layout
// alone is not a page). NewApplication calls it when a template path or
// file system is set, and logs what it reports; a main that wants to stop
// on a broken template calls it itself. With Debug nothing is kept, as
// every render reads the files again.
func (a *Application) LoadTemplates() error {
	ix, err := scanTemplates(a.templateRoot())
	if err != nil {
		return err
	}
	masters := map[string]*template.Template{}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(ix.files)) {
		f := ix.files[name]
		switch {
		case f.err != nil:
			errs = append(errs, f.err)
		case f.library:
		default:
			t, err := ix.buildPage(name, a.templateFuncs(nil))
			switch {
			case err == nil:
				masters[name] = t
			case !errors.Is(err, ErrTemplateNotFound):
				errs = append(errs, err)
			}
		}
	}
	if !a.Settings.Debug {
		a.tmpl.mu.Lock()
		a.tmpl.index, a.tmpl.masters = ix, masters
		a.tmpl.mu.Unlock()
	}
	return errors.Join(errs...)
}

// master returns page's set as parsed, building it at first use; with
// Debug it reads the files again and keeps nothing (fresh is then true:
// the set is the caller's own, to execute without cloning).
func (a *Application) master(page string) (t *template.Template, fresh bool, err error) {
	c := &a.tmpl
	if a.Settings.Debug {
		ix, err := scanTemplates(a.templateRoot())
		if err != nil {
			return nil, false, err
		}
		t, err := ix.buildPage(page, a.templateFuncs(nil))
		return t, true, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.index == nil {
		ix, err := scanTemplates(a.templateRoot())
		if err != nil {
			return nil, false, err
		}
		c.index, c.masters = ix, map[string]*template.Template{}
	}
	if t := c.masters[page]; t != nil {
		return t, false, nil
	}
	t, err = c.index.buildPage(page, a.templateFuncs(nil))
	if err != nil {
		return nil, false, err // not kept: a missing page is not worth a map entry per name tried
	}
	c.masters[page] = t
	return t, false, nil
}

// cloneMaster clones a master for a loop. Masters are shared by every
// loop; cloning them under the cache's lock keeps that simple to reason
// about, and happens once per loop and page.
func (a *Application) cloneMaster(t *template.Template) (*template.Template, error) {
	a.tmpl.mu.Lock()
	defer a.tmpl.mu.Unlock()
	return t.Clone()
}

// ---- per-loop sets and the render in progress ------------------------------

// tmplKey keys an application's loopTemplates in ioloop.Value.
type tmplKey struct{ app *Application }

// loopTemplates is one loop's share of an application's templates. Only
// the loop's goroutine touches it.
type loopTemplates struct {
	app *Application
	// sets holds this loop's clone of each page's set, by page; its
	// functions are funcs.
	sets map[string]*template.Template
	// funcs are the template functions bound to cur, made once.
	funcs template.FuncMap
	// cur is the render in progress on this loop, nil between renders. A
	// UI module's template runs inside its page's render and shares it.
	cur *renderState
	// top is the storage of the outermost render's state, reused.
	top renderState
	// buf receives Render's output; reused (WriteBytes copies it out).
	buf bytes.Buffer
}

// renderState is one render: the handler it is for, and what its
// templates used.
type renderState struct {
	// rh is the handler rendering.
	rh *RequestHandler
	// ns is the handler's GetTemplateNamespace, asked for on first use.
	ns map[string]any
	// modules are the UI modules the render used, in order, once each:
	// Render puts their CSS and JS into the page.
	modules []*UIModule
}

// templatesOnLoop returns rh's loop's templates, made on first use. A
// handler not served on a loop (a RequestHandler made by hand) gets a
// throwaway one, which clones on every render.
func (rh *RequestHandler) templatesOnLoop() *loopTemplates {
	a := rh.Application
	if rh.loop != nil {
		if lt, ok := rh.loop.Value(tmplKey{a}).(*loopTemplates); ok {
			return lt
		}
	}
	lt := &loopTemplates{app: a, sets: map[string]*template.Template{}}
	lt.funcs = a.templateFuncs(lt)
	if rh.loop != nil {
		rh.loop.SetValue(tmplKey{a}, lt)
	}
	return lt
}

// set returns this loop's set for page, ready to execute.
func (lt *loopTemplates) set(page string) (*template.Template, error) {
	if t := lt.sets[page]; t != nil {
		return t, nil
	}
	m, fresh, err := lt.app.master(page)
	if err != nil {
		return nil, err
	}
	if fresh {
		return m.Funcs(lt.funcs), nil
	}
	t, err := lt.app.cloneMaster(m)
	if err != nil {
		return nil, err
	}
	t.Funcs(lt.funcs)
	lt.sets[page] = t
	return t, nil
}

// execute runs page with data into w as part of rh's render, starting one
// unless a render is in progress on the loop for the same handler (a UI
// module within its page). It returns the render's state, valid until the
// next render on the loop.
func (lt *loopTemplates) execute(rh *RequestHandler, w *bytes.Buffer, page string, data any) (*renderState, error) {
	t, err := lt.set(page)
	if err != nil {
		return nil, err
	}
	prev := lt.cur
	st := prev
	switch {
	case prev == nil:
		st = &lt.top
		*st = renderState{rh: rh, modules: st.modules[:0]}
	case prev.rh != rh:
		// A render inside another handler's (a template function that
		// renders for another handler): its own state, restored after.
		st = &renderState{rh: rh}
	}
	lt.cur = st
	defer func() {
		lt.cur = prev
		if prev == nil {
			st.rh, st.ns = nil, nil // the modules stay, for Render
		}
	}()
	return st, t.Execute(w, data)
}

// RenderString executes the template name (its path under TemplatePath,
// "page.html" or "admin/list.html") with data and returns the output,
// Tornado's render_string. html/template escapes for the context
// (autoescape is always on). The set executed holds name, the templates it
// calls and nothing else, so its {{define}}s override those of its layouts
// for this page only. A missing template, or one it calls, is
// ErrTemplateNotFound; a parse error names the file and line. Call it on
// the request's loop, like every RequestHandler method.
func (rh *RequestHandler) RenderString(name string, data any) ([]byte, error) {
	if !rh.live() {
		return nil, ErrFinished
	}
	var b bytes.Buffer
	if _, err := rh.templatesOnLoop().execute(rh, &b, name, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Render executes the template name with data, puts the CSS and JavaScript
// of the UI modules it used before </head> and </body>, writes the result
// and finishes the response: Tornado's render.
func (rh *RequestHandler) Render(name string, data any) error {
	if !rh.live() {
		return ErrFinished
	}
	lt := rh.templatesOnLoop()
	outer := lt.cur == nil
	b := &lt.buf
	if !outer {
		b = new(bytes.Buffer) // Render inside a render: lt.buf is taken
	}
	b.Reset()
	st, err := lt.execute(rh, b, name, data)
	if err == nil {
		err = rh.writeWithResources(b.Bytes(), st.modules, name)
	}
	if outer {
		if b.Cap() > 1<<20 {
			lt.buf = bytes.Buffer{} // one huge page does not pin its buffer
		}
	}
	if err != nil {
		return err
	}
	return rh.Finish()
}

// ---- the namespace ---------------------------------------------------------

// GetTemplateNamespace is Hooks' default: what templates see as ns,
// Tornado's get_template_namespace: "handler" (the handler, your type), "request"
// and "current_user". Define GetTemplateNamespace on your handler type to
// add to it; call this one for the defaults:
//
//	func (h *Home) GetTemplateNamespace() map[string]any {
//		ns := h.RequestHandler.GetTemplateNamespace()
//		ns["title"] = "Home"
//		return ns
//	}
//
// and read {{ns.title}} in the template. It is called once per render, on
// the first use of ns; a render that does not use ns does not call it.
func (rh *RequestHandler) GetTemplateNamespace() map[string]any {
	rh.live()
	return map[string]any{
		"handler":      rh.self,
		"request":      rh.Request,
		"current_user": rh.CurrentUser(),
	}
}

// templateFuncs returns the functions templates are parsed and executed
// with: the per-request ones read lt.cur (lt is nil for parsing, when
// they are never called), then Settings.TemplateFuncs, which may replace
// any of them.
func (a *Application) templateFuncs(lt *loopTemplates) template.FuncMap {
	cur := func() *RequestHandler {
		if lt == nil || lt.cur == nil {
			return nil
		}
		return lt.cur.rh
	}
	m := template.FuncMap{
		// The application's: the same for every request.
		"static_url":  a.StaticURL,
		"reverse_url": a.ReverseURL,

		// The request's, read from the render in progress.
		"handler": func() any {
			if rh := cur(); rh != nil {
				return rh.self
			}
			return nil
		},
		"request": func() *HTTPServerRequest {
			if rh := cur(); rh != nil {
				return rh.Request
			}
			return nil
		},
		"current_user": func() any {
			if rh := cur(); rh != nil {
				return rh.CurrentUser()
			}
			return nil
		},
		"xsrf_form_html": func() template.HTML {
			if rh := cur(); rh != nil {
				return template.HTML(rh.XSRFFormHTML())
			}
			return ""
		},
		"xsrf_token": func() string {
			if rh := cur(); rh != nil {
				return rh.XSRFToken()
			}
			return ""
		},
		"ns": func() map[string]any {
			if lt == nil || lt.cur == nil {
				return nil
			}
			st := lt.cur
			if st.ns == nil {
				st.ns = st.rh.self.GetTemplateNamespace() // a hook: the handler's own first
			}
			return st.ns
		},
		"module": func(name string, arg ...any) (template.HTML, error) {
			if lt == nil || lt.cur == nil {
				return "", nil
			}
			return lt.renderModule(name, arg)
		},
		// Translation: the handler's Locale (GetUserLocale, then the
		// browser's), Tornado's locale and _ in templates.
		"locale": func() *locale.Locale {
			if rh := cur(); rh != nil {
				return rh.Locale()
			}
			return nil
		},
		"_": func(message string, plural ...any) (string, error) {
			rh := cur()
			if rh == nil {
				return message, nil
			}
			return translate(rh.Locale(), message, plural)
		},
	}
	maps.Copy(m, a.Settings.TemplateFuncs)
	return m
}

// translate is the template function _: {{_ "Sign in"}}, or with a
// plural and a count, {{_ "%(n)d item" "%(n)d items" .N}} (Tornado's
// _(message, plural_message, count)). The count may be any integer type.
func translate(l *locale.Locale, message string, plural []any) (string, error) {
	switch len(plural) {
	case 0:
		return l.Translate(message, "", 0), nil
	case 2:
		p, ok := plural[0].(string)
		if !ok {
			return "", fmt.Errorf("web: _ %q: the plural message must be a string, not %T", message, plural[0])
		}
		n, ok := asCount(plural[1])
		if !ok {
			return "", fmt.Errorf("web: _ %q: the count must be an integer, not %T", message, plural[1])
		}
		return l.Translate(message, p, n), nil
	}
	return "", fmt.Errorf("web: _ %q takes a message, or a message, a plural and a count", message)
}

// asCount converts a template's integer to int.
func asCount(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	case uint64:
		return int(n), true
	}
	return 0, false
}

// ---- UI modules --------------------------------------------------------------

// UIModule is a reusable piece of page with its own template, CSS and
// JavaScript, Tornado's UIModule (a TemplateModule with its resources):
// register it in Settings.UIModules and embed it with
// {{module "Entry" .}}. Render gathers the resources of the modules a page
// used, each once, and puts them into the page: the CSS before </head>, the
// JavaScript before the last </body>, as Tornado does.
type UIModule struct {
	// Template is the module's template, a path under the template root,
	// executed with the module's argument as dot (and the page's
	// functions: current_user, ns...).
	Template string
	// CSSFiles and JSFiles are linked from the page: a path relative to
	// the static root goes through static_url, one starting with "/" or
	// holding "://" is used as it is.
	CSSFiles []string
	JSFiles  []string
	// EmbeddedCSS and EmbeddedJS are put into the page inside <style> and
	// <script> elements. They are program text, not escaped.
	EmbeddedCSS string
	EmbeddedJS  string
	// HTMLHead and HTMLBody are put before </head> and </body> as they are.
	HTMLHead template.HTML
	HTMLBody template.HTML
}

// renderModule executes the UI module name's template with arg as dot,
// within the render in progress, and notes the module for its resources.
func (lt *loopTemplates) renderModule(name string, arg []any) (template.HTML, error) {
	m := lt.app.Settings.UIModules[name]
	if m == nil {
		return "", fmt.Errorf("%w: %q", ErrUnknownUIModule, name)
	}
	var dot any
	switch len(arg) {
	case 0:
	case 1:
		dot = arg[0]
	default:
		dot = arg
	}
	st := lt.cur
	if !slices.Contains(st.modules, m) {
		st.modules = append(st.modules, m)
	}
	var b bytes.Buffer
	if _, err := lt.execute(st.rh, &b, m.Template, dot); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// writeWithResources writes page to the response with the resources of
// modules put in (Tornado's render: linked and embedded CSS and html_head
// before the first </head>, linked and embedded JavaScript and html_body
// before the last </body>). A page whose modules have resources it has no
// place for is an error, as in Tornado, rather than a page without them.
func (rh *RequestHandler) writeWithResources(page []byte, modules []*UIModule, name string) error {
	if len(modules) == 0 {
		return rh.WriteBytes(page)
	}
	var head, body bytes.Buffer
	var seen []string
	link := func(p string) string {
		if strings.HasPrefix(p, "/") || strings.Contains(p, "://") {
			return p
		}
		return rh.Application.StaticURL(p)
	}
	once := func(p string) bool {
		if slices.Contains(seen, p) {
			return false
		}
		seen = append(seen, p)
		return true
	}
	for _, m := range modules {
		for _, p := range m.CSSFiles {
			if once(p) {
				fmt.Fprintf(&head, `<link href="%s" type="text/css" rel="stylesheet"/>`, template.HTMLEscapeString(link(p)))
			}
		}
	}
	for _, m := range modules {
		if m.EmbeddedCSS != "" {
			fmt.Fprintf(&head, "<style type=\"text/css\">\n%s\n</style>", m.EmbeddedCSS)
		}
		head.WriteString(string(m.HTMLHead))
	}
	for _, m := range modules {
		for _, p := range m.JSFiles {
			if once(p) {
				fmt.Fprintf(&body, `<script src="%s" type="text/javascript"></script>`, template.HTMLEscapeString(link(p)))
			}
		}
	}
	for _, m := range modules {
		if m.EmbeddedJS != "" {
			fmt.Fprintf(&body, "<script type=\"text/javascript\">\n//<![CDATA[\n%s\n//]]>\n</script>", m.EmbeddedJS)
		}
		body.WriteString(string(m.HTMLBody))
	}
	h, b := 0, len(page) // where head and body go; nothing goes at 0 and at the end
	if head.Len() > 0 {
		if h = bytes.Index(page, []byte("</head>")); h < 0 {
			return fmt.Errorf("%w: %s has no </head> for its UI modules' CSS", ErrNoPlaceForResources, name)
		}
		head.WriteByte('\n')
	}
	if body.Len() > 0 {
		if b = bytes.LastIndex(page, []byte("</body>")); b < 0 {
			return fmt.Errorf("%w: %s has no </body> for its UI modules' JavaScript", ErrNoPlaceForResources, name)
		}
		body.WriteByte('\n')
	}
	if b < h {
		return fmt.Errorf("%w: %s has its last </body> before </head>", ErrNoPlaceForResources, name)
	}
	for _, part := range [][]byte{page[:h], head.Bytes(), page[h:b], body.Bytes(), page[b:]} {
		if err := rh.WriteBytes(part); err != nil {
			return err
		}
	}
	return nil
}
