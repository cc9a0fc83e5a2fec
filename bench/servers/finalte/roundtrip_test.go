package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// BenchmarkRoundTrip measures what one database round trip costs final
// beyond the driver's own cost, one round trip at a time:
//
//   - driver: pgx's QueryRow of one World row, on the benchmark's
//     goroutine: the driver's cost and Postgres's;
//   - loop: the same call as the handlers make it, on the workers
//     executor, awaited by a coroutine on an IOLoop;
//   - loop-noop: the executor and the coroutine around a call that does
//     nothing: final's part alone.
//
// Run it with -cpu 1,2: with one P, the loop and the executor's goroutine
// share it. The loop waits parked in Go's netpoller, holding no P, so the
// goroutine runs at once; while it blocked in epoll_wait it held the P
// until the runtime's sysmon took it back, and loop-noop cost ~126 µs
// instead of ~5 (docs/performance.md).
func BenchmarkRoundTrip(b *testing.B) {
	dsn := tetest.Postgres(b)
	db, err := te.Open(context.Background(), dsn, 1)
	require.NoError(b, err)
	defer db.Pool.Close()
	ctx := context.Background()

	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.World(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	onLoop := func(b *testing.B, fn func() (te.World, error)) {
		loop, err := ioloop.New()
		require.NoError(b, err)
		defer loop.Close(true)
		exec := newWorkers(1)
		b.ReportAllocs()
		b.ResetTimer()
		_, err = gen.Run(loop, 0, func(c *gen.Co) (struct{}, error) {
			for range b.N {
				if _, err := gen.Await(c, concurrent.RunOnExecutor(loop, exec, fn)); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		require.NoError(b, err)
	}
	b.Run("loop", func(b *testing.B) {
		onLoop(b, func() (te.World, error) { return db.World(ctx) })
	})
	b.Run("loop-noop", func(b *testing.B) {
		onLoop(b, func() (te.World, error) { return te.World{}, nil })
	})
}
