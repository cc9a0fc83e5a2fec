package report

import (
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
