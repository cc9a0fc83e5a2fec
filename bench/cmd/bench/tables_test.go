package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/bench/internal/payload"
)

// The tables are the harness's configuration: a typo in a fallback or a
// package path would only show in a full run, so check them here.
func TestTables(t *testing.T) {
	names := map[string]bool{}
	for _, p := range peers {
		assert.False(t, names[p.Name], "duplicate peer %s", p.Name)
		names[p.Name] = true
		if p.Kind == goProgram && !p.InRoot {
			_, err := os.Stat(filepath.Join("..", "..", p.Pkg, "main.go")) // tests run in cmd/bench
			assert.NoError(t, err, "peer %s: package %s", p.Name, p.Pkg)
		}
		if strings.HasPrefix(p.Name, "final") {
			assert.True(t, p.Optional, "final's peers may be missing or fail to build: %s", p.Name)
			assert.True(t, p.InRoot || p.Name == "final-raw", "final's programs are built in the root: %s", p.Name)
		}
	}
	wnames := map[string]bool{}
	for _, w := range workloads {
		assert.False(t, wnames[w.Name], "duplicate workload %s", w.Name)
		wnames[w.Name] = true
		fb := peerByName(w.Fallback)
		require.NotNil(t, fb, "workload %s: fallback %s is no peer", w.Name, w.Fallback)
		assert.True(t, w.Applies(*fb), "workload %s: its fallback %s does not take part", w.Name, w.Fallback)
		assert.True(t, w.Applies(*peerByName("final")) || w.Applies(*peerByName("final-client")),
			"workload %s has no slot for final", w.Name)
	}
}

// final-raw is final's HTTP layer without the framework: it takes part in
// every HTTP workload, in none that needs a WebSocket or a client, and is
// never a workload's reference.
func TestFinalRaw(t *testing.T) {
	raw := peerByName("final-raw")
	require.NotNil(t, raw)
	assert.Equal(t, "./servers/finalraw", raw.Pkg)
	var in []string
	for _, w := range workloads {
		if w.Applies(*raw) {
			in = append(in, w.Name)
		}
		assert.NotEqual(t, "final-raw", w.Fallback, w.Name)
	}
	assert.Equal(t, []string{"hello64", "hello512", "pipeline16", "hellojson", "64k", "idlemem", "allcores"}, in)
	// It is built from the tree final is built from: bench's module
	// replaces the root module with the directory above.
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(mod), "\nreplace github.com/gornado/gornado => ../\n")
	// Right after final, so that it is the second column of the tables.
	assert.Equal(t, "final-raw", peers[1].Name)
}

// A final peer that fails to build says so in its cell; one whose program
// does not exist yet says that.
func TestSkipFinal(t *testing.T) {
	e := &env{wrk: "/usr/bin/wrk", missing: map[string]string{
		"final":     "not built yet (final/demos/helloworld does not exist)",
		"final-raw": "build failed: go build ./servers/finalraw (in bench): exit status 1",
	}}
	assert.Equal(t, "not built yet", e.skip(workloads[0], *peerByName("final")))
	assert.Equal(t, "build failed", e.skip(workloads[0], *peerByName("final-raw")))
	assert.Equal(t, "", e.skip(workloads[0], *peerByName("gnet")))
}

func TestSelect(t *testing.T) {
	ws, err := selectWorkloads("hello64, wsecho")
	require.NoError(t, err)
	require.Len(t, ws, 2)
	assert.Equal(t, "wsecho", ws[1].Name)
	_, err = selectWorkloads("hello65")
	assert.ErrorContains(t, err, "unknown workload")

	ps, err := selectPeers("gnet,nginx", ws)
	require.NoError(t, err)
	assert.Equal(t, "nginx", ps[1].Name)
	_, err = selectPeers("apache", ws)
	assert.ErrorContains(t, err, "unknown peer")
}

