// Package tetest is the te servers' test kit: a loaded PostgreSQL for a
// test (skipped where PostgreSQL is missing, failed where CI=true), and a
// check of every test type against a running server.
package tetest

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gornado/gornado/bench/internal/pgserver"
	"github.com/gornado/gornado/bench/internal/te"
)

// Postgres starts a loaded throw-away database for t and returns its URL;
// it is stopped when t ends. Without PostgreSQL the test is skipped, or
// fails under CI=true (.ci/run installs postgresql).
func Postgres(t testing.TB) string {
	t.Helper()
	s, err := pgserver.Start(pgserver.Options{Core: -1})
	if errors.Is(err, pgserver.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s.DSN()
}

// CheckAll runs every test type's check against the server at base
// ("http://127.0.0.1:PORT") with database dsn, each as a subtest.
func CheckAll(t *testing.T, base, dsn string) {
	c := &te.Checker{Base: base, DSN: dsn}
	for _, test := range te.Tests {
		t.Run(test, func(t *testing.T) {
			assert.NoError(t, c.Check(test))
		})
	}
}
