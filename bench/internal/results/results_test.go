package results

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() *Run {
	r := &Run{Reps: 3, Duration: "5s"}
	hello := Workload{Name: "hello64", Unit: "requests/s", HigherIsBetter: true, Fallback: "nethttp",
		Peers: []Result{
			{Peer: "final", Skipped: "not built yet"},
			{Peer: "nethttp", Runs: []float64{30000, 34000, 32000}, CPU: []float64{99, 97, 100}, Others: []float64{3, 40, 5}},
			{Peer: "fasthttp", Runs: []float64{64000, 60000, 70000}, Errors: 2, CPU: []float64{50, 50, 50}, Others: []float64{60, 120, 10}},
		}}
	mem := Workload{Name: "idlemem", Unit: "bytes/conn", Fallback: "nethttp",
		Peers: []Result{
			{Peer: "nethttp", Runs: []float64{19000}},
			{Peer: "gnet", Runs: []float64{600}},
		}}
	r.Workloads = []Workload{hello, mem}
	for i := range r.Workloads {
		for j := range r.Workloads[i].Peers {
			r.Workloads[i].Peers[j].Summarize()
		}
	}
	return r
}

func TestSummarize(t *testing.T) {
	r := sample()
	p := r.Workloads[0].Find("nethttp")
	require.NotNil(t, p)
	assert.Equal(t, 32000.0, p.Median)
	assert.Equal(t, 30000.0, p.Min)
	assert.Equal(t, 34000.0, p.Max)
	assert.Nil(t, r.Workloads[0].Find("nginx"))
}

func TestReferenceFallsBackWhileFinalIsMissing(t *testing.T) {
	r := sample()
	w := &r.Workloads[0]
	assert.Equal(t, "nethttp", w.Reference())
	assert.InDelta(t, 32000.0/64000, w.Ratio("fasthttp"), 1e-12)

	// Once final has a number, it is the reference.
	f := w.Find("final")
	f.Skipped, f.Runs = "", []float64{128000, 120000, 130000}
	f.Summarize()
	assert.Equal(t, "final", w.Reference())
	assert.InDelta(t, 2.0, w.Ratio("fasthttp"), 1e-12)
	assert.InDelta(t, 4.0, w.Ratio("nethttp"), 1e-12)
	assert.True(t, math.IsNaN(w.Ratio("nginx")))
}

// final-raw (final's HTTP layer without the framework) is one more column:
// the reference stays final, and final-raw gets a ratio like any peer.
func TestFinalRawIsNotTheReference(t *testing.T) {
	w := Workload{Name: "hello64", Unit: "requests/s", HigherIsBetter: true, Fallback: "nethttp",
		Peers: []Result{
			{Peer: "final", Runs: []float64{100000}},
			{Peer: "final-raw", Runs: []float64{125000}},
			{Peer: "gnet", Runs: []float64{200000}},
		}}
	for i := range w.Peers {
		w.Peers[i].Summarize()
	}
	assert.Equal(t, "final", w.Reference())
	assert.InDelta(t, 0.8, w.Ratio("final-raw"), 1e-12)
	md := (&Run{Reps: 1, Duration: "2s", Workloads: []Workload{w}}).Markdown()
	assert.Contains(t, md, "| workload | unit | final | final-raw | gnet |")
	assert.Contains(t, md, "| hello64 | final | 1 | 0.80x | 0.50x |")

	// Without final's number, the fallback is the reference, not final-raw.
	f := w.Find("final")
	*f = Result{Peer: "final", Skipped: "build failed"}
	assert.Equal(t, "nethttp", w.Reference())
}

func TestPerCoreSecond(t *testing.T) {
	r := Result{Runs: []float64{100, 200}, CPU: []float64{50, 0}}
	assert.Equal(t, []float64{200}, r.PerCoreSecond(), "a run without a CPU figure is left out")
	r = Result{Runs: []float64{100, 200}, CPU: []float64{50}}
	assert.Nil(t, r.PerCoreSecond(), "runs and CPU figures must pair up")
}

func TestRatioLowerIsBetter(t *testing.T) {
	r := sample()
	// net/http's 19000 bytes against gnet's 600: net/http is 0.03x as good.
	assert.InDelta(t, 600.0/19000, r.Workloads[1].Ratio("gnet"), 1e-12)
}

func TestMarkdown(t *testing.T) {
	md := sample().Markdown()
	assert.Contains(t, md, "| workload | unit | final | nethttp | fasthttp | gnet |")
	assert.Contains(t, md, "| hello64 | requests/s ↑ | not built yet | 32,000 | 64,000 ⚠ (2 errors) |  |")
	assert.Contains(t, md, "| idlemem | bytes/conn ↓ |  | 19,000 |  | 600 |")
	assert.Contains(t, md, "| hello64 | nethttp | — | 1 | 0.50x |  |")
	assert.Contains(t, md, "| idlemem | nethttp |  | 1 |  | 0.03x |")
	assert.Contains(t, md, "| hello64 |  | 99% (5%) | 50% (60%) |  |")
	// 30000/0.99, 34000/0.97, 32000/1.00: the median is 32,000.
	assert.Contains(t, md, "| hello64 |  | 32,000 | 128,000 |  |")
	assert.NotContains(t, md, "| idlemem |  |  |  |  |", "no work-per-CPU row for memory")
	// Every table row has as many cells as its header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| workload | unit") || strings.HasPrefix(line, "| workload | reference") {
			assert.Equal(t, 7, strings.Count(line, "|"), line)
		}
	}
}

func TestUnderLoadLegendOnlyWhenMarked(t *testing.T) {
	r := sample()
	assert.Contains(t, r.Markdown(), "A ⚠ marks a result measured under load", "fasthttp's runs were under load")
	r.Workloads[0].Peers[2].Others = []float64{1, 2, 3}
	assert.NotContains(t, r.Markdown(), "⚠", "a quiet run has no mark and no legend")
}

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	r := sample()
	require.NoError(t, r.Save(path))
	got, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, r, got)
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "1,234,567", FormatNumber(1234567.4))
	assert.Equal(t, "999", FormatNumber(999))
	assert.Equal(t, "-1,000", FormatNumber(-1000))
	assert.Equal(t, "12.3", FormatNumber(12.34))
	assert.Equal(t, "—", FormatNumber(math.NaN()))
	assert.Equal(t, "1.23x", FormatRatio(1.234))
	assert.Equal(t, "—", FormatRatio(math.NaN()))
}

func TestFinalClientIsTheClientWorkloadsReference(t *testing.T) {
	w := &Workload{Name: "client", HigherIsBetter: true, Fallback: "nethttp-client",
		Peers: []Result{{Peer: "final-client", Runs: []float64{100}}, {Peer: "nethttp-client", Runs: []float64{50}}}}
	for i := range w.Peers {
		w.Peers[i].Summarize()
	}
	assert.Equal(t, "final-client", w.Reference())
	assert.InDelta(t, 2.0, w.Ratio("nethttp-client"), 1e-12)
}
