package report

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/results"
)

func run() *results.Run {
	w := results.Workload{Name: "hello64", Title: "hello world", Unit: "requests/s",
		HigherIsBetter: true, Fallback: "nethttp",
		Peers: []results.Result{
			{Peer: "final", Skipped: "not built yet"},
			{Peer: "nethttp", Runs: []float64{10, 20, 30}},
			{Peer: "fasthttp", Runs: []float64{40, 40, 40}, CPU: []float64{50, 100, 40}},
		}}
	for i := range w.Peers {
		w.Peers[i].Summarize()
	}
	return &results.Run{Reps: 3, Duration: "5s", Workloads: []results.Workload{w}}
}

func TestChart(t *testing.T) {
	c := Chart(run().Workloads[0])
	require.Len(t, c.Bars, 3)
	assert.Equal(t, "not built yet", c.Bars[0].Note)
	assert.True(t, c.Bars[0].Highlight)
	assert.Equal(t, 20.0, c.Bars[1].Value)
	assert.Equal(t, 10.0, c.Bars[1].Lo)
	assert.Equal(t, 30.0, c.Bars[1].Hi)
	assert.Equal(t, "20.0", c.Bars[1].Text, "the reference has no ratio to itself")
	assert.Equal(t, "40.0  (nethttp 0.50x)", c.Bars[2].Text)
	assert.Contains(t, c.Subtitle, "higher is better")
}

func TestPerCPUChart(t *testing.T) {
	c, ok := PerCPUChart(run().Workloads[0])
	require.True(t, ok)
	require.Len(t, c.Bars, 3)
	assert.Equal(t, "not built yet", c.Bars[0].Note)
	assert.Equal(t, "no CPU figures", c.Bars[1].Note)
	// 40 at 50%, 100% and 40% of a core: 80, 40 and 100 per core-second.
	assert.Equal(t, 80.0, c.Bars[2].Value)
	assert.Equal(t, 40.0, c.Bars[2].Lo)
	assert.Equal(t, 100.0, c.Bars[2].Hi)

	mem := results.Workload{Name: "idlemem", HigherIsBetter: false}
	_, ok = PerCPUChart(mem)
	assert.False(t, ok, "no such chart for memory")
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run1")
	paths, err := Write(run(), dir)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "hello64.svg"), filepath.Join(dir, "hello64-percpu.svg"), dir + ".md"}, paths)
	svg, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	assert.Contains(t, string(svg), "<svg")
	md, err := os.ReadFile(paths[2])
	require.NoError(t, err)
	assert.Contains(t, string(md), "| hello64 |")
}

// The sweep in results' testdata: a line per peer that has a number, the
// levels along x, NaN where a level has no runs.
func TestLevelsChart(t *testing.T) {
	run, err := results.Load(filepath.Join("..", "results", "testdata", "levels.json"))
	require.NoError(t, err)
	w := run.Workloads[0]
	c, ok := LevelsChart(w, false)
	require.True(t, ok)
	assert.Equal(t, []string{"16", "64", "512"}, c.X)
	assert.Equal(t, "connections", c.XLabel)
	require.Len(t, c.Series, 2, "tornado was skipped")
	assert.Equal(t, "final", c.Series[0].Label)
	assert.True(t, c.Series[0].Highlight)
	assert.Equal(t, []float64{90000, 120000, 110000}, c.Series[0].Values)

	// Work per CPU: fasthttp's 100,000 at 80% of a core is 125,000.
	c, ok = LevelsChart(w, true)
	require.True(t, ok)
	assert.Equal(t, 125000.0, c.Series[1].Values[1])

	q, ok := LevelsChart(run.Workloads[1], false)
	require.True(t, ok)
	assert.Equal(t, "queries per request", q.XLabel)
	assert.Contains(t, q.Title, "512 connections")
	assert.True(t, math.IsNaN(q.Series[0].Values[1]), "final's failed level")

	_, ok = LevelsChart(run.Workloads[0], false)
	assert.True(t, ok)
	_, ok = LevelsChart(results.Workload{Name: "hello64"}, false)
	assert.False(t, ok, "no sweep, no line chart")

	paths, err := Write(run, filepath.Join(t.TempDir(), "levels"))
	require.NoError(t, err)
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	assert.Contains(t, names, "json-levels.svg")
	assert.Contains(t, names, "json-levels-percpu.svg")
	assert.Contains(t, names, "queries-levels.svg")
}
