package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"context"
	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// TestTechEmpower serves the six paths on a loaded database and asks each
// what TechEmpower's verification asks: JSON shapes, headers, the
// fortunes page escaped and sorted, queries clamped, updates written.
func TestTechEmpower(t *testing.T) {
	dsn := tetest.Postgres(t)
	db, err := te.Open(context.Background(), dsn, 4)
	require.NoError(t, err)
	defer db.Pool.Close()
	s, addr, err := start(App(db, 4), "127.0.0.1:0", 1)
	require.NoError(t, err)
	defer s.Close()
	tetest.CheckAll(t, "http://"+addr, dsn)
}
