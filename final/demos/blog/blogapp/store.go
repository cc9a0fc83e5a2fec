// The blog's storage: database/sql over SQLite (modernc.org/sqlite, pure Go)
// or PostgreSQL (pgx's stdlib driver), the same queries on both, each run
// off the loop on a bounded executor and resolved on the loop as a Future.

package blogapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gornado/gornado/final/concurrent"
)

// Sentinel errors of the store. Handlers turn them into statuses
// (ErrNotFound is a 404, ErrAuthorExists a 400); any other error from the
// database is a 500 and a log line.
var (
	// ErrNotFound: the entry or author asked for does not exist (Tornado's
	// demo raises NoResultError from queryone).
	ErrNotFound = errors.New("blogapp: not found")
	// ErrAuthorExists: /auth/create was posted when an author exists; the
	// demo lets only the first visitor create an account, as Tornado's does.
	ErrAuthorExists = errors.New("blogapp: author already created")
	// ErrUnknownDatabase: the -db value is neither a postgres:// URL nor a
	// SQLite file name.
	ErrUnknownDatabase = errors.New("blogapp: unknown database")
)

// Engine is the database behind a Store: the queries are the same on both,
// the schema and a few error codes differ.
type Engine uint8

const (
	// SQLite is the embedded default: a file created on first run.
	SQLite Engine = iota + 1
	// Postgres is a PostgreSQL server reached through pgx.
	Postgres
)

// String names the engine for logs.
func (e Engine) String() string {
	switch e {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("Engine(%d)", uint8(e))
}

// Author is a row of the authors table.
type Author struct {
	// ID is the author's key, the value of the signed session cookie.
	ID int64
	// Email is what the author logs in with; unique.
	Email string
	// Name is shown nowhere yet, kept as in Tornado's schema.
	Name string
	// HashedPassword is the bcrypt hash ("$2a$10$..."), never the password.
	HashedPassword string
}

// Entry is a row of the entries table.
type Entry struct {
	// ID is the entry's key, used by /compose?id= to edit it.
	ID int64
	// AuthorID is who wrote it.
	AuthorID int64
	// Slug is its address, /entry/<slug>, made from the title once, at
	// creation, and kept when the title is edited (links stay valid).
	Slug string
	// Title is the title as typed.
	Title string
	// Markdown is the text as typed, shown again by /compose to edit it.
	Markdown string
	// HTML is Markdown rendered and sanitized when the entry was saved
	// (renderMarkdown): it is put into pages as it is.
	HTML template.HTML
	// Published and Updated are UTC; Updated changes with each edit.
	Published, Updated time.Time
}

// Defaults of Open's options.
const (
	// DefaultMaxConns bounds the connections to the database, and so the
	// queries running at once: the executor that runs them has as many
	// slots, so that a query never holds a goroutine inside database/sql
	// waiting for a connection. A burst of requests waits in the
	// executor instead, a parked goroutine each (LimitExecutor), in no
	// bounded queue, as Tornado's thread pool queues without bound. 8 is
	// aiopg's and pgx's order of magnitude (aiopg's pool defaults to 10,
	// pgxpool to 4 or the number of CPUs), small enough for Postgres's
	// default 100 connections to serve several instances.
	DefaultMaxConns = 8
	// DefaultQueryTimeout bounds each query, so that a database that stops
	// answering gives a 500 after this long rather than a request that
	// waits for ever. Tornado's demo has none (aiopg's pool has a 60 s
	// timeout); 10 s is longer than any query of this demo should take
	// and shorter than a browser's patience.
	DefaultQueryTimeout = 10 * time.Second
	// sqliteBusyTimeout is how long a SQLite write waits for another
	// connection's write to finish before failing with SQLITE_BUSY
	// (SQLite's default is 0: fail at once).
	sqliteBusyTimeout = 5 * time.Second
)

// Options tune Open; the zero value takes the defaults above.
type Options struct {
	// MaxConns bounds open connections and the queries run at once
	// (DefaultMaxConns when 0).
	MaxConns int
	// QueryTimeout bounds each query (DefaultQueryTimeout when 0).
	QueryTimeout time.Duration
	// Executor runs the queries; nil is a concurrent.LimitExecutor with
	// MaxConns slots. Tests give one that runs queries inline, to show
	// what a blocked loop looks like.
	Executor concurrent.Executor
}

// Store is the blog's database. Its query methods are called on a loop's
// goroutine and return Futures resolved on that loop: the query itself runs
// on the executor, so no loop ever waits for the database.
type Store struct {
	// db is the connection pool, safe for use from any goroutine.
	db *sql.DB
	// engine tells which schema and error codes apply.
	engine Engine
	// exec runs each query away from the loop.
	exec concurrent.Executor
	// timeout bounds each query.
	timeout time.Duration
}

// Engine returns the database engine behind s.
func (s *Store) Engine() Engine { return s.engine }

// DB returns the connection pool, for tests and tools that need the
// database directly; the blog's own queries go through s's methods.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the connection pool. Queries still running fail, and their
// requests get a 500.
func (s *Store) Close() error { return s.db.Close() }

// Open connects to dsn and brings its schema up to date (creating the
// tables on first run): a postgres:// or postgresql:// URL is PostgreSQL,
// anything else is the name of a SQLite file, created if missing. It
// blocks, and is meant for a program's start, before any loop serves.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	if opts.Executor == nil {
		opts.Executor = concurrent.NewLimitExecutor(opts.MaxConns)
	}
	engine, driver, source, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	s := &Store{db: db, engine: engine, exec: opts.Executor, timeout: opts.QueryTimeout}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("blogapp: preparing the %s database: %w", engine, err)
	}
	return s, nil
}

