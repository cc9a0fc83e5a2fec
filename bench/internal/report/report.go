// Package report turns a run's JSON into the files a reader looks at: one
// SVG bar chart per workload and the Markdown tables. Both the runner (at the
// end of a run) and cmd/plot (from a saved JSON file) call it.
package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gornado/gornado/bench/internal/results"
	"github.com/gornado/gornado/bench/internal/stats"
	"github.com/gornado/gornado/bench/internal/svgchart"
)

// Chart builds the bar chart of one workload: a bar per peer, final first
// and highlighted, peers without a number shown with the reason.
func Chart(w results.Workload) svgchart.Chart {
	dir := "higher is better"
	if !w.HigherIsBetter {
		dir = "lower is better"
	}
	c := svgchart.Chart{Title: w.Title, Subtitle: w.Unit + ", " + dir + "; median, line: min–max; ⚠ measured under load"}
	for _, p := range w.Peers {
		b := svgchart.Bar{Label: p.Peer, Highlight: p.Peer == "final"}
		switch {
		case p.Skipped != "":
			b.Note = p.Skipped
		case len(p.Runs) == 0:
			b.Note = "no result"
		default:
			b.Value, b.Lo, b.Hi = p.Median, p.Min, p.Max
			b.Text = results.FormatNumber(p.Median)
			if p.UnderLoad() {
				b.Text += " ⚠"
			}
			if r := w.Ratio(p.Peer); p.Peer != w.Reference() && !math.IsNaN(r) {
				b.Text += "  (" + w.Reference() + " " + results.FormatRatio(r) + ")"
			}
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// PerCPUChart builds the work-per-CPU chart of a throughput workload: each
// peer's rate over its server's CPU share, median and range over the runs.
// ok is false when the workload has no CPU figures or is not a rate.
func PerCPUChart(w results.Workload) (c svgchart.Chart, ok bool) {
	if !w.HigherIsBetter {
		return c, false
	}
	c = svgchart.Chart{
		Title:    w.Title + ": work per CPU",
		Subtitle: strings.TrimSuffix(w.Unit, "/s") + " per core-second: the rate over the server's CPU share; higher is better; median, line: min–max",
	}
	for _, p := range w.Peers {
		b := svgchart.Bar{Label: p.Peer, Highlight: p.Peer == "final"}
		v := p.PerCoreSecond()
		switch {
		case p.Skipped != "":
			b.Note = p.Skipped
		case len(v) == 0:
			b.Note = "no CPU figures"
		default:
			ok = true
			b.Value = stats.Median(v)
			b.Lo, b.Hi = stats.MinMax(v)
			b.Text = results.FormatNumber(b.Value)
		}
		c.Bars = append(c.Bars, b)
	}
	return c, ok
}

// Write puts <dir>/<workload>.svg for every workload, <workload>-percpu.svg
// for every rate with CPU figures, and <dir>.md beside dir, and returns the
// paths written.
func Write(run *results.Run, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, w := range run.Workloads {
		p := filepath.Join(dir, w.Name+".svg")
		if err := os.WriteFile(p, Chart(w).SVG(), 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
		if c, ok := PerCPUChart(w); ok {
			p := filepath.Join(dir, w.Name+"-percpu.svg")
			if err := os.WriteFile(p, c.SVG(), 0o644); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
	}
	md := filepath.Clean(dir) + ".md"
	if err := os.WriteFile(md, []byte(run.Markdown()), 0o644); err != nil {
		return paths, err
	}
	return append(paths, md), nil
}
