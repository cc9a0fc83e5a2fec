package results

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/levels.md from the code")

// loadLevels reads the fixed sweep in testdata and sets each peer's peak,
// as cmd/bench does at the end of a sweep.
func loadLevels(t *testing.T) *Run {
	r, err := Load(filepath.Join("testdata", "levels.json"))
	require.NoError(t, err)
	for i := range r.Workloads {
		w := &r.Workloads[i]
		for j := range w.Peers {
			w.Peers[j].SetPeak(w.HigherIsBetter)
		}
	}
	return r
}

// A peer's own figures become its best level's: final peaks at 64
// connections although 512 came last, and its errors there are not its
// peak's.
func TestSetPeak(t *testing.T) {
	r := loadLevels(t)
	w := r.Workloads[0]
	f := w.Find("final")
	assert.Equal(t, "64", f.Level)
	assert.Equal(t, 120000.0, f.Median)
	assert.Equal(t, []float64{95}, f.CPU)
	assert.Zero(t, f.Errors)
	fh := w.Find("fasthttp")
	assert.Equal(t, "512", fh.Level)
	assert.Equal(t, 105000.0, fh.Median)
	assert.InDelta(t, 120000.0/105000, w.Ratio("fasthttp"), 1e-12, "ratios compare peaks")
	assert.Empty(t, w.Find("tornado").Level, "a skipped peer has no peak")

	// A level without runs (it failed) is passed over.
	q := r.Workloads[1].Find("final")
	assert.Equal(t, "1", q.Level)
	assert.Equal(t, 15000.0, q.Median)
}

// The per-level tables, from the fixed sweep: compared whole with
// testdata/levels.md (go test -run LevelsMarkdown . -args -update, in this directory, rewrites it).
func TestLevelsMarkdown(t *testing.T) {
	got := loadLevels(t).LevelsMarkdown()
	golden := filepath.Join("testdata", "levels.md")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

// A run with sweeps says, above its tables, that they show peaks, and puts
// the per-level tables in; one without says neither.
func TestMarkdownWithLevels(t *testing.T) {
	md := loadLevels(t).Markdown()
	assert.Contains(t, md, "each peer's peak level")
	assert.Contains(t, md, "| json | requests/s ↑ | 120,000 | 105,000 | no wrk |")
	assert.Contains(t, md, "**json** over connections")
	plain := sample().Markdown()
	assert.NotContains(t, plain, "peak")
	assert.Empty(t, sample().LevelsMarkdown())
}
