package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/gornado/gornado/final/demos/blog/blogapp"
)

// TestSamePageAsTheBlog: blogref's home page is the blog's, byte for byte
// but for the entries' relative dates, on a SQLite database where the
// blog's author has written five entries through the blog's pages; and
// both send an empty blog's visitor to /compose. What bench/cmd/blogbench
// compares is the same work.
func TestSamePageAsTheBlog(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := blogapp.Open(ctx, filepath.Join(t.TempDir(), "blog.db"), blogapp.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	b := blogapp.NewBlog(store)
	b.BcryptCost = bcrypt.MinCost
	blog, err := blogapp.Start("127.0.0.1:0", blogapp.Config{Blog: b, Loops: 1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(blog.Close)
	h, err := homeHandler(store.DB())
	require.NoError(t, err)
	ref := httptest.NewServer(h)
	t.Cleanup(ref.Close)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}
	for _, base := range []string{blog.URL, ref.URL} {
		resp, _ := get(base + "/")
		assert.Equal(t, 302, resp.StatusCode, base)
		assert.Equal(t, "/compose", resp.Header.Get("Location"), base)
	}

	token := regexp.MustCompile(`name="_xsrf" value="([^"]+)"`)
	post := func(path string, form url.Values) {
		t.Helper()
		_, page := get(blog.URL + path)
		m := token.FindStringSubmatch(page)
		require.NotNil(t, m, "a form at %s", path)
		form.Set("_xsrf", m[1])
		resp, err := c.PostForm(blog.URL+path, form)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 302, resp.StatusCode, path)
	}
	post("/auth/create", url.Values{"email": {"ann@example.com"}, "name": {"Ann"}, "password": {"s3cret"}})
	for _, title := range []string{"One", "Two", "Three", "Four", "Five", "Six <&> \"quoted\""} {
		post("/compose", url.Values{"title": {title}, "markdown": {"Some *text* for " + title + ".\n\n- a\n- list"}})
	}
	get(blog.URL + "/auth/logout") // the benchmark's visitor is not logged in

	date := regexp.MustCompile(`<div class="date">[^<]*</div>`)
	resp, blogPage := get(blog.URL + "/")
	require.Equal(t, 200, resp.StatusCode)
	resp, refPage := get(ref.URL + "/")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, 5, strings.Count(refPage, `<div class="entry">`))
	assert.Contains(t, refPage, "Six &lt;&amp;&gt; &#34;quoted&#34;", "escaped as the blog escapes it")
	assert.Equal(t, date.ReplaceAllString(blogPage, "-"), date.ReplaceAllString(refPage, "-"))
}
