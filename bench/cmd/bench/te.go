package main

// The te workloads: TechEmpower's six test types (json, plaintext, db,
// queries, fortunes, updates), each a workload with its own table. A peer
// takes part through a program of its own that serves the six paths
// (servers/finalte, servers/fasthttpte, servers/nethttpte,
// servers/tornado/te.py; gnet's usual program answers /plaintext, the one
// test it takes), under the peer's usual name so that the tables' columns
// and the ratios read as in the other workloads. The database is a
// throw-away PostgreSQL loaded with TechEmpower's tables
// (internal/pgserver), started once per run when a database test is
// chosen; its URL reaches the servers in TE_DSN.

import (
	"bytes"
	"fmt"
	"log"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gornado/gornado/bench/internal/pgserver"
	"github.com/gornado/gornado/bench/internal/te"
)

// teProgram is a peer's TechEmpower server.
type teProgram struct {
	// pkg is the Go package, in bench's module; "" for the Python peer.
	pkg string
	// script is the Python peer's program, in servers/tornado.
	script string
	// args are passed before -addr (fasthttp-htmltpl's "-template html").
	args []string
	// only, if set, is the one test the peer takes: "plaintext" for gnet,
	// which has no HTTP layer to build the other tests on; "fortunes" for
	// fasthttp-htmltpl, which differs from fasthttp only there.
	only string
	// onItsOwn: built by itself, so that a failure takes out only this
	// peer (final's, which compiles this checkout's final/).
	onItsOwn bool
}

// tePrograms are the te programs by peer name.
var tePrograms = map[string]teProgram{
	"final":    {pkg: "./servers/finalte", onItsOwn: true},
	"fasthttp": {pkg: "./servers/fasthttpte"},
	"nethttp":  {pkg: "./servers/nethttpte"},
	"gnet":     {pkg: "./servers/gnet", only: "plaintext"},
	"tornado":  {script: "te.py"},
	// fasthttp's program with fortunes through html/template, the engine
	// final and net/http use: fasthttp against final with the template
	// engine held equal, beside fasthttp as its TechEmpower entry writes it
	// (quicktemplate).
	"fasthttp-htmltpl": {pkg: "./servers/fasthttpte", args: []string{"-template", "html"}, only: "fortunes"},
}

// teName is the key of a peer's te program in env.bins and env.missing.
func teName(p Peer) string { return p.Name + "-te" }

// teWorkload returns test's workload: wrk on its path, 64 connections
// (256 and 16 requests to a write for plaintext, TechEmpower's lowest
// plaintext level), fasthttp as the reference while final has no number.
func teWorkload(test, title, path string, conns, pipeline int) Workload {
	return Workload{Name: test, Title: title, Unit: "requests/s", Higher: true,
		Method: wrkLoad, Path: path, Conns: conns, Pipeline: pipeline, Fallback: "fasthttp", TE: true,
		Applies: func(p Peer) bool {
			prog, ok := tePrograms[p.Name]
			return ok && (prog.only == "" || prog.only == test)
		}}
}

func init() {
	workloads = append(workloads,
		teWorkload("json", "TechEmpower json: GET /json, 64 connections", te.PathJSON, 64, 0),
		teWorkload("plaintext", "TechEmpower plaintext: GET /plaintext pipelined, depth 16, 256 connections", te.PathPlaintext, 256, 16),
		teWorkload("db", "TechEmpower db: one random World row, 64 connections", te.PathDB, 64, 0),
		teWorkload("queries", "TechEmpower queries: 20 World rows, a query each, 64 connections", te.PathQueries+"?queries=20", 64, 0),
		teWorkload("fortunes", "TechEmpower fortunes: 12 rows + 1, sorted, escaped by the template engine, 64 connections", te.PathFortunes, 64, 0),
		teWorkload("updates", "TechEmpower updates: 20 rows read and written, 64 connections", te.PathUpdates+"?queries=20", 64, 0),
	)
}

// tePeer is the peer as a te workload starts it: its te program, under a
// name of its own for the binary and the log.
func (e *env) tePeer(p Peer) Peer {
	prog := tePrograms[p.Name]
	q := Peer{Name: teName(p), Kind: p.Kind, Pkg: prog.pkg, Script: prog.script, Args: prog.args}
	if prog.pkg == "./servers/gnet" {
		q.Name = p.Name // the same binary as the other workloads'
	}
	return q
}

// teSkip says why peer p cannot take part in te workload w, or "".
func (e *env) teSkip(w Workload, p Peer) string {
	if e.wrk == "" {
		return "no wrk"
	}
	if why := e.missing[e.tePeer(p).Name]; why != "" {
		if strings.HasPrefix(why, "build failed") {
			return "build failed"
		}
		return why
	}
	if te.NeedsDB(w.Name) && e.dsn == "" {
		return "no database"
	}
	return ""
}

