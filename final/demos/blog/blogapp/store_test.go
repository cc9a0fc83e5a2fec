// Tests of the store and the helpers below the handlers.

package blogapp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlugify(t *testing.T) {
	for _, c := range []struct{ title, slug string }{
		{"Hello, World!", "hello-world"},
		{"  Tornado   on Go  ", "tornado-on-go"},
		{"Café crème", "cafe-creme"},             // accents decomposed, then dropped
		{"Wörld", "world"},                       // where Tornado's \w gives "wo-rld"
		{"ﬁne ①", "fine-1"},                      // NFKD: ligature and circled digit
		{"snake_case stays", "snake_case-stays"}, // _ is a word character
		{"日本語", "entry"},                         // nothing ASCII is left
		{"", "entry"},
		{"a 日本 b", "a-b"},
		{strings.Repeat("abcd ", 20), strings.TrimSuffix(strings.Repeat("abcd-", 12), "-")}, // cut to 60, no trailing hyphen
	} {
		assert.Equal(t, c.slug, slugify(c.title), "%q", c.title)
	}
}

func TestParseDSN(t *testing.T) {
	for _, dsn := range []string{"postgres://u@h/db", "postgresql://u@h/db"} {
		e, driver, source, err := parseDSN(dsn)
		require.NoError(t, err)
		assert.Equal(t, Postgres, e)
		assert.Equal(t, "pgx", driver)
		assert.Equal(t, dsn, source)
	}
	e, driver, source, err := parseDSN("data/blog.db")
	require.NoError(t, err)
	assert.Equal(t, SQLite, e)
	assert.Equal(t, "sqlite", driver)
	assert.Equal(t, "file:data/blog.db?_pragma=busy_timeout%285000%29&_pragma=journal_mode%28WAL%29&_pragma=foreign_keys%281%29&_time_format=sqlite&_txlock=immediate", source)
	for _, bad := range []string{"", "mysql://u@h/db"} {
		_, _, _, err := parseDSN(bad)
		assert.ErrorIs(t, err, ErrUnknownDatabase, bad)
	}
}

// TestMigrationsOnce: Open makes the schema on a new database, and on an
// existing one leaves the rows alone; a schema newer than the program's
// is refused rather than used.
func TestMigrationsOnce(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := Open(ctx, dsn, Options{})
		require.NoError(t, err)
		_, err = s.DB().Exec("INSERT INTO authors (email, name, hashed_password) VALUES ('a@example.com', 'A', 'x')")
		require.NoError(t, err)
		require.NoError(t, s.Close())

		s, err = Open(ctx, dsn, Options{})
		require.NoError(t, err)
		var authors, version int
		require.NoError(t, s.DB().QueryRow("SELECT COUNT(*) FROM authors").Scan(&authors))
		require.NoError(t, s.DB().QueryRow("SELECT version FROM schema_version").Scan(&version))
		assert.Equal(t, 1, authors)
		assert.Equal(t, len(migrations), version)
		_, err = s.DB().Exec("UPDATE schema_version SET version = 99")
		require.NoError(t, err)
		require.NoError(t, s.Close())

		_, err = Open(ctx, dsn, Options{})
		assert.ErrorContains(t, err, "newer than this program's")
	})
}

// TestConcurrentFirstAuthors: of several first authors created at once,
// exactly one is; the others get ErrAuthorExists.
func TestConcurrentFirstAuthors(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := Open(ctx, dsn, Options{})
		require.NoError(t, err)
		defer s.Close()
		const n = 6
		errs := make(chan error, n)
		for i := range n {
			go func() {
				email := string(rune('a'+i)) + "@example.com"
				_, err := s.createFirstAuthor(ctx, email, "x", "hash")
				errs <- err
			}()
		}
		created := 0
		for range n {
			err := <-errs
			if err == nil {
				created++
			} else {
				assert.ErrorIs(t, err, ErrAuthorExists)
			}
		}
		assert.Equal(t, 1, created)
	})
}
