// The schema and its migrations: Tornado's schema.sql (authors, entries)
// in each engine's dialect, applied in order on first run and on upgrades,
// with the version reached kept in the database.

package blogapp

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one step of the schema, in each engine's SQL. Steps are
// never edited once released: a change is a new step, so that a database
// made by any earlier version of the demo reaches the same schema.
type migration struct {
	// sqlite and postgres are the statements, run one by one in a
	// transaction with the version bump.
	sqlite, postgres []string
}

// migrations are the schema's steps; the database's schema_version is the
// number applied.
//
// Step 1 is Tornado's schema.sql (tornadoSchema).
var migrations = []migration{
	{sqlite: tornadoSchema("INTEGER PRIMARY KEY"), postgres: tornadoSchema("SERIAL PRIMARY KEY")},
}

// tornadoSchema is Tornado's schema.sql with key, the auto-increment key's
// column type, spelled for the engine: SERIAL PRIMARY KEY on Postgres,
// INTEGER PRIMARY KEY (a rowid alias) on SQLite. Everything else reads the
// same on both: SQLite ignores the VARCHAR lengths, which Postgres
// enforces; TIMESTAMP columns hold UTC (the store writes time.Now().UTC()),
// and in SQLite the declared type TIMESTAMP is what makes the driver read
// them back as time.Time.
func tornadoSchema(key string) []string {
	return []string{
		`CREATE TABLE authors (
			id ` + key + `,
			email VARCHAR(100) NOT NULL UNIQUE,
			name VARCHAR(100) NOT NULL,
			hashed_password VARCHAR(100) NOT NULL
		)`,
		`CREATE TABLE entries (
			id ` + key + `,
			author_id INTEGER NOT NULL REFERENCES authors(id),
			slug VARCHAR(100) NOT NULL UNIQUE,
			title VARCHAR(512) NOT NULL,
			markdown TEXT NOT NULL,
			html TEXT NOT NULL,
			published TIMESTAMP NOT NULL,
			updated TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX entries_published ON entries (published)`,
	}
}

// migrate brings the schema up to date. Tornado's demo creates the tables
// when a probe query fails; a version number instead tells a fresh
// database from one made by an older schema, which a probe cannot.
//
// Two servers starting at once on one Postgres database must not both
// apply a step: each step runs in a transaction that first takes a
// transaction-level advisory lock, then reads the version again. On
// SQLite the immediate transaction (_txlock=immediate) is the lock.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	for {
		done, err := s.migrateStep(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrationLockID is the Postgres advisory lock migrations take: any
// constant the application owns ("blog" in ASCII).
const migrationLockID = 0x626c6f67

// migrateStep applies the next migration, if any, and reports whether the
// schema was already up to date.
func (s *Store) migrateStep(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() // after Commit, a no-op
	if s.engine == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockID); err != nil {
			return false, err
		}
	}
	version, err := schemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	switch {
	case version == len(migrations):
		return true, nil
	case version > len(migrations):
		return false, fmt.Errorf("the database's schema is version %d, newer than this program's %d", version, len(migrations))
	}
	m := migrations[version]
	stmts := m.sqlite
	if s.engine == Postgres {
		stmts = m.postgres
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migration %d: %w", version+1, err)
		}
	}
	if version == 0 {
		_, err = tx.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (1)")
	} else {
		_, err = tx.ExecContext(ctx, "UPDATE schema_version SET version = $1", version+1)
	}
	if err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// schemaVersion reads the number of migrations applied: 0 for a database
// without the row.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, err
}
