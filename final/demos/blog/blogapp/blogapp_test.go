// Handler tests of the blog, each run on both engines: SQLite in a
// temporary file, and PostgreSQL on a throw-away server (internal/pgtest)
// shared by the package's tests, a database each.

package blogapp

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/demos/blog/internal/pgtest"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/webtest"
)

// ---- the two engines -----------------------------------------------------------

// pg is the package's PostgreSQL server, started by the first test that
// needs it and stopped by TestMain.
var pg struct {
	once   sync.Once
	server *pgtest.Server
	err    error
}

func TestMain(m *testing.M) {
	// The test binary doubles as the blog's program, so that
	// TestGracefulStopBehindNginx runs real processes (and signals
	// them) without building the command first.
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if pg.server != nil {
		pg.server.Stop()
	}
	os.Exit(code)
}

// postgresDSN returns a fresh database on the package's server. Without
// PostgreSQL installed the test is skipped, except under CI=true, where
// it fails: CI installs it, and a skip there would hide the lost suite.
func postgresDSN(t testing.TB) string {
	t.Helper()
	pg.once.Do(func() { pg.server, pg.err = pgtest.Start() })
	if errors.Is(pg.err, pgtest.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(pg.err)
	}
	require.NoError(t, pg.err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, err := pg.server.NewDatabase(ctx)
	require.NoError(t, err)
	return dsn
}

// sqliteDSN returns a SQLite file that does not exist yet: Open creates it.
func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "blog.db")
}

// engines runs test once per engine, as subtests "sqlite" and "postgres".
func engines(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, sqliteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, postgresDSN(t)) })
}

// ---- a running blog and a browser ---------------------------------------------

// blog is a running blog, served by webtest on a loop of the test's own
// (one loop, so that a test of the loop's freedom means something), and
// its store. The loop's log is the test's: an ERROR that no expectation
// claims fails the test (s.ExpectLog, s.Log().Expect).
type blog struct {
	url   string
	store *Store
	s     *webtest.Server
}

// startBlog opens dsn with opts and serves it on 127.0.0.1:0, the Config
// passed through configure first; cleanup stops the server, then closes
// the store.
func startBlog(t testing.TB, dsn string, opts Options, configure ...func(*Config)) *blog {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := Open(ctx, dsn, opts)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() }) // after the server's stop: cleanups run last first
	b := NewBlog(store)
	b.BcryptCost = bcrypt.MinCost // the default costs ~70 ms a hash, more under -race
	cfg := Config{Blog: b, Secret: "test secret"}
	for _, f := range configure {
		f(&cfg)
	}
	app := App(cfg)
	require.NoError(t, app.LoadTemplates())
	s := webtest.Serve(t, app, webtest.WithServer(func(h *httpserver.HTTPServer) { h.XHeaders = cfg.XHeaders }))
	return &blog{url: s.URL(""), store: store, s: s}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects (the tests check them), and remembers the XSRF token of the
// last form it saw, as a browser would submit it.
type browser struct {
	t     testing.TB
	base  string
	c     *http.Client
	token string
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{t: t, base: base, c: &http.Client{
		Jar:           jar,
		Transport:     tr,
		Timeout:       30 * time.Second, // a hang fails the test
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// xsrfInput finds the token of xsrf_form_html's hidden input.
var xsrfInput = regexp.MustCompile(`<input type="hidden" name="_xsrf" value="([^"]+)"`)

// do sends a request and returns the response and its body. A page with a
// form updates the remembered token.
func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if m := xsrfInput.FindSubmatch(page); m != nil {
		b.token = string(m[1])
	}
	return resp, string(page)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil) }

// post submits form with the remembered XSRF token.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	require.NotEmpty(b.t, b.token, "post before any form was seen")
	f := url.Values{"_xsrf": {b.token}}
	for k, v := range form {
		f[k] = v
	}
	return b.do("POST", path, f)
}