// buildTE builds the te programs the chosen workloads and peers need:
// final's on its own (it compiles this checkout's final/, which may be
// half-written), the others together. A missing Python driver takes out
// the Tornado peer.
func (e *env) buildTE(ws []Workload, ps []Peer) {
	binDir := filepath.Join(e.tmp, "bin")
	var together []string
	for _, p := range ps {
		prog, ok := tePrograms[p.Name]
		if !ok || !slices.ContainsFunc(ws, func(w Workload) bool { return w.TE && w.Applies(p) }) {
			continue
		}
		name := e.tePeer(p).Name
		switch {
		case prog.script != "":
			if e.python == "" {
				e.missing[name] = "python3-tornado not installed (run bench/setup.sh)"
			} else if exec.Command(e.python, "-c", "import asyncpg").Run() != nil {
				e.missing[name] = "python3-asyncpg not installed (run bench/setup.sh)"
			}
		case name == p.Name:
			// gnet: the program e.build already built.
		case prog.onItsOwn:
			out := filepath.Join(binDir, name)
			log.Printf("building %s in bench's module", prog.pkg)
			if err := goBuild(e.benchDir, out, prog.pkg); err != nil {
				e.missing[name] = "build failed: " + firstLine(err.Error())
				log.Print(err)
				continue
			}
			e.bins[name] = out
		default:
			// Two peers may share a program (fasthttp, fasthttp-htmltpl).
			if !slices.Contains(together, prog.pkg) {
				together = append(together, prog.pkg)
			}
			e.bins[name] = filepath.Join(binDir, filepath.Base(prog.pkg))
		}
	}
	if len(together) > 0 {
		log.Printf("building %s", strings.Join(together, " "))
		if err := goBuild(e.benchDir, binDir+"/", together...); err != nil {
			log.Fatal(err)
		}
	}
}

// startDatabase starts and loads PostgreSQL when a chosen workload reads
// the database, on a core of its own when there are three or more (the
// server has core 0, the load generator core 1); on two cores it shares
// core 1 with the load generator, which the notes say. Without PostgreSQL
// the database workloads are skipped ("no database"), the others run.
// The returned note is for the run's notes.
func (e *env) startDatabase(ws []Workload) (note string) {
	if !slices.ContainsFunc(ws, func(w Workload) bool { return w.TE && te.NeedsDB(w.Name) }) {
		return ""
	}
	core := -1
	switch {
	case cores() >= 3:
		core = 2
	case cores() == 2:
		core = 1
	}
	log.Printf("starting PostgreSQL (core %d) and loading TechEmpower's tables", core)
	db, err := pgserver.Start(pgserver.Options{Core: core, MaxConnections: 100})
	if err != nil {
		log.Printf("no database: %v", err)
		return "te: no database, the database tests are skipped: " + firstLine(err.Error())
	}
	e.db, e.dsn = db, db.DSN()
	switch core {
	case 2:
		return "te: PostgreSQL pinned to core 2 (taskset), the server to core 0, wrk to core 1"
	case 1:
		return "te: 2 cores: PostgreSQL pinned to core 1 with wrk (taskset), the server alone on core 0: in the database tests wrk and Postgres share a core"
	}
	return "te: PostgreSQL unpinned (one core)"
}

// stopDatabase stops PostgreSQL if it runs.
func (e *env) stopDatabase() {
	if e.db != nil {
		e.db.Stop()
		e.db = nil
	}
}

// teCheck asks the server of a te workload TechEmpower's questions for
// its test before it is measured.
func teCheck(w Workload, addr string) error {
	return (&te.Checker{Base: "http://" + addr}).Check(w.Name)
}

// teList adds the te programs' status to -list.
func teList(b *bytes.Buffer, e *env) {
	fmt.Fprintln(b, "te programs (workloads json plaintext db queries fortunes updates):")
	names := make([]string, 0, len(tePrograms))
	for n := range tePrograms {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		prog := tePrograms[n]
		what := prog.pkg
		if prog.script != "" {
			what = "servers/tornado/" + prog.script
		}
		if len(prog.args) > 0 {
			what += " " + strings.Join(prog.args, " ")
		}
		if prog.only != "" {
			what += " (" + prog.only + " only)"
		}
		fmt.Fprintf(b, "  %-16s %s\n", n, what)
	}
	if err := pgserver.Installed(); err != nil {
		fmt.Fprintf(b, "postgres: %v; the database tests will be skipped\n", err)
	}
}
