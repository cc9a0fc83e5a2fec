// Rendering, for now: a template set per page, parsed per render.
//
// TODO(tmpl): final/web's Render is being rewritten with one template set
// per page, layout inheritance and UI modules; once it lands this file
// goes, render calls h.Render, and Entry becomes a web.UIModule. The
// templates are already written for it: a page calls {{template
// "base.html" .}} and defines the blocks base.html leaves ("head", "body",
// "bottom"), entries are {{module "Entry" .}}, and the namespace is
// final/web's functions (handler, request, current_user, xsrf_form_html,
// static_url).
//
// Today's Render parses every file into one set, where the last page's
// {{define "body"}} would win for every page.

package blogapp

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"

	"github.com/gornado/gornado/final/web"
)

// layoutFiles are parsed into every page's set before the page, whose
// {{define}}s then override their blocks.
var layoutFiles = []string{"base.html", "modules/entry.html"}

// uiModules maps a {{module}} name to its template (Tornado's ui_modules).
var uiModules = map[string]string{"Entry": "modules/entry.html"}

// render executes the page with data as dot and finishes the response.
func (h *BaseHandler) render(page string, data any) error {
	var t *template.Template
	funcs := template.FuncMap{
		"static_url":     h.StaticURL,
		"handler":        func() any { return h },
		"request":        func() *web.HTTPServerRequest { return h.Request },
		"current_user":   h.CurrentUser,
		"xsrf_form_html": func() template.HTML { return template.HTML(h.XSRFFormHTML()) },
		"xsrf_token":     h.XSRFToken,
		"module": func(name string, arg any) (template.HTML, error) {
			file, ok := uiModules[name]
			if !ok {
				return "", fmt.Errorf("blogapp: no UI module %q", name)
			}
			var b bytes.Buffer
			err := t.ExecuteTemplate(&b, file, arg)
			return template.HTML(b.String()), err
		},
	}
	t = template.New(page).Funcs(funcs)
	for _, name := range append(layoutFiles, page) {
		text, err := fs.ReadFile(files, "templates/"+name)
		if err != nil {
			return err
		}
		nt := t
		if name != page {
			nt = t.New(name)
		}
		if _, err := nt.Parse(string(text)); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return err
	}
	if err := h.WriteBytes(b.Bytes()); err != nil {
		return err
	}
	return h.Finish()
}
