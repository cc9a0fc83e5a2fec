package results

import (
	"fmt"
	"math"
	"strings"

	"github.com/gornado/gornado/bench/internal/stats"
)

// Target is one of the performance targets (docs/performance.md): final (or final's client) against a
// peer in a workload, at least At times the peer; or, with MaxValue set, at
// most that many units (memory).
type Target struct {
	Workload, Final, Peer string
	At                    float64
	MaxValue              float64
	What                  string
}

// Targets are the performance targets, as the harness can check them.
var Targets = []Target{
	{Workload: "hello64", Final: "final", Peer: "fasthttp", At: 1.0, What: "hello world through Application ≥ 1.0x fasthttp"},
	{Workload: "hello64", Final: "final", Peer: "nginx", At: 0.9, What: "hello world through Application ≥ 0.9x nginx"},
	{Workload: "hello64", Final: "final", Peer: "nethttp", At: 2.0, What: "hello world through Application ≥ 2x net/http"},
	{Workload: "hello64", Final: "final", Peer: "tornado", At: 20, What: "hello world through Application ≥ 20x Tornado"},
	{Workload: "pipeline16", Final: "final", Peer: "gnet", At: 1.0, What: "pipelined ≥ 1.0x gnet"},
	{Workload: "pipeline16", Final: "final-raw", Peer: "gnet", At: 1.0, What: "pipelined, final's HTTP layer without the framework ≥ 1.0x gnet"},
	{Workload: "idlemem", Final: "final", MaxValue: 1000, What: "≤ 1 KB resident per idle keep-alive connection"},
	{Workload: "wsecho", Final: "final", Peer: "gorilla", At: 1.0, What: "WebSocket echo ≥ 1.0x gorilla/websocket"},
	{Workload: "client", Final: "final-client", Peer: "nethttp-client", At: 1.0, What: "client ≥ 1.0x net/http's client"},
	// TechEmpower's six tests (bench/cmd/bench/te.go): final's te program
	// against fasthttp's in each, and pipelined plaintext against gnet.
	{Workload: "json", Final: "final", Peer: "fasthttp", At: 1.0, What: "TechEmpower json ≥ 1.0x fasthttp"},
	{Workload: "plaintext", Final: "final", Peer: "fasthttp", At: 1.0, What: "TechEmpower plaintext (pipelined) ≥ 1.0x fasthttp"},
	{Workload: "plaintext", Final: "final", Peer: "gnet", At: 1.0, What: "TechEmpower plaintext (pipelined) through Application ≥ 1.0x gnet"},
	{Workload: "db", Final: "final", Peer: "fasthttp", At: 1.0, What: "TechEmpower db ≥ 1.0x fasthttp"},
	{Workload: "queries", Final: "final", Peer: "fasthttp", At: 1.0, What: "TechEmpower queries (20) ≥ 1.0x fasthttp"},
	{Workload: "fortunes", Final: "final", Peer: "fasthttp", At: 1.0, What: "TechEmpower fortunes ≥ 1.0x fasthttp"},
	{Workload: "updates", Final: "final", Peer: "fasthttp", At: 1.0, What: "TechEmpower updates (20) ≥ 1.0x fasthttp"},
}

// Verdict is a target's outcome in one run.
type Verdict struct {
	Target
	// Rate is final's median over the peer's; PerCPU the same for the
	// medians of work per CPU; NaN where a number is missing. Value is
	// final's median, for a MaxValue target.
	Rate, PerCPU, Value float64
	// Holds is "yes", "no", "unclear" (the two ratios disagree) or
	// "not measured".
	Holds string
}

// Check judges every target that r's workloads can answer.
func (r *Run) Check() []Verdict {
	var out []Verdict
	for _, t := range Targets {
		v := Verdict{Target: t, Rate: math.NaN(), PerCPU: math.NaN(), Value: math.NaN(), Holds: "not measured"}
		var w *Workload
		for i := range r.Workloads {
			if r.Workloads[i].Name == t.Workload {
				w = &r.Workloads[i]
			}
		}
		if w == nil {
			continue
		}
		f := w.Find(t.Final)
		if f == nil || !(f.Median > 0) {
			out = append(out, v)
			continue
		}
		if t.MaxValue > 0 {
			v.Value = f.Median
			v.Holds = yesNo(f.Median <= t.MaxValue)
			out = append(out, v)
			continue
		}
		p := w.Find(t.Peer)
		if p == nil || !(p.Median > 0) {
			out = append(out, v)
			continue
		}
		v.Rate = stats.Ratio(f.Median, p.Median, w.HigherIsBetter)
		if fc, pc := f.PerCoreSecond(), p.PerCoreSecond(); len(fc) > 0 && len(pc) > 0 {
			v.PerCPU = stats.Ratio(stats.Median(fc), stats.Median(pc), w.HigherIsBetter)
		}
		switch {
		case math.IsNaN(v.PerCPU):
			v.Holds = yesNo(v.Rate >= t.At)
		case (v.Rate >= t.At) == (v.PerCPU >= t.At):
			v.Holds = yesNo(v.Rate >= t.At)
		default:
			v.Holds = "unclear"
		}
		out = append(out, v)
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// TargetsMarkdown renders Check as a table: each ratio target with final's
// ratio of median rates and of median work per CPU; a target holds when
// both meet it, misses when both do not, and is unclear when they disagree.
func (r *Run) TargetsMarkdown() string {
	vs := r.Check()
	if len(vs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("The performance targets: final's ratio to the peer, of the median rates and of the median work per CPU;")
	b.WriteString(" a target holds when both meet it and misses when both fall short.\n\n")
	b.WriteString("| target | workload | rate | work per CPU | holds |\n|---|---|--:|--:|---|\n")
	for _, v := range vs {
		rate, per := FormatRatio(v.Rate), FormatRatio(v.PerCPU)
		if v.MaxValue > 0 {
			rate, per = "", ""
			if !math.IsNaN(v.Value) {
				rate = FormatNumber(v.Value) + " " + r.unit(v.Workload)
			}
		}
		holds := v.Holds
		if holds == "no" {
			holds = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", v.What, v.Workload, rate, per, holds)
	}
	return b.String()
}

// unit returns the unit of the named workload.
func (r *Run) unit(name string) string {
	for _, w := range r.Workloads {
		if w.Name == name {
			return w.Unit
		}
	}
	return ""
}
