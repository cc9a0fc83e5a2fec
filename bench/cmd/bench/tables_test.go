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
			assert.True(t, p.InRoot && p.Optional, "final's peers are built in the root and may be missing")
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
