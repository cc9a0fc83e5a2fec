package main

// -levels te: TechEmpower's levels of load. TechEmpower runs every test at
// several client concurrencies and ranks by the best of them, so a single
// level (64 connections here) can flatter or wrong a server whose curve
// peaks elsewhere. With -levels te each te workload becomes a sweep: the
// server starts once per repetition, is checked and warmed at the
// sweep's heaviest load (TechEmpower's warmup runs at its highest
// concurrency), then measured at each level in turn; the results keep every
// level and report each peer's peak (internal/results, levels.go).

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/gornado/gornado/bench/internal/results"
)

// levelsMode is the -levels flag: the load each te workload runs at.
type levelsMode uint8

const (
	// levelsOne runs each te workload at its own one level, 64 connections
	// (plaintext 256, pipelined 16): the default, so that a run stays
	// short.
	levelsOne levelsMode = iota
	// levelsTE runs each te workload over TechEmpower's levels.
	levelsTE
)

// parseLevels reads -levels: "one" (or empty) or "te".
func parseLevels(s string) (levelsMode, error) {
	switch strings.TrimSpace(s) {
	case "", "one":
		return levelsOne, nil
	case "te":
		return levelsTE, nil
	}
	return 0, fmt.Errorf("-levels %q: want one or te", s)
}

// TechEmpower's levels: the defaults of its toolset (toolset/run-tests.py,
// --concurrency-levels, --pipeline-concurrency-levels, --query-levels),
// and the pipeline depth of its plaintext test (benchmark_config's
// "pipeline": 16, toolset/wrk/pipeline.sh).
var (
	teConcurrency         = []int{16, 32, 64, 128, 256, 512}
	tePipelineConcurrency = []int{256, 1024, 4096, 16384}
	teQueryLevels         = []int{1, 5, 10, 15, 20}
)

const tePipelineDepth = 16

// teTimeout is wrk's --timeout in a sweep, TechEmpower's (toolset/wrk/*.sh:
// --timeout 8): at 16,384 pipelined connections a slow server's answers
// take seconds, which wrk's default of 2 s would count as errors.
const teTimeout = "8s"

// teLevels returns the sweep of TechEmpower's test: what varies and the
// levels, those above maxConns connections dropped (and returned, for the
// run's notes). json, db and fortunes go over the concurrencies; plaintext
// over the pipelined ones; queries and updates over the rows per request,
// at the highest concurrency, as TechEmpower's query.sh runs them.
func teLevels(test string, maxConns int) (axis string, levels []results.Level, dropped []int) {
	add := func(l results.Level) {
		if l.Conns > maxConns {
			if !slices.Contains(dropped, l.Conns) {
				dropped = append(dropped, l.Conns)
			}
			return
		}
		levels = append(levels, l)
	}
	switch test {
	case "plaintext":
		for _, c := range tePipelineConcurrency {
			add(results.Level{Conns: c, Pipeline: tePipelineDepth})
		}
		return results.AxisConns, levels, dropped
	case "queries", "updates":
		conns := slices.Max(teConcurrency)
		for _, q := range teQueryLevels {
			add(results.Level{Conns: conns, Queries: q})
		}
		return results.AxisQueries, levels, dropped
	}
	for _, c := range teConcurrency {
		add(results.Level{Conns: c})
	}
	return results.AxisConns, levels, dropped
}

// levelPath is the path wrk asks for at level l: the workload's path with
// the level's queries parameter, if it has one.
func levelPath(w Workload, l results.Level) string {
	p, _, _ := strings.Cut(w.Path, "?")
	if l.Queries > 0 {
		p += "?queries=" + strconv.Itoa(l.Queries)
	}
	return p
}

// sweepTitle is a sweep's title: the test and its range of levels.
func sweepTitle(test, axis string, levels []results.Level) string {
	first, last := levels[0], levels[len(levels)-1]
	switch {
	case axis == results.AxisQueries:
		return fmt.Sprintf("TechEmpower %s: %d to %d rows a request, %d connections, at %d", test, first.Queries, last.Queries, first.Conns, last.Queries)
	case first.Pipeline > 1:
		return fmt.Sprintf("TechEmpower %s: pipelined %d, %d to %d connections, peak", test, first.Pipeline, first.Conns, last.Conns)
	}
	return fmt.Sprintf("TechEmpower %s: %d to %d connections, peak", test, first.Conns, last.Conns)
}

// fileHeadroom is what a process needs besides one descriptor per
// connection: the listener, the database pool, the poller, standard files.
const fileHeadroom = 256

// raiseFileLimit makes room for need open files in this process and the
// servers and wrk it starts, which inherit its limit: it raises the soft
// RLIMIT_NOFILE to need, and the hard one too when it is lower and this
// process may (root). It returns the limit in force afterwards.
// syscall.Setrlimit also tells os/exec to pass the new limit on rather
// than restore the one the process started with.
func raiseFileLimit(need uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur >= need {
		return lim.Cur, nil
	}
	want := lim
	want.Cur = need
	if want.Max < need {
		want.Max = need
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		// Not allowed to raise the hard limit: take what it allows.
		want = lim
		want.Cur = lim.Max
		if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err2 != nil {
			return lim.Cur, err2
		}
		return want.Cur, err
	}
	return want.Cur, nil
}

// applyLevels turns the te workloads of ws into TechEmpower's sweeps,
// raising the open-file limit for the largest level first, and dropping
// the levels it cannot make room for. The notes say what was dropped.
func applyLevels(ws []Workload) (notes []string) {
	most := 0
	for _, w := range ws {
		if w.TE {
			_, levels, _ := teLevels(w.Name, 1<<30)
			for _, l := range levels {
				most = max(most, l.Conns)
			}
		}
	}
	if most == 0 {
		return nil
	}
	limit, err := raiseFileLimit(uint64(most + fileHeadroom))
	if err != nil {
		notes = append(notes, fmt.Sprintf("levels: could not raise the open-file limit to %d: %v", most+fileHeadroom, err))
	}
	maxConns := int(min(limit, 1<<30)) - fileHeadroom
	for i := range ws {
		w := &ws[i]
		if !w.TE {
			continue
		}
		axis, levels, dropped := teLevels(w.Name, maxConns)
		if len(dropped) > 0 {
			notes = append(notes, fmt.Sprintf("levels: %s: open-file limit %d, levels of %v connections left out", w.Name, limit, dropped))
		}
		if len(levels) == 0 {
			continue
		}
		w.Levels, w.Axis = levels, axis
		w.Title = sweepTitle(w.Name, axis, levels)
	}
	return notes
}
