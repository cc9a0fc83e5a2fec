// Package results is the file format of a benchmark run (JSON), and its
// rendering as Markdown tables: medians per peer, and the reference's ratio
// to each peer (the reference is final when it has a number, net/http or the
// workload's stand-in while final is not built).
package results

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/gornado/gornado/bench/internal/stats"
)

// Run is one invocation of the runner, as written to bench/results/*.json.
type Run struct {
	Started   string     `json:"started"`  // RFC 3339, UTC
	Finished  string     `json:"finished"` // RFC 3339, UTC
	Command   string     `json:"command"`  // the command line, to rerun it
	Machine   Machine    `json:"machine"`
	Duration  string     `json:"duration"` // of each measurement
	Warmup    string     `json:"warmup"`   // unmeasured load before each measurement
	Reps      int        `json:"reps"`     // measurements per peer and workload
	Workloads []Workload `json:"workloads"`
	Notes     []string   `json:"notes,omitempty"` // what was skipped and why
}

// Machine describes where the run happened.
type Machine struct {
	CPU      string            `json:"cpu"`
	Cores    int               `json:"cores"`
	Kernel   string            `json:"kernel"`
	Go       string            `json:"go"`
	Tools    map[string]string `json:"tools,omitempty"`    // wrk, nginx, tornado versions
	LoadAvg  string            `json:"loadavg,omitempty"`  // /proc/loadavg at the start
	LoadNote string            `json:"loadnote,omitempty"` // other users of the machine
}

// Workload is one kind of load, measured on each of its peers.
type Workload struct {
	Name           string `json:"name"`  // "hello64"
	Title          string `json:"title"` // "hello world, 64 keep-alive connections"
	Unit           string `json:"unit"`  // "requests/s"
	HigherIsBetter bool   `json:"higher_is_better"`
	// Fallback is the peer ratios are given against while final has no
	// number: "nethttp" for the HTTP server workloads.
	Fallback string `json:"fallback"`
	// Levels, when set, are the sweep the workload ran (levels.go): each
	// peer's Levels holds one result per level, in this order.
	Levels []Level `json:"levels,omitempty"`
	// Axis is what varies along Levels: AxisConns or AxisQueries.
	Axis  string   `json:"axis,omitempty"`
	Peers []Result `json:"peers"`
}

// Result is one peer's measurements in one workload.
type Result struct {
	Peer   string    `json:"peer"`
	Runs   []float64 `json:"runs,omitempty"` // one value per repetition, in run order
	Median float64   `json:"median,omitempty"`
	Min    float64   `json:"min,omitempty"`
	Max    float64   `json:"max,omitempty"`
	Errors int64     `json:"errors,omitempty"` // failed requests over all runs
	// CPU is the server's CPU use during each run, in percent of one core
	// (nginx: its workers; the client workload: the client's): near 100
	// when pinned means the server was the bottleneck; well below, the load
	// generator or a neighbour was.
	CPU []float64 `json:"server_cpu,omitempty"`
	// Others is, for each run, the CPU use of every process on the machine
	// but the server and the load generator, in percent of one core: other
	// people's work on a shared machine.
	Others  []float64 `json:"others_cpu,omitempty"`
	Skipped string    `json:"skipped,omitempty"` // why there is no number ("not built yet")
	// Levels, in a sweep, are the results at each of the workload's
	// Levels, in order; the Result's own figures are then those of the
	// level TechEmpower ranks by (Workload.SetHeadlines).
	Levels []Result `json:"levels,omitempty"`
	// Level is, in an entry of Levels, that level's label along the
	// workload's axis ("512"); in a peer's result, its headline level's.
	Level string `json:"level,omitempty"`
}

// Summarize fills Median, Min and Max from Runs.
func (r *Result) Summarize() {
	if len(r.Runs) == 0 {
		return
	}
	r.Median = stats.Median(r.Runs)
	r.Min, r.Max = stats.MinMax(r.Runs)
}

