// The blog demo (final/demos/blog, a module of its own) in headless
// Chromium, as its first visitor would use it: sent to create the account,
// then to compose; a post published, read, edited, and shown on the home
// page; a script in the post not run; signing out.

package browser

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/peers/internal/peertest"
)

// buildBlog builds the blog demo, from its own module's directory (the
// root module cannot name its package), into the test's directory.
func buildBlog(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "blog")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(args, ".")...)
	cmd.Dir = filepath.Join(repoRoot(t), "final", "demos", "blog")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build final/demos/blog:\n%s", out)
	return bin
}

// submit fills the form's fields (by name) as a person would, presses its
// submit button, and waits for the page the answer loads.
func (p *page) submit(form string, fields map[string]string) {
	p.b.t.Helper()
	var set strings.Builder
	for name, value := range fields {
		fmt.Fprintf(&set, "f.elements[%s].value = %s;", js(name), js(value))
	}
	loaded := p.expect("Page.loadEventFired")
	p.run(fmt.Sprintf(`(() => { const f = document.querySelector(%s); %s f.querySelector("[type=submit]").click(); })()`,
		js(form), set.String()), nil)
	p.await(loaded, "the page after submitting "+form)
}

// click follows a link by its text and waits for the page it loads.
func (p *page) click(text string) {
	p.b.t.Helper()
	loaded := p.expect("Page.loadEventFired")
	p.run(fmt.Sprintf(`[...document.querySelectorAll("a")].find((a) => a.textContent.trim() === %s).click()`, js(text)), nil)
	p.await(loaded, "the page behind "+js(text))
}

// path returns the page's location, path and query.
func (p *page) path() string {
	p.b.t.Helper()
	var s string
	p.run(`location.pathname + location.search`, &s)
	return s
}

func TestBlogDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "blog.db")
	proc := peertest.Start(t, buildBlog(t), "-addr", "127.0.0.1:0", "-db", db, "-logging", "warning")
	var base string
	for base == "" {
		base = urlPattern.FindString(proc.Next(t))
	}
	b := startBrowser(t)

	// The empty blog: / goes to /compose, which wants a login, which
	// wants the first account.
	ann := b.newPage("ann", base+"/")
	require.Equal(t, "/auth/create", ann.path())
	ann.submit(`form[action="/auth/create"]`, map[string]string{"email": "ann@example.com", "name": "Ann", "password": "s3cret"})
	require.Equal(t, "/compose", ann.path(), "logged in, and still no entry")

	// Publish a post whose Markdown tries to run script three ways.
	ann.submit("form.compose", map[string]string{
		"title": "Hello from Chromium",
		"markdown": "Some **bold** text.\n\n<script>window.pwned = 1</script>\n\n" +
			"<img src=\"x\" onerror=\"window.pwned = 2\">\n\n[a link](javascript:window.pwned=3)",
	})
	require.Equal(t, "/entry/hello-from-chromium", ann.path())
	var bold string
	ann.run(`document.querySelector(".entry .body strong").textContent`, &bold)
	assert.Equal(t, "bold", bold)
	var jsLinks int
	ann.run(`[...document.querySelectorAll(".entry a")].filter((a) => a.protocol === "javascript:").length`, &jsLinks)
	assert.Zero(t, jsLinks, "the javascript: link is gone (its text stays)")
	var pwned string
	ann.run(`String(window.pwned)`, &pwned)
	assert.Equal(t, "undefined", pwned, "no script from the post ran")
	var scripts int
	ann.run(`document.querySelectorAll(".entry script, .entry [onerror]").length`, &scripts)
	assert.Zero(t, scripts)

	// Edit it: the form shows the text; the slug stays.
	ann.navigate(base + "/entry/hello-from-chromium")
	ann.click("Edit this post")
	require.Equal(t, "/compose?id=1", ann.path())
	var text string
	ann.run(`document.querySelector("textarea[name=markdown]").value`, &text)
	assert.True(t, strings.HasPrefix(text, "Some **bold** text."), "the form holds the Markdown: %q", text)
	ann.submit("form.compose", map[string]string{"title": "Hello again from Chromium"})
	require.Equal(t, "/entry/hello-from-chromium", ann.path())

	// The home page shows it through the Entry module; the feed link is
	// in the head.
	ann.click("Tornado Blog")
	require.Equal(t, "/", ann.path())
	var title, feed string
	ann.run(`document.querySelector(".entry h1").textContent`, &title)
	ann.run(`document.querySelector('link[type="application/atom+xml"]').getAttribute("href")`, &feed)
	assert.Equal(t, "Hello again from Chromium", title)
	assert.Equal(t, "/feed", feed)

	// The feed has the post, as the browser's XML parser reads it: its
	// title, and its Markdown rendered (and sanitised) as the page's.
	var feedTitle, feedContent string
	ann.run(`fetch("/feed").then((r) => r.text()).then((x) => new DOMParser().parseFromString(x, "application/xml")).then((d) => d.querySelector("parsererror") ? "not XML" : d.querySelector("entry > title").textContent)`, &feedTitle)
	ann.run(`fetch("/feed").then((r) => r.text()).then((x) => new DOMParser().parseFromString(x, "application/xml").querySelector("entry > content").textContent)`, &feedContent)
	assert.Equal(t, "Hello again from Chromium", feedTitle, "the feed is valid XML and holds the post")
	assert.Contains(t, feedContent, "<strong>bold</strong>", "the Markdown, rendered")
	assert.NotContains(t, feedContent, "<script", "sanitised in the feed too")
	png := ann.screenshot()
	require.True(t, strings.HasPrefix(string(png), string(pngMagic)))
	saveArtifact(t, "blog-home.png", png)

	// Sign out: back on the home page, with no edit link.
	ann.click("Sign out")
	require.Equal(t, "/", ann.path())
	var edit bool
	ann.run(`[...document.querySelectorAll("a")].some((a) => a.textContent.trim() === "Edit this post")`, &edit)
	assert.False(t, edit, "signed out")
}
