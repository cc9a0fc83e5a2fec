package results

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func summarized(ws ...Workload) *Run {
	r := &Run{Reps: 2, Duration: "5s", Workloads: ws}
	for i := range r.Workloads {
		for j := range r.Workloads[i].Peers {
			r.Workloads[i].Peers[j].Summarize()
		}
	}
	return r
}

func TestCheckJudgesBothRatios(t *testing.T) {
	r := summarized(
		Workload{Name: "hello64", Unit: "requests/s", HigherIsBetter: true, Peers: []Result{
			// final 120k at 100% CPU; fasthttp 100k at 100%: 1.2x both ways.
			{Peer: "final", Runs: []float64{120000, 120000}, CPU: []float64{100, 100}},
			{Peer: "fasthttp", Runs: []float64{100000, 100000}, CPU: []float64{100, 100}},
			// nginx as fast but on half the CPU: 1.0x by rate, 0.5x per CPU.
			{Peer: "nginx", Runs: []float64{120000, 120000}, CPU: []float64{50, 50}},
			{Peer: "tornado", Runs: []float64{10000, 10000}, CPU: []float64{100, 100}},
		}},
		Workload{Name: "idlemem", Unit: "bytes/conn", Peers: []Result{{Peer: "final", Runs: []float64{871}}}},
	)
	by := map[string]Verdict{}
	for _, v := range r.Check() {
		by[v.What] = v
	}
	v := by["hello world through Application ≥ 1.0x fasthttp"]
	assert.Equal(t, "yes", v.Holds)
	assert.InDelta(t, 1.2, v.Rate, 1e-9)
	assert.InDelta(t, 1.2, v.PerCPU, 1e-9)
	v = by["hello world through Application ≥ 0.9x nginx"]
	assert.Equal(t, "unclear", v.Holds, "1.0x by rate, 0.5x per CPU")
	assert.Equal(t, "no", by["hello world through Application ≥ 20x Tornado"].Holds)
	assert.Equal(t, "not measured", by["hello world through Application ≥ 2x net/http"].Holds)
	assert.Equal(t, "yes", by["≤ 1 KB resident per idle keep-alive connection"].Holds)
	_, asked := by["pipelined ≥ 1.0x gnet"]
	assert.False(t, asked, "a workload that was not run is left out")

	md := r.Markdown()
	require.Contains(t, md, "| hello world through Application ≥ 1.0x fasthttp | hello64 | 1.20x | 1.20x | yes |")
	assert.Contains(t, md, "| hello world through Application ≥ 20x Tornado | hello64 | 12.00x | 12.00x | **no** |")
	assert.Contains(t, md, "| ≤ 1 KB resident per idle keep-alive connection | idlemem | 871 bytes/conn |  | yes |")
	assert.True(t, math.IsNaN(by["hello world through Application ≥ 2x net/http"].Rate))
}