// PerCoreSecond is each run's value divided by the server's CPU use, in
// units per second of one core: how much work the server does for the CPU
// it takes. When the load generator, not the server, is the bottleneck (wrk
// on one core tops out near the fastest servers' rate) the rate ties and
// this still ranks the servers; it is nil without CPU figures.
func (r *Result) PerCoreSecond() []float64 {
	if len(r.CPU) != len(r.Runs) {
		return nil
	}
	var out []float64
	for i, c := range r.CPU {
		if c > 0 {
			out = append(out, r.Runs[i]/(c/100))
		}
	}
	return out
}

// BusyThreshold is the median CPU use of other work, in percent of one
// core, from which a result is marked as measured under load.
const BusyThreshold = 50

// UnderLoad reports whether other work on the machine took a median of
// BusyThreshold percent of a core or more during r's runs.
func (r *Result) UnderLoad() bool {
	return len(r.Others) > 0 && stats.Median(r.Others) >= BusyThreshold
}

// anyUnderLoad reports whether any result of the run was measured under
// load, so that the legend of its mark is needed.
func (r *Run) anyUnderLoad() bool {
	for _, w := range r.Workloads {
		for _, res := range w.Peers {
			if res.UnderLoad() {
				return true
			}
		}
	}
	return false
}

// hasCPU reports whether any peer has CPU figures in w.
func (w *Workload) hasCPU() bool {
	for _, p := range w.Peers {
		if len(p.CPU) > 0 {
			return true
		}
	}
	return false
}

// Find returns the named peer's result, or nil.
func (w *Workload) Find(peer string) *Result {
	for i := range w.Peers {
		if w.Peers[i].Peer == peer {
			return &w.Peers[i]
		}
	}
	return nil
}

// Reference is the peer the ratios are against: final when it has a number
// in this workload, else the fallback.
func (w *Workload) Reference() string {
	// final is the framework's server; final-client is final's client in
	// the client workload, where there is no server under test.
	for _, name := range []string{"final", "final-client"} {
		if r := w.Find(name); r != nil && r.Median > 0 {
			return name
		}
	}
	return w.Fallback
}

// Ratio is the reference's ratio to peer in this workload (above 1: the
// reference is ahead), NaN when either has no number.
func (w *Workload) Ratio(peer string) float64 {
	ref, p := w.Find(w.Reference()), w.Find(peer)
	if ref == nil || p == nil {
		return math.NaN()
	}
	return stats.Ratio(ref.Median, p.Median, w.HigherIsBetter)
}

