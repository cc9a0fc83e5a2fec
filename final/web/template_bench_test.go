// BenchmarkRender: a page of a layout, a block and a 12-row table, among 30
// templates, rendered through Application over loopback. It uses only
// Render and Settings.TemplateFS, so that it runs against the API of
// every version (docs/performance-notes.md compares them).

package web

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// benchRow is one row of the benchmark's table.
type benchRow struct {
	ID    int
	Name  string
	Email string
	Score float64
}

type renderBench struct{ RequestHandler }

func (h *renderBench) Get(...string) error { return h.Render("page.html", benchPage) }

// benchPage is the data rendered, made once: the benchmark measures Render.
var benchPage = func() map[string]any {
	rows := make([]benchRow, 12)
	for i := range rows {
		rows[i] = benchRow{ID: i, Name: fmt.Sprintf("user <%d>", i), Email: fmt.Sprintf("u%d@example.com", i), Score: float64(i) * 1.5}
	}
	return map[string]any{"Title": "Users & scores", "Rows": rows}
}()

// renderBenchFS is the page, its layout, and 27 other templates that a
// real application would have beside them.
func renderBenchFS() fstest.MapFS {
	fsys := fstest.MapFS{
		"base.html": {Data: []byte(`<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{{.Title}}</title>` +
			`<link rel="stylesheet" href="/static/site.css"></head><body><nav><a href="/">Home</a> <a href="/users">Users</a></nav>` +
			`{{template "content" .}}<footer>gornado</footer></body></html>`)},
		"page.html": {Data: []byte(`{{define "content"}}<h1>{{.Title}}</h1><table><tr><th>ID</th><th>Name</th><th>Email</th><th>Score</th></tr>` +
			`{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.Name}}</td><td><a href="mailto:{{.Email}}">{{.Email}}</a></td><td>{{.Score}}</td></tr>{{end}}` +
			`</table>{{end}}{{template "base.html" .}}`)},
	}
	for i := range 27 {
		fsys[fmt.Sprintf("other%02d.html", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			`{{define "other%02d_body"}}<section><h2>{{.Title}}</h2>{{range .Items}}<p class="item">{{.Name}}: {{.Value}}</p>{{end}}</section>{{end}}`+
				`<div id="other%02d">{{template "other%02d_body" .}}{{if .Footer}}<footer>{{.Footer}}</footer>{{end}}</div>`, i, i, i))}
	}
	return fsys
}

func BenchmarkRender(b *testing.B) {
	app := NewApplication([]*URLSpec{URL("/", &renderBench{})}, Settings{TemplateFS: renderBenchFS()})
	addr := strings.TrimPrefix(serve(b, app), "http://")
	c, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer c.Close()
	req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	n := responseLen(b, c, req)
	buf := make([]byte, n)
	c.Write(req)
	_, err = io.ReadFull(c, buf)
	require.NoError(b, err)
	require.Contains(b, string(buf), "<td>user &lt;11&gt;</td>")
	require.Contains(b, string(buf), "<footer>gornado</footer>")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}