// signUp creates the first author through the pages, and leaves b logged
// in as that author.
func (b *browser) signUp(email, password string) {
	b.t.Helper()
	resp, _ := b.get("/auth/create")
	require.Equal(b.t, 200, resp.StatusCode)
	resp, _ = b.post("/auth/create", url.Values{"email": {email}, "name": {"Ann"}, "password": {password}})
	require.Equal(b.t, 302, resp.StatusCode)
	require.Equal(b.t, "/", resp.Header.Get("Location"))
}

// compose publishes an entry (or edits entry id) and returns where it
// went, "/entry/<slug>".
func (b *browser) compose(id, title, text string) string {
	b.t.Helper()
	path := "/compose"
	if id != "" {
		path += "?id=" + id
	}
	resp, _ := b.get(path)
	require.Equal(b.t, 200, resp.StatusCode)
	form := url.Values{"title": {title}, "markdown": {text}}
	if id != "" {
		form.Set("id", id)
	}
	resp, _ = b.post("/compose", form)
	require.Equal(b.t, 302, resp.StatusCode)
	return resp.Header.Get("Location")
}

// ---- the tests -------------------------------------------------------------------

// TestBlog walks the demo as its author would: an empty blog, the first
// account, entries written, edited and read, the home page, the archive
// and the feed, logging out and in again.
func TestBlog(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		blog := startBlog(t, dsn, Options{})
		ann := newBrowser(t, blog.url)

		// An empty blog sends its first visitor to compose, which needs a
		// login, which needs an account.
		resp, _ := ann.get("/")
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "/compose", resp.Header.Get("Location"))
		resp, _ = ann.get("/compose")
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "/auth/login?next=%2Fcompose", resp.Header.Get("Location"))
		resp, _ = ann.get("/auth/login?next=%2Fcompose")
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "/auth/create", resp.Header.Get("Location"))

		ann.signUp("ann@example.com", "s3cret")
		var hash string
		require.NoError(t, blog.store.DB().QueryRow("SELECT hashed_password FROM authors").Scan(&hash))
		assert.True(t, strings.HasPrefix(hash, "$2a$"), "stored as a bcrypt hash: %q", hash)

		// Publish, then publish the same title again: the slug gets -2.
		loc := ann.compose("", "Hello, Wörld!", "Some *emphasis*.")
		assert.Equal(t, "/entry/hello-world", loc)
		assert.Equal(t, "/entry/hello-world-2", ann.compose("", "Hello, Wörld!", "Again."))
		resp, page := ann.get("/entry/hello-world")
		require.Equal(t, 200, resp.StatusCode)
		assert.Contains(t, page, "<em>emphasis</em>")
		assert.Contains(t, page, "Hello, Wörld!")
		assert.Contains(t, page, `href="/compose?id=1"`, "the author sees the edit link")
		assert.Regexp(t, `<div class="date">[A-Z][a-z]+ [0-9]{1,2}, [0-9]{4}</div>`, page, "locale.FormatDate, as Tornado's")

		// Edit: the form shows the text; the slug stays.
		resp, page = ann.get("/compose?id=1")
		require.Equal(t, 200, resp.StatusCode)
		assert.Contains(t, page, "Some *emphasis*.</textarea>")
		assert.Contains(t, page, `name="id" value="1"`)
		assert.Equal(t, "/entry/hello-world", ann.compose("1", "Hello again", "Edited **text**."))
		_, page = ann.get("/entry/hello-world")
		assert.Contains(t, page, "<strong>text</strong>")
		assert.Contains(t, page, "Hello again")
		assert.NotContains(t, page, "emphasis")

		// Seven entries: the home page shows the five newest, the
		// archive all of them, newest first.
		for _, title := range []string{"Third", "Fourth", "Fifth", "Sixth", "Seventh"} {
			ann.compose("", title, "Entry "+title+".")
		}
		resp, page = ann.get("/")
		require.Equal(t, 200, resp.StatusCode)
		for _, title := range []string{"Seventh", "Sixth", "Fifth", "Fourth", "Third"} {
			assert.Contains(t, page, ">"+title+"<")
		}
		assert.NotContains(t, page, "Hello again")
		assert.Less(t, strings.Index(page, ">Seventh<"), strings.Index(page, ">Third<"))
		resp, page = ann.get("/archive")
		require.Equal(t, 200, resp.StatusCode)
		last := -1
		for _, title := range []string{"Seventh", "Sixth", "Fifth", "Fourth", "Third", "Hello, Wörld!", "Hello again"} {
			i := strings.Index(page, ">"+title+"<")
			assert.Greater(t, i, last, "%s in order in the archive", title)
			last = i
		}

		// The feed is Atom, parsed here by encoding/xml.
		resp, page = ann.get("/feed")
		require.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "application/atom+xml; charset=UTF-8", resp.Header.Get("Content-Type"))
		var feed struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			Title   string   `xml:"title"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Content string `xml:"content"`
			} `xml:"entry"`
		}
		require.NoError(t, xml.Unmarshal([]byte(page), &feed), page)
		assert.Equal(t, "Tornado Blog", feed.Title)
		require.Len(t, feed.Entries, 7)
		assert.Equal(t, "Seventh", feed.Entries[0].Title)
		assert.Equal(t, blog.url+"/entry/seventh", feed.Entries[0].ID)
		assert.Equal(t, "<p>Entry Seventh.</p>\n", feed.Entries[0].Content)

		// Log out: the edit links go; log in again with the wrong
		// password, an unknown email, then the right one.
		resp, _ = ann.get("/auth/logout?next=%2Farchive")
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "/archive", resp.Header.Get("Location"))
		_, page = ann.get("/entry/hello-world")
		assert.NotContains(t, page, "/compose?id=")
		resp, _ = ann.get("/compose")
		assert.Equal(t, 302, resp.StatusCode, "logged out")
		resp, page = ann.get("/auth/login?next=%2Fcompose")
		require.Equal(t, 200, resp.StatusCode)
		assert.Contains(t, page, `name="next" value="/compose"`)
		_, page = ann.post("/auth/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong"}, "next": {"/compose"}})
		assert.Contains(t, page, "Error: incorrect password")
		_, page = ann.post("/auth/login", url.Values{"email": {"bob@example.com"}, "password": {"s3cret"}, "next": {"/compose"}})
		assert.Contains(t, page, "Error: email not found")
		resp, _ = ann.post("/auth/login", url.Values{"email": {"ann@example.com"}, "password": {"s3cret"}, "next": {"/compose"}})
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "/compose", resp.Header.Get("Location"))
		resp, _ = ann.get("/compose")
		assert.Equal(t, 200, resp.StatusCode, "logged in again")
	})
}

// TestRefusals: what the blog refuses, and with which status.
func TestRefusals(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		blog := startBlog(t, dsn, Options{})
		ann := newBrowser(t, blog.url)
		ann.get("/auth/create")

		// A form without its XSRF token, or with another, is refused.
		resp, _ := ann.do("POST", "/auth/create", url.Values{"email": {"a@example.com"}, "name": {"A"}, "password": {"p"}})
		assert.Equal(t, 403, resp.StatusCode, "no token")
		resp, _ = ann.do("POST", "/auth/create", url.Values{"_xsrf": {"2|00000000|00000000000000000000000000000000|1"}, "email": {"a@example.com"}, "name": {"A"}, "password": {"p"}})
		assert.Equal(t, 403, resp.StatusCode, "a forged token")
		var n int
		require.NoError(t, blog.store.DB().QueryRow("SELECT COUNT(*) FROM authors").Scan(&n))
		assert.Zero(t, n, "nothing was created")

		// next must be a path on this site.
		for _, next := range []string{"//evil.example/", "http://evil.example/", "/\\evil.example"} {
			resp, _ = ann.get("/auth/logout?next=" + url.QueryEscape(next))
			assert.Equal(t, 400, resp.StatusCode, next)
		}

		ann.signUp("ann@example.com", "s3cret")

		// Only the first visitor may create an account.
		bob := newBrowser(t, blog.url)
		resp, _ = bob.get("/auth/create")
		require.Equal(t, 200, resp.StatusCode)
		resp, _ = bob.post("/auth/create", url.Values{"email": {"bob@example.com"}, "name": {"Bob"}, "password": {"p"}})
		assert.Equal(t, 400, resp.StatusCode)

		// Without a login, compose redirects a GET to the login page
		// and refuses a POST, token or not.
		resp, _ = bob.get("/compose")
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "/auth/login?next=%2Fcompose", resp.Header.Get("Location"))
		resp, _ = bob.post("/compose", url.Values{"title": {"Spam"}, "markdown": {"spam"}})
		assert.Equal(t, 403, resp.StatusCode)
		// A forged session cookie is nobody.
		u, _ := url.Parse(blog.url)
		bob.c.Jar.SetCookies(u, []*http.Cookie{{Name: userCookie, Value: "1"}})
		resp, _ = bob.get("/compose")
		assert.Equal(t, 302, resp.StatusCode)

		// Missing things are 404s; a bad id a 400.
		resp, _ = ann.get("/entry/nothing-here")
		assert.Equal(t, 404, resp.StatusCode)
		resp, _ = ann.get("/compose?id=999")
		assert.Equal(t, 404, resp.StatusCode)
		resp, _ = ann.post("/compose", url.Values{"id": {"999"}, "title": {"T"}, "markdown": {"m"}})
		assert.Equal(t, 404, resp.StatusCode)
		resp, _ = ann.get("/compose?id=x")
		assert.Equal(t, 400, resp.StatusCode)
	})
}

// TestNoScriptFromAPost: what a post says cannot put a script, an event
// handler or a javascript: link into the page or the feed.
func TestNoScriptFromAPost(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		blog := startBlog(t, dsn, Options{})
		ann := newBrowser(t, blog.url)
		ann.signUp("ann@example.com", "s3cret")
		text := "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n" +
			"[click](javascript:alert(3)) <a href=\"javascript:alert(4)\">a</a>\n\n**fine**"
		loc := ann.compose("", `<script>alert("title")</script>`, text)
		resp, page := ann.get(loc)
		require.Equal(t, 200, resp.StatusCode)
		assert.Contains(t, page, "<strong>fine</strong>")
		for _, bad := range []string{"<script>alert", "onerror", "javascript:"} {
			assert.NotContains(t, page, bad)
		}
		assert.Contains(t, page, "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;", "the title is escaped")
		_, feed := ann.get("/feed")
		assert.NotContains(t, feed, "<script>")
		assert.NotContains(t, feed, "javascript:")
	})
}

// TestDatabaseErrorIs500: a database that fails gives a 500 page and an
// error in the log, and the server goes on serving.
func TestDatabaseErrorIs500(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		blog := startBlog(t, dsn, Options{})
		ann := newBrowser(t, blog.url)
		require.NoError(t, blog.store.Close())
		var resp *http.Response
		var page string
		blog.s.ExpectLog(slog.LevelError, `web: uncaught error error="blogapp: LatestEntries: sql: database is closed"`, func() {
			access := blog.s.Log().Expect(slog.LevelError, `500 GET / `)
			defer access.Done()
			resp, page = ann.get("/")
		})
		assert.Equal(t, 500, resp.StatusCode)
		assert.Contains(t, page, "500: Internal Server Error")
		assert.NotContains(t, page, "sql:", "no detail for the visitor without Debug")
		resp, _ = ann.get("/static/blog.css")
		assert.Equal(t, 200, resp.StatusCode, "the server goes on")
	})
}

// watchedExecutor runs queries on inner and, once armed, tells submitted
// of each one as it is handed over (before it runs).
type watchedExecutor struct {
	inner     concurrent.Executor
	armed     *atomic.Bool
	submitted chan struct{}
}

func (e watchedExecutor) Submit(fn func()) {
	if e.armed.Load() {
		select {
		case e.submitted <- struct{}{}:
		default: // more than the test counts
		}
	}
	e.inner.Submit(fn)
}

// holdWriteLock keeps other connections from writing entries (reading
// them stays possible) until the returned function is called: SQLite's
// write lock (an immediate transaction), or a Postgres EXCLUSIVE table
// lock, which lets SELECTs through and holds INSERTs.
func holdWriteLock(t testing.TB, s *Store) (release func()) {
	t.Helper()
	tx, err := s.DB().Begin()
	require.NoError(t, err)
	if s.Engine() == Postgres {
		_, err = tx.Exec("LOCK TABLE entries IN EXCLUSIVE MODE")
		require.NoError(t, err)
	} else {
		// BEGIN IMMEDIATE (the DSN's _txlock) took the lock already;
		// a write makes sure of it.
		_, err = tx.Exec("UPDATE entries SET title = title WHERE id = 0")
		require.NoError(t, err)
	}
	return func() { require.NoError(t, tx.Rollback()) }
}

// TestSlowQueryDoesNotStallTheLoop: while one request's query waits for a
// lock in the database, the blog's only loop answers other pages. With
// the queries run on the loop (an executor that calls them inline), the
// other pages waited for the lock: SQLite's busy timeout (5 s), or
// Postgres's query timeout, far beyond the deadline below.
func TestSlowQueryDoesNotStallTheLoop(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		exec := watchedExecutor{inner: concurrent.NewLimitExecutor(DefaultMaxConns), armed: new(atomic.Bool), submitted: make(chan struct{}, 8)}
		blog := startBlog(t, dsn, Options{Executor: exec, QueryTimeout: 20 * time.Second})
		ann := newBrowser(t, blog.url)
		ann.signUp("ann@example.com", "s3cret")
		ann.compose("", "First", "One.")
		ann.get("/compose")

		release := holdWriteLock(t, blog.store)
		released := false
		defer func() {
			if !released {
				release()
			}
		}()

		// The compose: its Prepare's query (the author), then the insert,
		// which waits for the lock.
		form := url.Values{"_xsrf": {ann.token}, "title": {"Second"}, "markdown": {"Two."}}
		composed := make(chan int, 1)
		exec.armed.Store(true)
		go func() {
			resp, err := ann.c.PostForm(blog.url+"/compose", form)
			if err != nil {
				composed <- -1
				return
			}
			resp.Body.Close()
			composed <- resp.StatusCode
		}()
		for i := range 2 {
			select {
			case <-exec.submitted:
			case <-time.After(10 * time.Second):
				t.Fatalf("the compose's query %d was never submitted", i+1)
			}
		}
		exec.armed.Store(false)

		// Other pages are answered meanwhile, each well within a
		// deadline that a loop blocked by the compose would miss.
		reader := newBrowser(t, blog.url)
		reader.c.Timeout = 3 * time.Second
		for _, path := range []string{"/", "/archive", "/entry/first", "/feed"} {
			resp, err := reader.c.Get(reader.base + path)
			require.NoError(t, err, "%s while a query waits: the loop is blocked", path)
			resp.Body.Close()
			assert.Equal(t, 200, resp.StatusCode, path)
		}
		select {
		case code := <-composed:
			t.Fatalf("the compose finished (%d) while the lock was held: the test proved nothing", code)
		default:
		}

		released = true
		release()
		select {
		case code := <-composed:
			assert.Equal(t, 302, code)
		case <-time.After(20 * time.Second):
			t.Fatal("the compose did not finish once the lock was released")
		}
	})
}

// gatedExecutor runs functions on goroutines; once armed, it holds them
// until open is closed, and tells submitted of each as it is handed over.
type gatedExecutor struct {
	armed     *atomic.Bool
	open      chan struct{}
	submitted chan struct{}
}

func (e gatedExecutor) Submit(fn func()) {
	if !e.armed.Load() {
		go fn()
		return
	}
	e.submitted <- struct{}{}
	go func() {
		<-e.open
		fn()
	}()
}

// TestBcryptOffTheLoop: while a login's bcrypt has not run, the blog's
// only loop answers other pages, and the login completes once it runs.
// (bcrypt is held at a gate here; on the loop, a hash at the default cost
// would stall every connection for about 70 ms.)
func TestBcryptOffTheLoop(t *testing.T) {
	gate := gatedExecutor{armed: new(atomic.Bool), open: make(chan struct{}), submitted: make(chan struct{}, 1)}
	blog := startBlog(t, sqliteDSN(t), Options{}, func(c *Config) { c.Blog.cpu = gate })
	ann := newBrowser(t, blog.url)
	ann.signUp("ann@example.com", "s3cret")
	ann.compose("", "First", "One.")
	ann.get("/auth/logout")
	ann.get("/auth/login")

	gate.armed.Store(true) // the login's password check is the next bcrypt
	opened := false
	defer func() {
		if !opened {
			close(gate.open)
		}
	}()
	form := url.Values{"_xsrf": {ann.token}, "email": {"ann@example.com"}, "password": {"s3cret"}}
	loggedIn := make(chan int, 1)
	go func() {
		resp, err := ann.c.PostForm(blog.url+"/auth/login", form)
		if err != nil {
			loggedIn <- -1
			return
		}
		resp.Body.Close()
		loggedIn <- resp.StatusCode
	}()
	select {
	case <-gate.submitted:
	case <-time.After(10 * time.Second):
		t.Fatal("the login's password check was never submitted to the executor")
	}
	reader := newBrowser(t, blog.url)
	reader.c.Timeout = 3 * time.Second
	for _, path := range []string{"/", "/entry/first"} {
		resp, err := reader.c.Get(reader.base + path)
		require.NoError(t, err, path)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, path)
	}
	select {
	case code := <-loggedIn:
		t.Fatalf("the login finished (%d) before its bcrypt ran", code)
	default:
	}
	opened = true
	close(gate.open)
	select {
	case code := <-loggedIn:
		assert.Equal(t, 302, code)
	case <-time.After(20 * time.Second):
		t.Fatal("the login did not finish once bcrypt ran")
	}
}

// TestQueryTimeoutIs500: a query that waits longer than the query timeout
// (here for a lock that is never released in time) gives a 500 and a log
// line, not a request that hangs.
func TestQueryTimeoutIs500(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		blog := startBlog(t, dsn, Options{QueryTimeout: 300 * time.Millisecond})
		ann := newBrowser(t, blog.url)
		ann.signUp("ann@example.com", "s3cret")
		ann.get("/compose")
		release := holdWriteLock(t, blog.store)
		defer release()
		start := time.Now()
		uncaught := blog.s.Log().Expect(slog.LevelError, `web: uncaught error error="blogapp: CreateEntry: .*(context deadline exceeded|database is locked)`)
		access := blog.s.Log().Expect(slog.LevelError, `500 POST /compose `)
		resp, page := ann.post("/compose", url.Values{"title": {"Stuck"}, "markdown": {"Stuck."}})
		uncaught.Done()
		access.Done()
		assert.Equal(t, 500, resp.StatusCode)
		assert.Contains(t, page, "500: Internal Server Error")
		// SQLite gives up at its busy timeout (5 s) if the driver does
		// not see the deadline first; either is far from a hang.
		assert.Less(t, time.Since(start), 20*time.Second)
	})
}