// parseDSN picks the engine and the driver's data source for dsn.
//
// SQLite gets a file: URI with the settings a web server needs: WAL, so
// that readers never wait for the writer; a busy timeout, so that two
// writers queue instead of failing; foreign keys enforced (SQLite's
// default is off); transactions that take the write lock when they begin
// (_txlock=immediate), so that a read-then-write transaction cannot
// deadlock with another and fail; and times written in SQLite's own text
// format, which sorts as the times do.
func parseDSN(dsn string) (engine Engine, driver, source string, err error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, "pgx", dsn, nil
	case dsn == "" || strings.Contains(dsn, "://"):
		return 0, "", "", fmt.Errorf("%w: %q (want a postgres:// URL or a SQLite file name)", ErrUnknownDatabase, dsn)
	}
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return 0, "", "", fmt.Errorf("%w: %q: %v", ErrUnknownDatabase, dsn, err)
	}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return SQLite, "sqlite", "file:" + path + "?" + q.Encode(), nil
}

// isUniqueViolation reports whether err is a UNIQUE constraint failing, in
// either engine's words.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505" // unique_violation
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// ---- running queries off the loop -------------------------------------------

// run runs query on s's executor with a context bounded by the query
// timeout, and resolves the returned Future with its result on loop (call
// it on loop's goroutine). An error is wrapped with name, the Store
// method's, so that the log says which query failed ("blogapp:
// CreateEntry: context deadline exceeded"); errors.Is still sees the
// sentinels. A panic in query becomes the Future's error
// (concurrent.PanicError), so it reaches the handler as a 500 like any
// other database error.
func run[T any](s *Store, loop concurrent.Scheduler, name string, query func(ctx context.Context) (T, error)) *concurrent.Future[T] {
	return concurrent.RunOnExecutor(loop, s.exec, func() (T, error) {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		v, err := query(ctx)
		if err != nil {
			err = fmt.Errorf("blogapp: %s: %w", name, err)
		}
		return v, err
	})
}

