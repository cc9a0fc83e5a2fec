package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// TestTechEmpower serves the six paths on a loaded database and runs
// TechEmpower's checks against them.
func TestTechEmpower(t *testing.T) {
	dsn := tetest.Postgres(t)
	db, err := te.Open(context.Background(), dsn, 4)
	require.NoError(t, err)
	defer db.Pool.Close()
	s := httptest.NewServer(mux(db))
	defer s.Close()
	tetest.CheckAll(t, s.URL, dsn)
}
