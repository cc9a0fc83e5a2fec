package main

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/te"
	"github.com/gornado/gornado/bench/internal/te/tetest"
)

// memStore is a Store without Postgres: the fortunes as a driver would
// return them (a fresh slice per call), for measuring the framework's part.
type memStore struct{}

func (memStore) World(context.Context) (te.World, error) {
	return te.World{ID: 1, RandomNumber: 1}, nil
}
func (memStore) Worlds(_ context.Context, n int) ([]te.World, error) {
	return make([]te.World, n), nil
}
func (memStore) Update(_ context.Context, n int) ([]te.World, error) {
	return make([]te.World, n), nil
}
func (memStore) Fortunes(context.Context) ([]te.Fortune, error) {
	return slices.Clone(te.Fortunes), nil
}

// request is one fetch of path over a kept-alive connection, allocation
// free on the client's side: each answer is read into the same buffer,
// the head up to its blank line, then Content-Length bytes of body.
type request struct {
	conn net.Conn
	req  []byte
	buf  []byte
}

func newRequest(tb testing.TB, addr, path string) *request {
	conn, err := net.Dial("tcp", addr)
	require.NoError(tb, err)
	tb.Cleanup(func() { conn.Close() })
	// A deadline for the whole benchmark, so that a server that stops
	// answering fails it rather than hanging it.
	conn.SetDeadline(time.Now().Add(5 * time.Minute))
	r := &request{conn: conn, req: []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n"), buf: make([]byte, 64<<10)}
	require.Equal(tb, "HTTP/1.1 200", string(r.do(tb)))
	return r
}

var contentLength = []byte("\r\nContent-Length: ")

// do sends the request, reads its answer, and returns the answer's first
// 12 bytes ("HTTP/1.1 200"), a slice of the buffer.
func (r *request) do(tb testing.TB) []byte {
	if _, err := r.conn.Write(r.req); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for {
		m, err := r.conn.Read(r.buf[n:])
		if err != nil {
			tb.Fatal(err)
		}
		n += m
		end := bytes.Index(r.buf[:n], []byte("\r\n\r\n"))
		if end < 0 {
			continue
		}
		i := bytes.Index(r.buf[:end], contentLength)
		if i < 0 {
			tb.Fatalf("no Content-Length in %q", r.buf[:end])
		}
		length := 0
		for _, c := range r.buf[i+len(contentLength) : end] {
			if c < '0' || c > '9' {
				break
			}
			length = length*10 + int(c-'0')
		}
		total := end + 4 + length
		if total > len(r.buf) {
			tb.Fatalf("answer of %d bytes", total)
		}
		if n < total {
			if _, err := io.ReadFull(r.conn, r.buf[n:total]); err != nil {
				tb.Fatal(err)
			}
		} else if n > total {
			tb.Fatalf("%d bytes more than one answer", n-total)
		}
		return r.buf[:12]
	}
}

// BenchmarkFortunes is one GET /fortunes at a time through the whole
// server (parser, Application, handler, executor, coroutine, Render,
// writer) with memStore's rows: allocs/op is what final's path costs per
// request, the client allocating nothing. "clone" is what a Clone of the
// page's set and its first Execute cost, the price a render paid per
// request before the per-loop sets (final/web/template.go): a request
// costing fewer allocations than that cannot be cloning.
func BenchmarkFortunes(b *testing.B) {
	b.Run("request", func(b *testing.B) {
		s, addr, err := start(App(memStore{}, 4), "127.0.0.1:0", 1)
		require.NoError(b, err)
		defer s.Close()
		r := newRequest(b, addr, te.PathFortunes)
		b.ReportAllocs()
		for b.Loop() {
			r.do(b)
		}
	})
	text, err := templates.ReadFile("templates/fortunes.html")
	require.NoError(b, err)
	rows := te.AddFortune(slices.Clone(te.Fortunes))
	b.Run("execute", func(b *testing.B) {
		// The template alone, escaped once: what any html/template
		// program pays per page (fasthttp's and net/http's peers too).
		t := template.Must(template.New("fortunes.html").Parse(string(text)))
		var out bytes.Buffer
		require.NoError(b, t.Execute(&out, rows))
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if err := t.Execute(&out, rows); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("clone", func(b *testing.B) {
		master := template.Must(template.New("fortunes.html").Parse(string(text)))
		var out bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			t := template.Must(master.Clone())
			out.Reset()
			if err := t.Execute(&out, rows); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRequest is one request at a time on each path through the
// whole server, with memStore (no Postgres) or, for the -pg variants, a
// loaded database: allocs/op per request, server and driver.
func BenchmarkRequest(b *testing.B) {
	paths := []string{te.PathJSON, te.PathPlaintext, te.PathDB, te.PathQueries + "?queries=20", te.PathFortunes, te.PathUpdates + "?queries=20"}
	run := func(b *testing.B, store Store, path string) {
		s, addr, err := start(App(store, 4), "127.0.0.1:0", 1)
		require.NoError(b, err)
		defer s.Close()
		r := newRequest(b, addr, path)
		b.ReportAllocs()
		for b.Loop() {
			r.do(b)
		}
	}
	for _, p := range paths {
		b.Run("mem"+p, func(b *testing.B) { run(b, memStore{}, p) })
	}
	dsn := tetest.Postgres(b)
	db, err := te.Open(context.Background(), dsn, 4)
	require.NoError(b, err)
	defer db.Pool.Close()
	for _, p := range paths[2:] {
		b.Run("pg"+p, func(b *testing.B) { run(b, db, p) })
	}
}
