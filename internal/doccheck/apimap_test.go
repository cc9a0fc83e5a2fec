package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const repoRoot = "../.."

// codeRef matches a Go name in the API map: a package directory of this
// repository, a dot, and a name or Type.Member, as in
// `final/ioloop.IOLoop.AddHandler` or `stage1-blocking.Fetch`.
var codeRef = regexp.MustCompile(`^((?:final|stage[1-6]-[a-z]+)(?:/[a-z0-9_]+)*)\.([A-Z][A-Za-z0-9_]*(?:\.[A-Z][A-Za-z0-9_]*)?)$`)

var backticked = regexp.MustCompile("`([^`]+)`")

// seedAPIs are the APIs the seed names, as the API map's first column spells
// them. Each must have a row, and the last part of each name must appear in
// the seed itself, so this list cannot grow names the seed never used.
var seedAPIs = []string{
	"HTTPClient", "HTTPClient.fetch", "AsyncHTTPClient", "AsyncHTTPClient.fetch", "response.body",
	"Future", "Future.set_result", "Future.result", "Future.add_done_callback",
	"@gen.coroutine", "gen.Return", "async def", "await", "gen.multi", "gen.convert_yielded",
	"gen.Task", "ThreadPoolExecutor", "gen.sleep", "to_asyncio_future", "cursor.fetch_next",
	"IOLoop.spawn_callback", "IOLoop.run_sync",
	"IOLoop", "IOLoop.current", "IOLoop.make_current", "IOLoop.instance", "IOLoop.initialized",
	"IOLoop.install", "IOLoop.clear_instance", "IOLoop.start", "IOLoop.stop", "IOLoop.close",
	"IOLoop.add_handler", "IOLoop.update_handler", "IOLoop.remove_handler",
	"IOLoop.add_callback", "IOLoop.add_callback_from_signal", "IOLoop.add_future",
	"IOLoop.add_timeout", "IOLoop.call_at", "IOLoop.call_later", "IOLoop.remove_timeout",
	"IOLoop.time", "PeriodicCallback", "PeriodicCallback.start", "PeriodicCallback.stop",
	"PeriodicCallback.is_running",
	"BaseIOStream", "max_buffer_size", "read_chunk_size", "max_write_buffer_size",
	"BaseIOStream.write", "BaseIOStream.read_bytes", "BaseIOStream.read_until",
	"BaseIOStream.read_until_regex", "BaseIOStream.read_until_close", "BaseIOStream.close",
	"BaseIOStream.set_close_callback", "BaseIOStream.closed", "BaseIOStream.reading",
	"BaseIOStream.writing", "BaseIOStream.set_nodelay", "BaseIOStream.fileno",
	"BaseIOStream.close_fd", "BaseIOStream.write_to_fd", "BaseIOStream.read_from_fd",
	"BaseIOStream.get_fd_error", "IOStream", "IOStream.connect", "IOStream.start_tls",
	"SSLIOStream", "SSLIOStream.wait_for_handshake", "PipeIOStream",
	"StreamBufferFullError", "StreamClosedError", "UnsatisfiableReadError",
	"RequestHandler",
}

type apiRow struct {
	line                  int
	tornado, final, stage string
}

func readAPIMap(t *testing.T) []apiRow {
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs", "api.md"))
	require.NoError(t, err)
	var rows []apiRow
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Tornado") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		require.Len(t, cells, 4, "docs/api.md:%d: a row has four cells", i+1)
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, apiRow{line: i + 1, tornado: cells[0], final: cells[1], stage: cells[2]})
	}
	require.NotEmpty(t, rows)
	return rows
}

// TestAPIMapNamesExist checks every Go name the API map gives against the
// package it names.
func TestAPIMapNamesExist(t *testing.T) {
	pkgs := map[string]*Symbols{}
	checked := 0
	for _, row := range readAPIMap(t) {
		for _, cell := range []string{row.final, row.stage} {
			for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
				ref := codeRef.FindStringSubmatch(m[1])
				if ref == nil {
					continue // html/template and the like: Go's own
				}
				dir, name := ref[1], ref[2]
				syms, ok := pkgs[dir]
				if !ok {
					var err error
					syms, err = LoadSymbols(filepath.Join(repoRoot, dir))
					require.NoError(t, err, "docs/api.md:%d names package %s", row.line, dir)
					pkgs[dir] = syms
				}
				checked++
				assert.True(t, syms.Has(name), "docs/api.md:%d: %s has no %s", row.line, dir, name)
			}
		}
	}
	assert.Greater(t, checked, 150, "the map should name well over a hundred Go APIs")
}

// TestAPIMapCoversTheSeed checks that every API the seed names has a row,
// and that each listed name really comes from the seed.
func TestAPIMapCoversTheSeed(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join(repoRoot, "docs", "seed", "tornado-intro.zh.md"))
	require.NoError(t, err)
	rows := readAPIMap(t)
	for _, api := range seedAPIs {
		parts := strings.Split(api, ".")
		last := strings.TrimPrefix(parts[len(parts)-1], "@")
		assert.Contains(t, string(seed), last, "%q is not in the seed", api)

		found := false
		for _, row := range rows {
			for _, m := range backticked.FindAllStringSubmatch(row.tornado, -1) {
				if m[1] == api {
					found = true
				}
			}
		}
		assert.True(t, found, "docs/api.md has no row for the seed's %s", api)
	}
}

// TestSymbolsSeesMethodsThroughEmbedding guards the checker itself: a name
// that does not exist must fail, and a promoted method must pass.
func TestSymbolsSeesMethodsThroughEmbedding(t *testing.T) {
	s, err := LoadSymbols(filepath.Join(repoRoot, "final", "iostream"))
	require.NoError(t, err)
	assert.True(t, s.Has("IOStream.ReadUntil"), "promoted from the embedded Stream")
	assert.True(t, s.Has("SSLIOStream.StartTLS"), "through the alias")
	assert.False(t, s.Has("IOStream.NoSuchMethod"))
	assert.False(t, s.Has("NoSuchType.Close"))
}
