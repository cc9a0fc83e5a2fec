package results

// Sweeps: a workload run at several levels of load (cmd/bench -levels te),
// as TechEmpower runs each test at several client concurrencies (16 to 512
// connections; plaintext 256 to 16,384, pipelined) and queries and updates
// at several rows per request (1 to 20, at 512 connections). Each peer's
// result keeps one result per level, and its own figures are those of the
// level TechEmpower ranks by (SetHeadlines): its peak over connections,
// the 20-row level over queries; so every table and target that reads a
// median reads that level.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gornado/gornado/bench/internal/stats"
)

// The axes a sweep varies along (Workload.Axis).
const (
	AxisConns   = "connections" // wrk's connections; queries fixed
	AxisQueries = "queries"     // the queries parameter, at fixed connections
)

// Level is one step of a sweep: the load wrk puts on the server.
type Level struct {
	Conns    int `json:"conns"`              // wrk's connections
	Pipeline int `json:"pipeline,omitempty"` // requests per write; 0 for none
	Queries  int `json:"queries,omitempty"`  // the queries parameter; 0 for tests without one
}

// AxisName is how prose names axis: "connections", "queries per request".
func AxisName(axis string) string {
	if axis == AxisQueries {
		return "queries per request"
	}
	return axis
}

// Label is the level's value along axis: its connections or its queries.
func (l Level) Label(axis string) string {
	if axis == AxisQueries {
		return strconv.Itoa(l.Queries)
	}
	return strconv.Itoa(l.Conns)
}

// SetPeak makes r's own figures (Runs, CPU, Others, Errors, and the
// summary) those of its best level, and Level that level's label; levels
// without runs are passed over. It does nothing when r has no levels with
// runs.
func (r *Result) SetPeak(higherIsBetter bool) {
	best := -1
	for i := range r.Levels {
		l := &r.Levels[i]
		if len(l.Runs) == 0 {
			continue
		}
		l.Summarize()
		if best < 0 || (higherIsBetter && l.Median > r.Levels[best].Median) ||
			(!higherIsBetter && l.Median < r.Levels[best].Median) {
			best = i
		}
	}
	if best >= 0 {
		r.setLevel(best)
	}
}

// setLevel makes r's own figures those of its level i.
func (r *Result) setLevel(i int) {
	p := r.Levels[i]
	r.Runs, r.CPU, r.Others, r.Errors, r.Level = p.Runs, p.CPU, p.Others, p.Errors, p.Level
	r.Summarize()
}

// SetHeadlines gives each peer of a sweep the figures TechEmpower ranks it
// by: over connections its peak (the best of the levels); over queries
// the level with the most rows a request (20), the one TechEmpower's
// queries and updates rankings show, since fewer rows are always faster
// and the peak would say nothing. A peer whose headline level has no runs
// keeps none. Workloads without levels are left as they are.
func (w *Workload) SetHeadlines() {
	if len(w.Levels) == 0 {
		return
	}
	for i := range w.Peers {
		r := &w.Peers[i]
		for j := range r.Levels {
			r.Levels[j].Summarize()
		}
		if w.Axis != AxisQueries {
			r.SetPeak(w.HigherIsBetter)
			continue
		}
		h := 0
		for j, l := range w.Levels {
			if l.Queries > w.Levels[h].Queries {
				h = j
			}
		}
		if h < len(r.Levels) && len(r.Levels[h].Runs) > 0 {
			r.setLevel(h)
		}
	}
}

// hasLevels reports whether any workload of the run is a sweep.
func (r *Run) hasLevels() bool {
	for _, w := range r.Workloads {
		if len(w.Levels) > 0 {
			return true
		}
	}
	return false
}

// LevelsMarkdown renders each sweep as a table: a row per level, a column
// per peer, the median rate at that level, the level each peer's headline
// figures come from in bold (SetHeadlines); and
// under it the reference's ratio to each peer at every level. "" when the
// run has no sweep.
func (r *Run) LevelsMarkdown() string {
	if !r.hasLevels() {
		return ""
	}
	var b strings.Builder
	for _, w := range r.Workloads {
		if len(w.Levels) == 0 {
			continue
		}
		var peers []string
		for _, p := range w.Peers {
			peers = append(peers, p.Peer)
		}
		fixed := ""
		switch l := w.Levels[0]; {
		case w.Axis == AxisQueries:
			fixed = fmt.Sprintf(", %d connections", l.Conns)
		case l.Pipeline > 1:
			fixed = fmt.Sprintf(", pipelined %d", l.Pipeline)
		}
		what := "each peer's peak in bold"
		if w.Axis == AxisQueries {
			what = "in bold the level TechEmpower ranks by, the most rows a request"
		}
		fmt.Fprintf(&b, "**%s** over %s%s: median %s, %s.\n\n", w.Name, AxisName(w.Axis), fixed, w.Unit, what)
		writeTableHead(&b, []string{fmt.Sprint(w.Axis)}, "--:", peers, "")
		for i, l := range w.Levels {
			label := l.Label(w.Axis)
			fmt.Fprintf(&b, "| %s |", label)
			for _, p := range w.Peers {
				c := ""
				switch {
				case p.Skipped != "":
					if i == 0 {
						c = p.Skipped
					}
				case i < len(p.Levels):
					c = cell(&p.Levels[i])
					if p.Level == label && len(p.Levels[i].Runs) > 0 {
						c = "**" + c + "**"
					}
				}
				fmt.Fprintf(&b, " %s |", c)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		ref := w.Find(w.Reference())
		if ref == nil || len(ref.Levels) != len(w.Levels) {
			continue
		}
		fmt.Fprintf(&b, "%s's ratio to each peer at each level (above 1: %s ahead):\n\n", w.Reference(), w.Reference())
		var others []string
		for _, p := range peers {
			if p != w.Reference() {
				others = append(others, p)
			}
		}
		writeTableHead(&b, []string{fmt.Sprint(w.Axis)}, "--:", others, "vs ")
		for i, l := range w.Levels {
			fmt.Fprintf(&b, "| %s |", l.Label(w.Axis))
			for _, name := range others {
				p := w.Find(name)
				c := ""
				if p.Skipped == "" && i < len(p.Levels) {
					c = FormatRatio(stats.Ratio(ref.Levels[i].Median, p.Levels[i].Median, w.HigherIsBetter))
				}
				fmt.Fprintf(&b, " %s |", c)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}