// Load reads a run from a JSON file.
func Load(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Save writes the run as indented JSON.
func (r *Run) Save(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Markdown renders the run's two tables: medians, then ratios.
func (r *Run) Markdown() string {
	var b strings.Builder
	peers := r.peerOrder()
	fmt.Fprintf(&b, "Medians of %d runs of %s each (min–max in the JSON).", r.Reps, r.Duration)
	if r.hasLevels() {
		b.WriteString(" Workloads run over levels of load (-levels te) show the level TechEmpower ranks by:")
		b.WriteString(" each peer's peak over connections, the 20-row level in queries and updates;")
		b.WriteString(" every level is in the tables after the targets.")
	}
	if r.anyUnderLoad() {
		fmt.Fprintf(&b, " A ⚠ marks a result measured under load: other work on the machine took a median of %d%% of a core or more (see the CPU table).", BusyThreshold)
	}
	b.WriteString("\n\n")
	writeTableHead(&b, []string{"workload", "unit"}, "---", peers, "")
	for _, w := range r.Workloads {
		fmt.Fprintf(&b, "| %s | %s |", w.Name, unitWithDirection(w))
		for _, p := range peers {
			fmt.Fprintf(&b, " %s |", cell(w.Find(p)))
		}
		b.WriteString("\n")
	}

	b.WriteString("\nRatios: the reference's number over each peer's, oriented so that above 1 means the reference is ahead")
	b.WriteString(" (for memory, the peer's bytes over the reference's).\n\n")
	writeTableHead(&b, []string{"workload", "reference"}, "---", peers, "vs ")
	for _, w := range r.Workloads {
		ref := w.Reference()
		fmt.Fprintf(&b, "| %s | %s |", w.Name, ref)
		for _, p := range peers {
			switch {
			case w.Find(p) == nil:
				b.WriteString("  |")
			case p == ref:
				b.WriteString(" 1 |")
			default:
				fmt.Fprintf(&b, " %s |", FormatRatio(w.Ratio(p)))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nCPU during the measured runs, medians in % of one core: the server's (the client workload: the client's),")
	b.WriteString(" then in brackets everything else's but the load generator's (other work on the machine).\n\n")
	writeTableHead(&b, []string{"workload"}, "---", peers, "")
	for _, w := range r.Workloads {
		if !w.hasCPU() {
			continue
		}
		fmt.Fprintf(&b, "| %s |", w.Name)
		for _, p := range peers {
			if res := w.Find(p); res != nil && len(res.CPU) > 0 {
				fmt.Fprintf(&b, " %.0f%%", stats.Median(res.CPU))
				if len(res.Others) > 0 {
					fmt.Fprintf(&b, " (%.0f%%)", stats.Median(res.Others))
				}
				b.WriteString(" |")
			} else {
				b.WriteString("  |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nWork per CPU: each run's rate over the server's CPU share, median, in units per second of one core")
	b.WriteString(" (ranks servers even when the load generator is the bottleneck).\n\n")
	writeTableHead(&b, []string{"workload"}, "---", peers, "")
	for _, w := range r.Workloads {
		if !w.HigherIsBetter || !w.hasCPU() {
			continue
		}
		fmt.Fprintf(&b, "| %s |", w.Name)
		for _, p := range peers {
			if res := w.Find(p); res != nil && len(res.PerCoreSecond()) > 0 {
				fmt.Fprintf(&b, " %s |", FormatNumber(stats.Median(res.PerCoreSecond())))
			} else {
				b.WriteString("  |")
			}
		}
		b.WriteString("\n")
	}
	if t := r.TargetsMarkdown(); t != "" {
		b.WriteString("\n")
		b.WriteString(t)
	}
	if l := r.LevelsMarkdown(); l != "" {
		b.WriteString("\n")
		b.WriteString(l)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

// peerOrder lists every peer that appears, in first-seen order, final first.
func (r *Run) peerOrder() []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, w := range r.Workloads {
		if w.Find("final") != nil {
			add("final")
		}
	}
	for _, w := range r.Workloads {
		for _, p := range w.Peers {
			add(p.Peer)
		}
	}
	return out
}

func unitWithDirection(w Workload) string {
	if w.HigherIsBetter {
		return w.Unit + " ↑"
	}
	return w.Unit + " ↓"
}

func cell(r *Result) string {
	switch {
	case r == nil:
		return ""
	case r.Skipped != "":
		return r.Skipped
	case len(r.Runs) == 0:
		return "—"
	}
	s := FormatNumber(r.Median)
	if r.UnderLoad() {
		s += " ⚠"
	}
	if r.Errors > 0 {
		s += fmt.Sprintf(" (%d errors)", r.Errors)
	}
	return s
}

// FormatNumber prints a measurement with thousands separators, and with one
// decimal below 100 (a ratio of bytes, a small rate).
func FormatNumber(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	if math.Abs(v) < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// FormatRatio prints a ratio as "1.23x", or "—" when unknown.
func FormatRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2fx", v)
}

// writeTableHead writes a markdown table's header and alignment rows: the
// lead columns, aligned by leadAlign ("---" left, "--:" right), then a
// right-aligned column per name, each prefixed with prefix ("vs " for
// ratios).
func writeTableHead(b *strings.Builder, lead []string, leadAlign string, names []string, prefix string) {
	b.WriteString("|")
	for _, l := range lead {
		fmt.Fprintf(b, " %s |", l)
	}
	for _, n := range names {
		fmt.Fprintf(b, " %s%s |", prefix, n)
	}
	b.WriteString("\n|")
	for range lead {
		b.WriteString(leadAlign + "|")
	}
	for range names {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
}
