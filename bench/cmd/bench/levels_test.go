package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/results"
)

func TestParseLevels(t *testing.T) {
	for in, want := range map[string]levelsMode{"": levelsOne, "one": levelsOne, "te": levelsTE, " te ": levelsTE} {
		got, err := parseLevels(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"TE", "all", "16,32"} {
		_, err := parseLevels(in)
		assert.Error(t, err, in)
	}
}

// TechEmpower's levels, test by test, as its toolset runs them.
func TestTELevels(t *testing.T) {
	conns := func(ls []results.Level) (out []int) {
		for _, l := range ls {
			out = append(out, l.Conns)
		}
		return out
	}
	for _, test := range []string{"json", "db", "fortunes"} {
		axis, ls, dropped := teLevels(test, 20000)
		assert.Equal(t, results.AxisConns, axis)
		assert.Equal(t, []int{16, 32, 64, 128, 256, 512}, conns(ls), test)
		assert.Empty(t, dropped)
		assert.Zero(t, ls[0].Pipeline+ls[0].Queries)
	}

	axis, ls, _ := teLevels("plaintext", 20000)
	assert.Equal(t, results.AxisConns, axis)
	assert.Equal(t, []int{256, 1024, 4096, 16384}, conns(ls))
	for _, l := range ls {
		assert.Equal(t, 16, l.Pipeline)
	}

	for _, test := range []string{"queries", "updates"} {
		axis, ls, _ := teLevels(test, 20000)
		assert.Equal(t, results.AxisQueries, axis)
		var qs []int
		for _, l := range ls {
			qs = append(qs, l.Queries)
			assert.Equal(t, 512, l.Conns, "at the highest concurrency, as query.sh")
		}
		assert.Equal(t, []int{1, 5, 10, 15, 20}, qs)
	}

	// Under a low open-file limit the levels that do not fit are left
	// out, and said.
	_, ls, dropped := teLevels("plaintext", 5000)
	assert.Equal(t, []int{256, 1024, 4096}, conns(ls))
	assert.Equal(t, []int{16384}, dropped)
	_, ls, dropped = teLevels("queries", 100)
	assert.Empty(t, ls)
	assert.Equal(t, []int{512}, dropped, "one note for the five levels at 512")
}

func TestLevelPathAndTitle(t *testing.T) {
	var q, p Workload
	for _, w := range workloads {
		switch w.Name {
		case "queries":
			q = w
		case "plaintext":
			p = w
		}
	}
	require.Equal(t, "/queries?queries=20", q.Path)
	assert.Equal(t, "/queries?queries=5", levelPath(q, results.Level{Conns: 512, Queries: 5}))
	assert.Equal(t, "/plaintext", levelPath(p, results.Level{Conns: 256, Pipeline: 16}))

	_, ls, _ := teLevels("queries", 20000)
	assert.Equal(t, "TechEmpower queries: 1 to 20 rows a request, 512 connections, at 20", sweepTitle("queries", results.AxisQueries, ls))
	_, ls, _ = teLevels("plaintext", 20000)
	assert.Equal(t, "TechEmpower plaintext: pipelined 16, 256 to 16384 connections, peak", sweepTitle("plaintext", results.AxisConns, ls))
	_, ls, _ = teLevels("json", 20000)
	assert.Equal(t, "TechEmpower json: 16 to 512 connections, peak", sweepTitle("json", results.AxisConns, ls))
}

// applyLevels changes only the te workloads, and only the copies it is
// given: the table stays as it was for a run without -levels.
func TestApplyLevels(t *testing.T) {
	ws := []Workload{*workloadByName(t, "hello64"), *workloadByName(t, "json"), *workloadByName(t, "updates")}
	applyLevels(ws)
	assert.Empty(t, ws[0].Levels)
	assert.Len(t, ws[1].Levels, 6)
	assert.Equal(t, results.AxisQueries, ws[2].Axis)
	assert.Len(t, ws[2].Levels, 5)
	assert.Empty(t, workloadByName(t, "json").Levels)
}

func workloadByName(t *testing.T, name string) *Workload {
	for i := range workloads {
		if workloads[i].Name == name {
			return &workloads[i]
		}
	}
	t.Fatalf("no workload %s", name)
	return nil
}