// entryColumns are the columns scanEntry reads, in its order.
const entryColumns = "id, author_id, slug, title, markdown, html, published, updated"

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// scanEntry reads one row of entryColumns.
func scanEntry(r scanner) (Entry, error) {
	var e Entry
	var html string
	err := r.Scan(&e.ID, &e.AuthorID, &e.Slug, &e.Title, &e.Markdown, &html, &e.Published, &e.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	e.HTML = template.HTML(html) // sanitized when saved: see renderMarkdown
	e.Published, e.Updated = e.Published.UTC(), e.Updated.UTC()
	return e, err
}

// queryEntries runs a query of entryColumns and reads every row.
func queryEntries(ctx context.Context, db *sql.DB, query string, args ...any) ([]Entry, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var entries []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// ---- the queries --------------------------------------------------------------

// LatestEntries returns the limit most recently published entries, newest
// first (the home page shows 5, the feed 10). limit <= 0 means all of them
// (the archive). Ties, entries published in the same instant, go by id.
func (s *Store) LatestEntries(loop concurrent.Scheduler, limit int) *concurrent.Future[[]Entry] {
	return run(s, loop, "LatestEntries", func(ctx context.Context) ([]Entry, error) {
		if limit <= 0 {
			return queryEntries(ctx, s.db, "SELECT "+entryColumns+" FROM entries ORDER BY published DESC, id DESC")
		}
		return queryEntries(ctx, s.db, "SELECT "+entryColumns+" FROM entries ORDER BY published DESC, id DESC LIMIT $1", limit)
	})
}

// EntryBySlug returns the entry at /entry/<slug>, or ErrNotFound.
func (s *Store) EntryBySlug(loop concurrent.Scheduler, slug string) *concurrent.Future[Entry] {
	return run(s, loop, "EntryBySlug", func(ctx context.Context) (Entry, error) {
		return scanEntry(s.db.QueryRowContext(ctx, "SELECT "+entryColumns+" FROM entries WHERE slug = $1", slug))
	})
}

// EntryByID returns the entry with id, or ErrNotFound.
func (s *Store) EntryByID(loop concurrent.Scheduler, id int64) *concurrent.Future[Entry] {
	return run(s, loop, "EntryByID", func(ctx context.Context) (Entry, error) {
		return scanEntry(s.db.QueryRowContext(ctx, "SELECT "+entryColumns+" FROM entries WHERE id = $1", id))
	})
}

// maxSlugTries bounds CreateEntry's search for a free slug: "title",
// "title-2", "title-2-2"... (Tornado's loop, which appends "-2" until the
// slug is free, without a bound).
const maxSlugTries = 20

// CreateEntry saves a new entry by author, its slug made from the title
// (slugify), and returns it. The slug is the first of slug, slug-2,
// slug-2-2... that no entry has; two entries created at once with the
// same title cannot both take it, as the database's UNIQUE constraint
// refuses the second, which then tries the next.
func (s *Store) CreateEntry(loop concurrent.Scheduler, author int64, title, markdown string, html template.HTML) *concurrent.Future[Entry] {
	return run(s, loop, "CreateEntry", func(ctx context.Context) (Entry, error) {
		now := time.Now().UTC()
		e := Entry{AuthorID: author, Slug: slugify(title), Title: title, Markdown: markdown, HTML: html, Published: now, Updated: now}
		for range maxSlugTries {
			var taken bool
			err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM entries WHERE slug = $1)", e.Slug).Scan(&taken)
			if err != nil {
				return Entry{}, err
			}
			if !taken {
				err = s.db.QueryRowContext(ctx,
					"INSERT INTO entries (author_id, slug, title, markdown, html, published, updated) "+
						"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
					e.AuthorID, e.Slug, e.Title, e.Markdown, string(e.HTML), e.Published, e.Updated).Scan(&e.ID)
				if err == nil {
					return e, nil
				}
				if !isUniqueViolation(err) {
					return Entry{}, err
				}
				// Taken between the check and the insert: try the next.
			}
			e.Slug += "-2"
		}
		return Entry{}, fmt.Errorf("blogapp: no free slug for %q after %d tries", title, maxSlugTries)
	})
}

// UpdateEntry replaces the title and text of entry id, keeping its slug,
// and returns it; ErrNotFound if there is no such entry.
func (s *Store) UpdateEntry(loop concurrent.Scheduler, id int64, title, markdown string, html template.HTML) *concurrent.Future[Entry] {
	return run(s, loop, "UpdateEntry", func(ctx context.Context) (Entry, error) {
		return scanEntry(s.db.QueryRowContext(ctx,
			"UPDATE entries SET title = $1, markdown = $2, html = $3, updated = $4 WHERE id = $5 RETURNING "+entryColumns,
			title, markdown, string(html), time.Now().UTC(), id))
	})
}

// AnyAuthor reports whether an author exists (Tornado's any_author_exists):
// until one does, /auth/login sends visitors to /auth/create.
func (s *Store) AnyAuthor(loop concurrent.Scheduler) *concurrent.Future[bool] {
	return run(s, loop, "AnyAuthor", func(ctx context.Context) (bool, error) {
		var exists bool
		err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM authors)").Scan(&exists)
		return exists, err
	})
}

