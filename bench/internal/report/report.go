// Package report turns a run's JSON into the files a reader looks at: one
// SVG bar chart per workload and the Markdown tables. Both the runner (at the
// end of a run) and cmd/plot (from a saved JSON file) call it.
package report

import (
	"fmt"
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

// LevelsChart builds the line chart of a sweep (a workload run over levels
// of load): one line per peer, final highlighted, the median rate at each
// level, or with perCPU the median work per CPU. ok is false when the
// workload is no sweep, or has no CPU figures for perCPU.
func LevelsChart(w results.Workload, perCPU bool) (c svgchart.LineChart, ok bool) {
	if len(w.Levels) == 0 {
		return c, false
	}
	fixed := ""
	switch l := w.Levels[0]; {
	case w.Axis == results.AxisQueries:
		fixed = fmt.Sprintf(", %d connections", l.Conns)
	case l.Pipeline > 1:
		fixed = fmt.Sprintf(", pipelined %d", l.Pipeline)
	}
	c = svgchart.LineChart{
		Title:    fmt.Sprintf("TechEmpower %s over %s%s", w.Name, results.AxisName(w.Axis), fixed),
		Subtitle: w.Unit + ", median at each level; higher is better",
		XLabel:   results.AxisName(w.Axis),
	}
	if perCPU {
		c.Title += ": work per CPU"
		c.Subtitle = strings.TrimSuffix(w.Unit, "/s") + " per core-second (the rate over the server's CPU share), median at each level"
	}
	for _, l := range w.Levels {
		c.X = append(c.X, l.Label(w.Axis))
	}
	for _, p := range w.Peers {
		if p.Skipped != "" {
			continue
		}
		sr := svgchart.Series{Label: p.Peer, Highlight: p.Peer == "final"}
		for i := range w.Levels {
			v := math.NaN()
			if i < len(p.Levels) && len(p.Levels[i].Runs) > 0 {
				l := p.Levels[i]
				v = stats.Median(l.Runs)
				if perCPU {
					v = math.NaN()
					if pc := l.PerCoreSecond(); len(pc) > 0 {
						v = stats.Median(pc)
					}
				}
			}
			if !math.IsNaN(v) {
				ok = true
			}
			sr.Values = append(sr.Values, v)
		}
		c.Series = append(c.Series, sr)
	}
	return c, ok
}

// Write puts <dir>/<workload>.svg for every workload, <workload>-percpu.svg
// for every rate with CPU figures, <workload>-levels.svg and
// <workload>-levels-percpu.svg for every sweep, and <dir>.md beside dir, and
// returns the paths written.
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
		for _, perCPU := range []bool{false, true} {
			c, ok := LevelsChart(w, perCPU)
			if !ok {
				continue
			}
			name := w.Name + "-levels.svg"
			if perCPU {
				name = w.Name + "-levels-percpu.svg"
			}
			p := filepath.Join(dir, name)
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
