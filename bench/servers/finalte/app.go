package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/web"

	"github.com/gornado/gornado/bench/internal/te"
)

// Store is what the handlers need of the database: *te.DB, pgx on a pool,
// in the program; an in-memory table in the benchmarks that measure the
// framework without Postgres. Every method blocks its goroutine.
type Store interface {
	World(ctx context.Context) (te.World, error)
	Worlds(ctx context.Context, n int) ([]te.World, error)
	Fortunes(ctx context.Context) ([]te.Fortune, error)
	Update(ctx context.Context, n int) ([]te.World, error)
}

// errNoDatabase answers the database paths of a server started without
// TE_DSN (json and plaintext need none).
var errNoDatabase = errors.New("finalte: no database: " + te.EnvDSN + " is not set")

// backend is the handlers' share of the program: the store and the
// executor its blocking calls run on.
type backend struct {
	// store is nil without TE_DSN.
	store Store
	// exec runs the store's calls off the loop. GoExecutor, a goroutine
	// per call: the pool's MaxConns already bounds the round trips in
	// flight (a call beyond it waits inside pgx for a connection), so a
	// LimitExecutor sized to the pool would only put a second queue in
	// front of the same one, at the price of a channel operation per
	// call.
	exec concurrent.Executor
}

// call runs fn on the executor and returns its Future, which resolves on
// the handler's loop: the loop goes on serving other connections while
// fn's round trips are in flight (Tornado's run_in_executor).
func call[T any](h *web.RequestHandler, b *backend, fn func(Store) (T, error)) *concurrent.Future[T] {
	if b.store == nil {
		return concurrent.Failed[T](errNoDatabase)
	}
	return concurrent.RunOnExecutor(h.Loop(), b.exec, func() (T, error) { return fn(b.store) })
}

// base is what every handler here shares: no Etag. TechEmpower's rules
// forbid caching, and its Tornado entry turns compute_etag off for the
// same reason; final's default would hash every body.
type base struct{ web.RequestHandler }

// ComputeETag returns nil: no Etag.
func (*base) ComputeETag() []byte { return nil }

// message is the JSON test's object, made per request (test type 1: "a
// new object must be instantiated for each request").
type message struct {
	Message string `json:"message"`
}

// JSONHandler is test type 1.
type JSONHandler struct{ base }

// Get serializes a fresh object.
func (h *JSONHandler) Get(...string) error {
	return h.WriteJSON(&message{Message: te.Message})
}

// plaintextBody is test type 6's body, a constant as the rules allow.
var plaintextBody = []byte(te.Message)

// PlaintextHandler is test type 6.
type PlaintextHandler struct{ base }

// Get writes the body.
func (h *PlaintextHandler) Get(...string) error {
	h.SetHeader("Content-Type", "text/plain")
	return h.WriteBytes(plaintextBody)
}

// DBHandler is test type 2: one random row.
type DBHandler struct {
	base
	b *backend
}

// Get reads the row on the executor and waits for it in a coroutine.
func (h *DBHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		w, err := gen.Await(c, call(&h.RequestHandler, h.b, func(s Store) (te.World, error) {
			return s.World(context.Background())
		}))
		if err != nil {
			return err
		}
		return h.WriteJSON(&w)
	})
}

// QueriesHandler is test type 3, and with update set test type 5.
type QueriesHandler struct {
	base
	b *backend
	// update writes new random numbers back (/updates).
	update bool
}

// Get reads (and updates) queries rows, clamped to 1..500, in one call
// on the executor: the rows are read one after the other on the
// executor's goroutine, as fasthttp's handler reads them on its
// connection's, and the loop is woken once per request, not per row.
func (h *QueriesHandler) Get(...string) error {
	n := te.Queries(h.GetArgumentDefault("queries", "1"))
	return h.Go(func(c *gen.Co) error {
		ws, err := gen.Await(c, call(&h.RequestHandler, h.b, func(s Store) ([]te.World, error) {
			if h.update {
				return s.Update(context.Background(), n)
			}
			return s.Worlds(context.Background(), n)
		}))
		if err != nil {
			return err
		}
		// WriteJSON takes objects only (Tornado's write refuses lists, a
		// JSON-hijacking guard that does not apply to an API like this):
		// the array is encoded here.
		body, err := json.Marshal(ws)
		if err != nil {
			return err
		}
		h.SetHeader("Content-Type", "application/json")
		return h.WriteBytes(body)
	})
}

// FortunesHandler is test type 4: every fortune plus one, sorted,
// rendered through html/template, which escapes them.
type FortunesHandler struct {
	base
	b *backend
}

// Get reads the rows on the executor, adds the request's own, sorts, and
// renders fortunes.html.
func (h *FortunesHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		fs, err := gen.Await(c, call(&h.RequestHandler, h.b, func(s Store) ([]te.Fortune, error) {
			return s.Fortunes(context.Background())
		}))
		if err != nil {
			return err
		}
		h.SetHeader("Content-Type", "text/html; charset=utf-8")
		return h.Render("fortunes.html", te.AddFortune(fs))
	})
}

//go:embed templates
var templates embed.FS

// App is the program's Application: the six paths. store may be nil (no
// TE_DSN): the database paths then answer 500.
func App(store Store) *web.Application {
	b := &backend{store: store, exec: concurrent.GoExecutor{}}
	tmpl, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err) // the directory is embedded: it exists
	}
	return web.NewApplication([]*web.URLSpec{
		web.URL(te.PathJSON, &JSONHandler{}),
		web.URL(te.PathPlaintext, &PlaintextHandler{}),
		web.URL(te.PathDB, &DBHandler{b: b}),
		web.URL(te.PathQueries, &QueriesHandler{b: b}),
		web.URL(te.PathFortunes, &FortunesHandler{b: b}),
		web.URL(te.PathUpdates, &QueriesHandler{b: b, update: true}),
	}, web.Settings{
		TemplateFS: tmpl,
		// No access log: none of the peers writes a line per request.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
}
