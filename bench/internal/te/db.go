package te

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// World is a row of the World table, as the JSON answers spell it.
type World struct {
	ID           int32 `json:"id"`
	RandomNumber int32 `json:"randomNumber"`
}

// DB is the database half of the Go servers (finalte, fasthttp, net/http):
// the same pgx calls in each, so that what differs between them is the
// framework around the calls. Each method blocks its goroutine for the
// round trips, as pgx does; what a server does about that (fasthttp and
// net/http: nothing, a goroutine per connection; final: an executor, so
// that its loop does not block) is the server's business.
//
// The statements are pgx's defaults: prepared on first use per connection
// and cached (QueryExecModeCacheStatement), as TechEmpower's Go entries
// prepare theirs.
type DB struct {
	// Pool is the connection pool; its MaxConns bounds the round trips in
	// flight.
	Pool *pgxpool.Pool
}

// The statements.
const (
	selectWorld    = "SELECT id, randomNumber FROM World WHERE id = $1"
	selectFortunes = "SELECT id, message FROM Fortune"
	updateWorld    = "UPDATE World SET randomNumber = $1 WHERE id = $2"
)

// DefaultPool is the servers' pool size (their -pool flag): every peer
// gets the same number of connections. 16 keeps Postgres, on one or two
// cores here, busy without a crowd of backends competing for them.
const DefaultPool = 16

// Open connects a pool of size connections to dsn (TE_DSN).
func Open(ctx context.Context, dsn string, size int) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("te: %s: %w", EnvDSN, err)
	}
	cfg.MaxConns = int32(size)
	cfg.MinConns = int32(size) // connect them all now, not under load
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return &DB{Pool: p}, nil
}

// randomID is a World id, uniformly in 1..WorldRows.
func randomID() int32 { return rand.Int32N(WorldRows) + 1 }

// World reads one random row (test type 2).
func (db *DB) World(ctx context.Context) (World, error) {
	var w World
	err := db.Pool.QueryRow(ctx, selectWorld, randomID()).Scan(&w.ID, &w.RandomNumber)
	return w, err
}

// Worlds reads n random rows, each by a query of its own (test type 3:
// "each row must be selected by a separate query").
func (db *DB) Worlds(ctx context.Context, n int) ([]World, error) {
	ws := make([]World, n)
	for i := range ws {
		if err := db.Pool.QueryRow(ctx, selectWorld, randomID()).Scan(&ws[i].ID, &ws[i].RandomNumber); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// Fortunes reads every row of Fortune (test type 4), unsorted: the
// handler adds its row and sorts.
func (db *DB) Fortunes(ctx context.Context) ([]Fortune, error) {
	rows, _ := db.Pool.Query(ctx, selectFortunes)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Fortune, error) {
		var f Fortune
		err := r.Scan(&f.ID, &f.Message)
		return f, err
	})
}

// Update reads n random rows, each by a query of its own, gives each a new
// random number and writes them back in one batch of n UPDATE statements
// (test type 5 allows batching the writes, not the reads), in id order so
// that two requests updating the same rows cannot deadlock, as
// TechEmpower's fasthttp entry does.
func (db *DB) Update(ctx context.Context, n int) ([]World, error) {
	ws, err := db.Worlds(ctx, n)
	if err != nil {
		return nil, err
	}
	for i := range ws {
		ws[i].RandomNumber = randomID()
	}
	sorted := slices.Clone(ws)
	slices.SortFunc(sorted, func(a, b World) int { return cmp.Compare(a.ID, b.ID) })
	var b pgx.Batch
	for _, w := range sorted {
		b.Queue(updateWorld, w.RandomNumber, w.ID)
	}
	if err := db.Pool.SendBatch(ctx, &b).Close(); err != nil {
		return nil, err
	}
	return ws, nil
}

// AddFortune adds the request-time row and sorts by message, as test
// type 4 asks of every handler.
func AddFortune(fs []Fortune) []Fortune {
	fs = append(fs, Fortune{ID: 0, Message: ExtraFortune})
	slices.SortFunc(fs, func(a, b Fortune) int { return cmp.Compare(a.Message, b.Message) })
	return fs
}
