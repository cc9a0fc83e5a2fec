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
	// exec runs the store's calls off the loop: a workers executor sized
	// to the pool (workers.go).
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

// Get reads the row on the executor and waits for it in a coroutine. The
// row is serialized on the executor's goroutine too, beside the query: a
// coroutine runs on a goroutine of its own made for it (iter.Pull), whose
// stack starts small, and encoding/json there grew and copied that stack
// on every request (12% of the server's CPU in this test's profile); the
// executor's workers grew theirs once. The object is still made and
// serialized per request, as the test asks.
func (h *DBHandler) Get(...string) error {
	return h.Go(func(c *gen.Co) error {
		body, err := gen.Await(c, call(&h.RequestHandler, h.b, func(s Store) ([]byte, error) {
			w, err := s.World(context.Background())
			if err != nil {
				return nil, err
			}
			return json.Marshal(&w)
		}))
		if err != nil {
			return err
		}
		h.SetHeader("Content-Type", "application/json")
		return h.WriteBytes(body)
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
	update := h.update
	return h.Go(func(c *gen.Co) error {
		// Serialized on the executor, as in DBHandler. (WriteJSON takes
		// objects only, as Tornado's write refuses lists, a
		// JSON-hijacking guard that does not apply to an API like this.)
		body, err := gen.Await(c, call(&h.RequestHandler, h.b, func(s Store) ([]byte, error) {
			var ws []te.World
			var err error
			if update {
				ws, err = s.Update(context.Background(), n)
			} else {
				ws, err = s.Worlds(context.Background(), n)
			}
			if err != nil {
				return nil, err
			}
			return json.Marshal(ws)
		}))
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

// Get reads the rows on the executor, adds the request's own and sorts
// them there, and renders fortunes.html when they arrive. The render runs
// in a continuation on the loop's goroutine (concurrent.Then; one step, no
// pyramid), not in a coroutine: Render must run on the loop (its template
// sets are per loop), and html/template's execution is deep enough that a
// coroutine's fresh goroutine grew and copied its stack on every request
// (about a tenth of the server's CPU in this test's profile), where the
// loop's goroutine grew its stack once.
func (h *FortunesHandler) Get(...string) error {
	rows := call(&h.RequestHandler, h.b, func(s Store) ([]te.Fortune, error) {
		fs, err := s.Fortunes(context.Background())
		if err != nil {
			return nil, err
		}
		return te.AddFortune(fs), nil
	})
	h.Wait(concurrent.Then(rows, func(fs []te.Fortune) (struct{}, error) {
		h.SetHeader("Content-Type", "text/html; charset=utf-8")
		return struct{}{}, h.Render("fortunes.html", fs)
	}))
	return nil
}

//go:embed templates
var templates embed.FS

// App is the program's Application: the six paths, the database calls on
// workers executor goroutines. store may be nil (no TE_DSN): the database
// paths then answer 500.
func App(store Store, workers int) *web.Application {
	b := &backend{store: store, exec: newWorkers(workers)}
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
