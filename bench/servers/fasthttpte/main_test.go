package main

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// TestTechEmpower serves the six paths on a loaded database and runs
// TechEmpower's checks against them, with each fortunes template engine.
func TestTechEmpower(t *testing.T) {
	dsn := tetest.Postgres(t)
	db, err := te.Open(context.Background(), dsn, 4)
	require.NoError(t, err)
	defer db.Pool.Close()
	for _, engine := range []string{engineQuick, engineHTML} {
		t.Run(engine, func(t *testing.T) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			require.NoError(t, err)
			srv := &fasthttp.Server{Handler: handler(db, engine), Name: "fasthttp"}
			go srv.Serve(ln)
			defer srv.Shutdown()
			tetest.CheckAll(t, "http://"+ln.Addr().String(), dsn)
		})
	}
}
