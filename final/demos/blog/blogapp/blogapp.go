// Package blogapp is the blog demo's program, importable so that tests run
// it in-process: Tornado's demos/blog (a blog with one author, Markdown
// posts, an archive and an Atom feed) on final/web, stored through
// database/sql in SQLite or PostgreSQL.
//
// Every query runs on an executor and resumes the handler's coroutine on
// its loop, so a slow query holds up its own request only; so does bcrypt.
package blogapp

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/demos/internal/demo"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/web"
)

// files holds the templates and static files.
//
//go:embed templates static
var files embed.FS

// Files returns the embedded templates/ and static/ directories, for
// cmd/blogref, the net/http reference that bench/cmd/blogbench measures
// the blog against: it renders the same templates.
func Files() fs.FS { return files }

// Blog is the state the handlers share: safe for every loop, since the
// store's pool and the executors are goroutine-safe and the rest is read
// only.
type Blog struct {
	// Store is the database.
	Store *Store
	// Title is the blog's name in pages and the feed (Tornado's
	// blog_title setting, "Tornado Blog").
	Title string
	// BcryptCost is the work factor of new password hashes:
	// bcrypt.DefaultCost (10: a hash took 70 ms on the 2-core development machine) unless set; tests use
	// bcrypt.MinCost.
	BcryptCost int
	// cpu runs bcrypt, bounded to the number of CPUs: a flood of login
	// attempts queues there instead of starving the loops of CPU.
	cpu concurrent.Executor
}

// NewBlog returns the shared state for store, with the defaults above.
func NewBlog(store *Store) *Blog {
	return &Blog{
		Store:      store,
		Title:      "Tornado Blog",
		BcryptCost: bcrypt.DefaultCost,
		cpu:        concurrent.NewLimitExecutor(runtime.GOMAXPROCS(0)),
	}
}

// App returns the blog's application for cfg (its Secret must be set).
func App(cfg Config) *web.Application {
	tmpl, _ := fs.Sub(files, "templates")
	static, _ := fs.Sub(files, "static")
	base := BaseHandler{Blog: cfg.Blog}
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &HomeHandler{base}),
		web.URL("/archive", &ArchiveHandler{base}),
		web.URL("/feed", &FeedHandler{base}),
		web.URL("/entry/([^/]+)", &EntryHandler{base}),
		web.URL("/compose", &ComposeHandler{base}),
		web.URL("/auth/create", &AuthCreateHandler{base}),
		web.URL("/auth/login", &AuthLoginHandler{base}),
		web.URL("/auth/logout", &AuthLogoutHandler{base}),
	}, web.Settings{
		CookieSecret: cfg.Secret,
		XSRFCookies:  true,
		LoginURL:     "/auth/login",
		TemplateFS:   tmpl,
		StaticFS:     static,
		Debug:        cfg.Debug,
		Logger:       cfg.Logger,
		// Tornado's EntryModule: one entry, on the home page and its own.
		UIModules: map[string]*web.UIModule{"Entry": {Template: "modules/entry.html"}},
	})
}

// Server is a running blog.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server, on loops of its own.
	HTTP *httpserver.HTTPServer
	// Blog is the application's state.
	Blog *Blog
}

// Config is what Start needs beyond the address.
type Config struct {
	// Blog is the shared state, its store open.
	Blog *Blog
	// Secret signs cookies; empty means a random one, so sessions end
	// when the server restarts.
	Secret string
	// Loops is the number of event loops (0: one per core).
	Loops int
	// Debug is Tornado's debug setting: templates read again on each
	// render, errors shown with their stack.
	Debug bool
	// Logger receives the access log and the errors (database errors
	// among them); nil is slog's default.
	Logger *slog.Logger
	// XHeaders trusts X-Real-Ip, X-Forwarded-For, X-Scheme and
	// X-Forwarded-Proto, for a blog behind a proxy such as nginx
	// (Tornado's xheaders=True): the access log then shows the client's
	// address, and the feed's links the scheme the client used.
	XHeaders bool
}

// Start serves the blog on addr ("host:port"; port 0 picks one).
func Start(addr string, cfg Config) (*Server, error) {
	if cfg.Secret == "" {
		secret := make([]byte, 32)
		rand.Read(secret)
		cfg.Secret = hex.EncodeToString(secret)
	}
	app := App(cfg)
	// The templates are embedded: one that does not parse is a bug of
	// this build, and the program stops rather than serve 500s.
	if err := app.LoadTemplates(); err != nil {
		return nil, err
	}
	s := httpserver.NewWithDelegate(app)
	s.Loops = cfg.Loops
	s.XHeaders = cfg.XHeaders
	url, err := demo.Listen(s, addr)
	if err != nil {
		return nil, err
	}
	return &Server{URL: url, HTTP: s, Blog: cfg.Blog}, nil
}

// Close stops the server; the store stays open (it is the caller's).
func (s *Server) Close() { s.HTTP.Close() }

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	blog [-addr 127.0.0.1:8888] [-db blog.db | -db postgres://...] [-loops N] [-xheaders] [-debug]
func Main(args []string, stdout, stderr io.Writer) int {
	p := demo.New("blog", stderr)
	dsn := p.Flags.String("db", "blog.db", "database: a SQLite file (created with its tables on first run) or a postgres:// URL")
	secret := p.Flags.String("cookie_secret", "", "signs the session cookies (default: random, so sessions end with the process)")
	debug := p.Flags.Bool("debug", false, "Tornado's debug: templates read again on each render, stacks in error pages")
	xheaders := p.Flags.Bool("xheaders", false, "trust X-Real-Ip and X-Forwarded-Proto (behind a proxy such as nginx)")
	loops := p.LoopsFlag()
	return p.Run(args, stdout, func() (string, func() error, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		store, err := Open(ctx, *dsn, Options{})
		if err != nil {
			return "", nil, err
		}
		s, err := Start(p.Addr(), Config{Blog: NewBlog(store), Secret: *secret, Loops: *loops, Debug: *debug, XHeaders: *xheaders})
		if err != nil {
			store.Close()
			return "", nil, err
		}
		stop := demo.Stop(s.HTTP, 5*time.Second)
		return s.URL, func() error {
			err := stop()
			if cerr := store.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("closing the database: %w", cerr)
			}
			return err
		}, nil
	})
}
