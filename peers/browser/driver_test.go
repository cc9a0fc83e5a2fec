// The driver itself, on a page final's HTTPServer serves: Chromium loads it
// over keep-alive, runs its script, and a click changes the page.

package browser

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/httpserver"
)

const counterPage = `<!doctype html>
<html><head><title>counter</title><script src="/counter.js"></script></head>
<body><button id="b">click</button> <span id="n">0</span></body></html>`

const counterJS = `document.addEventListener("DOMContentLoaded", () => {
	const n = document.getElementById("n");
	document.getElementById("b").addEventListener("click", () => { n.textContent = String(Number(n.textContent) + 1); });
});`

// artifacts returns the directory test artifacts go to: $PEERS_ARTIFACTS,
// or peers/browser/artifacts (ignored by git).
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PEERS_ARTIFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		dir = filepath.Join(wd, "artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// saveArtifact writes data under artifacts(t) and logs where.
func saveArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join(artifacts(t), name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	t.Logf("artifact: %s", path)
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func TestDriverOnFinalServer(t *testing.T) {
	var mu sync.Mutex
	paths := map[string]int{}
	srv := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
		mu.Lock()
		paths[string(req.Path())]++
		mu.Unlock()
		switch string(req.Path()) {
		case "/":
			req.Conn.Respond(200, nil, "text/html; charset=utf-8", []byte(counterPage))
		case "/counter.js":
			req.Conn.Respond(200, nil, "text/javascript", []byte(counterJS))
		default:
			req.Conn.Respond(404, nil, "text/plain", []byte("not found"))
		}
	}))
	require.NoError(t, srv.Bind(0, "127.0.0.1"))
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Close() })

	b := startBrowser(t)
	p := b.newPage("counter", "http://"+srv.Addr("127.0.0.1")+"/")
	var title string
	p.run(`document.title`, &title)
	assert.Equal(t, "counter", title)
	p.run(`document.getElementById("b").click(); document.getElementById("b").click()`, nil)
	p.waitFor(`document.getElementById("n").textContent === "2"`, "two clicks counted")
	png := p.screenshot()
	require.True(t, bytes.HasPrefix(png, pngMagic), "a PNG")
	saveArtifact(t, "driver-counter.png", png)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, paths["/"])
	assert.Equal(t, 1, paths["/counter.js"], "the script ran from final's answer")
}