// AuthorByID returns the author with id, or ErrNotFound.
func (s *Store) AuthorByID(loop concurrent.Scheduler, id int64) *concurrent.Future[Author] {
	return run(s, loop, "AuthorByID", func(ctx context.Context) (Author, error) {
		return scanAuthor(s.db.QueryRowContext(ctx, "SELECT id, email, name, hashed_password FROM authors WHERE id = $1", id))
	})
}

// AuthorByEmail returns the author who logs in with email, or ErrNotFound.
func (s *Store) AuthorByEmail(loop concurrent.Scheduler, email string) *concurrent.Future[Author] {
	return run(s, loop, "AuthorByEmail", func(ctx context.Context) (Author, error) {
		return scanAuthor(s.db.QueryRowContext(ctx, "SELECT id, email, name, hashed_password FROM authors WHERE email = $1", email))
	})
}

// scanAuthor reads one author row.
func scanAuthor(r scanner) (Author, error) {
	var a Author
	err := r.Scan(&a.ID, &a.Email, &a.Name, &a.HashedPassword)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// CreateFirstAuthor saves the blog's first author and returns it, or fails
// with ErrAuthorExists if there is one already. Tornado's demo checks and
// then inserts, so two visitors posting at once could both become
// authors; here the check and the insert are one transaction that holds
// the authors table's write lock (SQLite's immediate transaction, a
// Postgres table lock that conflicts with itself), so exactly one wins.
func (s *Store) CreateFirstAuthor(loop concurrent.Scheduler, email, name, hashedPassword string) *concurrent.Future[Author] {
	return run(s, loop, "CreateFirstAuthor", func(ctx context.Context) (Author, error) {
		return s.createFirstAuthor(ctx, email, name, hashedPassword)
	})
}

// createFirstAuthor is CreateFirstAuthor's query, blocking.
func (s *Store) createFirstAuthor(ctx context.Context, email, name, hashedPassword string) (Author, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Author{}, err
	}
	defer tx.Rollback() // after Commit, a no-op
	if s.engine == Postgres {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE authors IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return Author{}, err
		}
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM authors)").Scan(&exists); err != nil {
		return Author{}, err
	}
	if exists {
		return Author{}, ErrAuthorExists
	}
	a := Author{Email: email, Name: name, HashedPassword: hashedPassword}
	err = tx.QueryRowContext(ctx, "INSERT INTO authors (email, name, hashed_password) VALUES ($1, $2, $3) RETURNING id",
		email, name, hashedPassword).Scan(&a.ID)
	if err != nil {
		return Author{}, err
	}
	return a, tx.Commit()
}
