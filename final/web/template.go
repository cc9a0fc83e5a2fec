// Render: html/template files from TemplatePath or TemplateFS, with
// Tornado's template namespace (static_url, xsrf_form_html, current_user,
// reverse_url) as functions.

package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"os"
	"strings"
)

// templateSet returns the application's templates, parsed once (and on
// every call with Debug, as Tornado's compiled_template_cache=False).
func (a *Application) templateSet() (*template.Template, error) {
	a.tmplMu.Lock()
	defer a.tmplMu.Unlock()
	if a.templates != nil && !a.Settings.Debug {
		return a.templates, nil
	}
	fsys := a.Settings.TemplateFS
	if fsys == nil {
		dir := a.Settings.TemplatePath
		if dir == "" {
			dir = "."
		}
		fsys = os.DirFS(dir)
	}
	root := template.New("").Funcs(a.placeholderFuncs())
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		_, err = root.New(p).Parse(string(b))
		return err
	})
	if err != nil {
		return nil, err
	}
	a.templates = root
	return root, nil
}

// placeholderFuncs declares the per-request functions so that templates
// parse; Render binds them to the handler.
func (a *Application) placeholderFuncs() template.FuncMap {
	m := template.FuncMap{
		"static_url":     a.StaticURL,
		"xsrf_form_html": func() template.HTML { return "" },
		"xsrf_token":     func() string { return "" },
		"current_user":   func() any { return nil },
		"reverse_url":    func(name string, args ...any) (string, error) { return a.ReverseURL(name, args...) },
	}
	for k, v := range a.Settings.TemplateFuncs {
		m[k] = v
	}
	return m
}

// RenderString executes the template name (its path under TemplatePath)
// with data and returns the output, Tornado's render_string. html/template
// escapes for the context (autoescape is always on).
func (rh *RequestHandler) RenderString(name string, data any) ([]byte, error) {
	set, err := rh.app.templateSet()
	if err != nil {
		return nil, err
	}
	t, err := set.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(template.FuncMap{
		"xsrf_form_html": func() template.HTML { return template.HTML(rh.XSRFFormHTML()) },
		"xsrf_token":     rh.XSRFToken,
		"current_user":   rh.CurrentUser,
	})
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Render executes the template name with data, writes the result and
// finishes the response, Tornado's render.
func (rh *RequestHandler) Render(name string, data any) error {
	out, err := rh.RenderString(name, data)
	if err != nil {
		return err
	}
	rh.WriteBytes(out)
	return rh.Finish()
}