func TestNginxConf(t *testing.T) {
	e := &env{tmp: t.TempDir()}
	dir, err := e.nginxConf("127.0.0.1:8123", false)
	require.NoError(t, err)
	conf, err := os.ReadFile(filepath.Join(dir, "nginx.conf"))
	require.NoError(t, err)
	c := string(conf)
	assert.Contains(t, c, "worker_processes 1;")
	assert.Contains(t, c, "listen 127.0.0.1:8123;")
	assert.Contains(t, c, `return 200 "`+payload.Hello+`";`)
	assert.Contains(t, c, `return 200 '`+payload.JSON+`';`)
	assert.Contains(t, c, "alias "+dir+"/64k;")
	assert.Equal(t, strings.Count(c, "{"), strings.Count(c, "}"), "braces balance")
	body, err := os.ReadFile(filepath.Join(dir, "64k"))
	require.NoError(t, err)
	assert.Equal(t, payload.Body64K(), body)
}

func TestPlacement(t *testing.T) {
	cmd := placement{core: 0}.command("wrk", "-t1")
	assert.Equal(t, []string{"taskset", "-c", "0", "wrk", "-t1"}, cmd.Args)
	assert.Contains(t, cmd.Env, "GOMAXPROCS=1")
	cmd = placement{core: -1, allCores: true}.command("srv")
	assert.Equal(t, []string{"srv"}, cmd.Args)
	assert.Contains(t, cmd.Env, "GOMAXPROCS="+strconv.Itoa(cores()))
}

// The te workloads: TechEmpower's six tests, on the peers with a te
// program, gnet on plaintext only; TechEmpower's json takes the name json
// and the hello-world peers' GET /json is hellojson.
func TestTEWorkloads(t *testing.T) {
	takes := func(name string) []string {
		var out []string
		for _, w := range workloads {
			if w.TE && w.Applies(*peerByName(name)) {
				out = append(out, w.Name)
			}
		}
		return out
	}
	all := []string{"json", "plaintext", "db", "queries", "fortunes", "updates"}
	for _, p := range []string{"final", "fasthttp", "nethttp", "tornado"} {
		assert.Equal(t, all, takes(p), p)
	}
	assert.Equal(t, []string{"plaintext"}, takes("gnet"))
	for _, p := range []string{"final-raw", "nbio", "nginx", "gorilla", "final-client"} {
		assert.Empty(t, takes(p), p)
	}
	sel, err := selectWorkloads("json,plaintext,db,queries,fortunes,updates")
	require.NoError(t, err)
	for _, w := range sel {
		assert.True(t, w.TE, w.Name)
		assert.Equal(t, "fasthttp", w.Fallback, w.Name)
	}
	hj, err := selectWorkloads("hellojson")
	require.NoError(t, err)
	assert.False(t, hj[0].TE)
	assert.Equal(t, "/json", hj[0].Path)

	// The te program runs under its own binary name; gnet's is its usual.
	e := &env{missing: map[string]string{}, wrk: "wrk"}
	assert.Equal(t, "final-te", e.tePeer(*peerByName("final")).Name)
	assert.Equal(t, "te.py", e.tePeer(*peerByName("tornado")).Script)
	assert.Equal(t, "gnet", e.tePeer(*peerByName("gnet")).Name)
	// Without a database the database tests are skipped, json is not.
	assert.Equal(t, "no database", e.skip(sel[2], *peerByName("final")))
	assert.Equal(t, "", e.skip(sel[0], *peerByName("final")))
	e.missing["final-te"] = "build failed: go build ..."
	assert.Equal(t, "build failed", e.skip(sel[0], *peerByName("final")))
}

// fasthttp-htmltpl differs from fasthttp only in its fortunes' template
// engine, so it takes part in fortunes alone, with fasthttp's program.
func TestFasthttpHTMLTemplate(t *testing.T) {
	p := peerByName("fasthttp-htmltpl")
	require.NotNil(t, p)
	var in []string
	for _, w := range workloads {
		if w.Applies(*p) {
			in = append(in, w.Name)
		}
	}
	assert.Equal(t, []string{"fortunes"}, in)
	prog := tePrograms["fasthttp-htmltpl"]
	assert.Equal(t, tePrograms["fasthttp"].pkg, prog.pkg)
	assert.Equal(t, []string{"-template", "html"}, prog.args)
	assert.Empty(t, tePrograms["fasthttp"].args, "fasthttp renders as its TechEmpower entry: quicktemplate, the default")
}
