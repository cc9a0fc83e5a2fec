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

// loadLevels reads the fixed sweep in testdata and sets each peer's
// headline figures, as cmd/bench does at the end of a sweep.
func loadLevels(t *testing.T) *Run {
	r, err := Load(filepath.Join("testdata", "levels.json"))
	require.NoError(t, err)
	for i := range r.Workloads {
		r.Workloads[i].SetHeadlines()
	}
	return r
}

// Over connections a peer's own figures become its best level's: final
// peaks at 64 connections although 512 came last, and its errors there
// are not its peak's.
func TestHeadlineIsThePeakOverConnections(t *testing.T) {
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
}

// Over queries the headline is the 20-row level, as TechEmpower's ranking
// shows, not the peak (1 row is always faster); a peer whose 20-row level
// failed has no headline figure, not its 1-row one.
func TestHeadlineIsTheMostQueries(t *testing.T) {
	q := loadLevels(t).Workloads[1]
	fh := q.Find("fasthttp")
	assert.Equal(t, "20", fh.Level)
	assert.Equal(t, 1400.0, fh.Median)
	f := q.Find("final")
	assert.Empty(t, f.Level)
	assert.Zero(t, f.Median)
	assert.Equal(t, 15000.0, f.Levels[0].Median, "every level is summarized")

	// SetPeak alone would take the best level.
	f.SetPeak(true)
	assert.Equal(t, "1", f.Level)
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
	assert.Contains(t, md, "the level TechEmpower ranks by")
	assert.Contains(t, md, "| json | requests/s ↑ | 120,000 | 105,000 | no wrk |")
	assert.Contains(t, md, "**json** over connections")
	plain := sample().Markdown()
	assert.NotContains(t, plain, "peak")
	assert.Empty(t, sample().LevelsMarkdown())
}