// TestBehindAProxy: with XHeaders, the access log shows the address in
// X-Real-Ip and the feed links the scheme in X-Forwarded-Proto; without,
// both are ignored (a client could claim anything).
func TestBehindAProxy(t *testing.T) {
	for _, trust := range []bool{false, true} {
		blog := startBlog(t, sqliteDSN(t), Options{}, func(c *Config) { c.XHeaders = trust })
		ann := newBrowser(t, blog.url)
		ann.signUp("ann@example.com", "s3cret")
		ann.compose("", "Proxied", "Text.")
		req, err := http.NewRequest("GET", blog.url+"/feed", nil)
		require.NoError(t, err)
		req.Header.Set("X-Real-Ip", "203.0.113.7")
		req.Header.Set("X-Forwarded-Proto", "https")
		client := "127.0.0.1"
		if trust {
			client = "203.0.113.7"
		}
		logged := blog.s.Log().Expect(slog.LevelInfo, `200 GET /feed \(`+regexp.QuoteMeta(client)+`\)`)
		resp, err := ann.c.Do(req)
		require.NoError(t, err)
		feed, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		logged.Done() // the access log names the client
		host := strings.TrimPrefix(blog.url, "http://")
		if trust {
			assert.Contains(t, string(feed), "<id>https://"+host+"/entry/proxied</id>")
		} else {
			assert.Contains(t, string(feed), "<id>http://"+host+"/entry/proxied</id>")
		}
	}
}
