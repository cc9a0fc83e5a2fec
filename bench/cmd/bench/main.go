// Command bench runs gornado's side-by-side benchmarks: final's helloworld
// (and final-raw, final's HTTP layer without the framework) against
// net/http, fasthttp, gnet, nbio, gorilla/websocket, Python Tornado and
// nginx, on this machine, one server at a time.
//
// Run it from bench/:
//
//	cd bench && go run ./cmd/bench                  # everything, 5s x 3
//	go run ./cmd/bench -w hello64,idlemem -p nethttp,gnet -d 10s -reps 5
//	go run ./cmd/bench -list                        # what it knows and what is missing
//
// Each server runs pinned to core 0 (taskset -c 0, GOMAXPROCS=1) and the
// load generator on core 1; measurements interleave (for each repetition,
// every peer once: A B C A B C ...) and the median of the repetitions is
// reported, with the reference's ratio to each peer: final's, or net/http's
// while final is not built. Results go to results/NAME.json, NAME.md and
// NAME/*.svg. It installs nothing: setup.sh installs wrk, nginx and Tornado.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gornado/gornado/bench/internal/pgserver"
	"github.com/gornado/gornado/bench/internal/procmem"
	"github.com/gornado/gornado/bench/internal/report"
	"github.com/gornado/gornado/bench/internal/results"
	"github.com/gornado/gornado/bench/internal/wrk"
)

// env is what a run needs to find: directories, built binaries, tools.
type env struct {
	benchDir, rootDir string
	tmp               string
	bins              map[string]string // peer name or tool -> built binary
	missing           map[string]string // peer name -> why it cannot run
	wrk, nginx        string
	python            string
	db                *pgserver.Server // the te workloads' database, nil when none runs
	dsn               string           // its URL, the servers' TE_DSN
	d, warmup         time.Duration
	idleConns         int
}

func (e *env) bin(p Peer) string { return e.bins[p.Name] }

func cores() int { return runtime.NumCPU() }

func main() {
	wFlag := flag.String("w", "all", "workloads, comma-separated (see -list)")
	pFlag := flag.String("p", "all", "peers, comma-separated (see -list)")
	d := flag.Duration("d", 5*time.Second, "measured duration of each run")
	warmup := flag.Duration("warmup", time.Second, "unmeasured load before each run")
	reps := flag.Int("reps", 3, "runs per peer and workload, interleaved across peers")
	idle := flag.Int("idle", 10000, "connections for the idlemem workload")
	out := flag.String("out", "results", "directory for NAME.json, NAME.md and NAME/*.svg")
	name := flag.String("name", "", "file name of the results (default: the UTC start time)")
	quiet := flag.Float64("quiet", 30, "before each run, wait until other work uses less than this % of one core (0: don't wait)")
	quietWait := flag.Duration("quiet-wait", 20*time.Second, "longest wait for -quiet before running anyway")
	list := flag.Bool("list", false, "list workloads and peers, say what is missing, and exit")
	base := flag.String("base", "", "another checkout of the repository (a git worktree at an older commit): adds the peer final-base, its helloworld, to measure a change side by side with final in one run")
	levelsFlag := flag.String("levels", "one", "the te workloads' load: one (64 connections; plaintext 256 pipelined 16) or te (TechEmpower's levels: 16 to 512 connections, plaintext 256 to 16384 pipelined 16, queries and updates 1 to 20 rows at 512; each peer's peak reported, every level in the JSON, tables and -levels.svg)")
	baseArgs := flag.String("base-args", "", "flags for final-base's helloworld (its version's; \"-logging none\" since -logging exists)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")

	e := &env{d: *d, warmup: *warmup, idleConns: *idle, bins: map[string]string{}, missing: map[string]string{}}
	var err error
	if e.benchDir, err = findBenchDir(); err != nil {
		log.Fatal(err)
	}
	e.rootDir = filepath.Dir(e.benchDir)
	if *base != "" {
		addBasePeer(*base, strings.Fields(*baseArgs))
	}
	e.findTools()

	if *list {
		printList(e)
		return
	}

	selW, err := selectWorkloads(*wFlag)
	if err != nil {
		log.Fatal(err)
	}
	selP, err := selectPeers(*pFlag, selW)
	if err != nil {
		log.Fatal(err)
	}
	mode, err := parseLevels(*levelsFlag)
	if err != nil {
		log.Fatal(err)
	}
	var levelNotes []string
	if mode == levelsTE {
		// selectWorkloads returned copies of the table's workloads, so
		// the sweeps change only this run's.
		selW = slices.Clone(selW)
		levelNotes = applyLevels(selW)
		for _, n := range levelNotes {
			log.Print(n)
		}
	}
	if e.tmp, err = os.MkdirTemp("", "gornado-bench-"); err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(e.tmp)
	// nginx's workers run as an unprivileged user and must read the 64k file.
	os.Chmod(e.tmp, 0o755)
	// Ctrl-C: the deferred stops and removals run through cleanup.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		log.Print("interrupted; stopping the running servers")
		running.stopAll()
		e.stopDatabase()
		os.RemoveAll(e.tmp)
		os.Exit(130)
	}()

	e.build(selP)
	e.buildTE(selW, selP)
	dbNote := e.startDatabase(selW)
	defer e.stopDatabase()

	start := time.Now().UTC()
	if *name == "" {
		*name = start.Format("2006-01-02T1504")
	}
	run := &results.Run{
		Started:  start.Format(time.RFC3339),
		Command:  "cd bench && go run ./cmd/bench " + strings.Join(os.Args[1:], " "),
		Machine:  machine(e),
		Duration: d.String(),
		Warmup:   warmup.String(),
		Reps:     *reps,
	}
	if dbNote != "" {
		run.Notes = append(run.Notes, dbNote)
	}
	run.Notes = append(run.Notes, levelNotes...)
	if cores() < 2 {
		run.Notes = append(run.Notes, "fewer than 2 cores: server and load generator share a core")
	}
	for _, p := range selP {
		if why := e.missing[p.Name]; why != "" {
			run.Notes = append(run.Notes, p.Name+": "+why)
			log.Printf("%s: %s", p.Name, why)
		}
	}

	for _, w := range selW {
		rw := results.Workload{Name: w.Name, Title: w.Title, Unit: w.Unit, HigherIsBetter: w.Higher, Fallback: w.Fallback,
			Levels: w.Levels, Axis: w.Axis}
		var active []Peer
		for _, p := range selP {
			if !w.Applies(p) {
				continue
			}
			r := results.Result{Peer: p.Name}
			for _, l := range w.Levels {
				r.Levels = append(r.Levels, results.Result{Peer: p.Name, Level: l.Label(w.Axis)})
			}
			if why := e.skip(w, p); why != "" {
				r.Skipped = why
			} else {
				active = append(active, p)
			}
			rw.Peers = append(rw.Peers, r)
		}
		// Interleave: every repetition visits every peer once.
		for rep := 1; rep <= *reps; rep++ {
			for _, p := range active {
				if *quiet > 0 {
					if busy, ok := waitQuiet(*quiet, *quietWait); !ok {
						log.Printf("machine still busy (%.0f%% of a core) after %s; running anyway", busy, *quietWait)
						run.Notes = append(run.Notes, fmt.Sprintf("%s %s run %d: started with the machine %.0f%% busy after waiting %s",
							w.Name, p.Name, rep, busy, *quietWait))
					}
				}
				if len(w.Levels) > 0 {
					e.sweep(run, w, p, rw.Find(p.Name), rep, *reps)
					continue
				}
				m, err := e.measure(w, p)
				r := rw.Find(p.Name)
				if err != nil {
					log.Printf("%-10s %d/%d %-16s error: %v", w.Name, rep, *reps, p.Name, err)
					run.Notes = append(run.Notes, fmt.Sprintf("%s %s run %d: %v", w.Name, p.Name, rep, firstLine(err.Error())))
					r.Errors++
					continue
				}
				r.Runs = append(r.Runs, m.value)
				r.Errors += m.errors
				extra := ""
				if m.cpu > 0 {
					r.CPU = append(r.CPU, m.cpu)
					r.Others = append(r.Others, m.others)
					extra = fmt.Sprintf(", server CPU %.0f%%, others %.0f%%", m.cpu, m.others)
				}
				if m.errors > 0 {
					extra += fmt.Sprintf(" (%d errors)", m.errors)
				}
				log.Printf("%-10s %d/%d %-16s %s %s%s", w.Name, rep, *reps, p.Name, results.FormatNumber(m.value), w.Unit, extra)
			}
		}
		// A sweep's figures are those of the level TechEmpower ranks by.
		rw.SetHeadlines()
		for i := range rw.Peers {
			r := &rw.Peers[i]
			r.Summarize()
			if r.Skipped == "" && len(r.Runs) == 0 {
				r.Skipped = "failed (see notes)"
			}
		}
		run.Workloads = append(run.Workloads, rw)
	}
	run.Machine.LoadAvg += " -> " + loadavg() + " (start -> end)"
	run.Finished = time.Now().UTC().Format(time.RFC3339)

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	jsonPath := filepath.Join(*out, *name+".json")
	if err := run.Save(jsonPath); err != nil {
		log.Fatal(err)
	}
	paths, err := report.Write(run, filepath.Join(*out, *name))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(run.Markdown())
	fmt.Println()
	fmt.Println("wrote", jsonPath)
	for _, p := range paths {
		fmt.Println("wrote", p)
	}
}

// sweep measures peer p over workload w's levels once (repetition rep of
// reps), and adds each level's figures to r.Levels, errors to the notes.
func (e *env) sweep(run *results.Run, w Workload, p Peer, r *results.Result, rep, reps int) {
	ms, errs := e.measureSweep(w, p)
	for i, l := range w.Levels {
		lr := &r.Levels[i]
		name := fmt.Sprintf("%s@%s", w.Name, l.Label(w.Axis))
		if errs[i] != nil {
			log.Printf("%-16s %d/%d %-16s error: %s", name, rep, reps, p.Name, firstLine(errs[i].Error()))
			run.Notes = append(run.Notes, fmt.Sprintf("%s %s run %d: %v", name, p.Name, rep, firstLine(errs[i].Error())))
			lr.Errors++
			continue
		}
		m := ms[i]
		lr.Runs = append(lr.Runs, m.value)
		lr.Errors += m.errors
		extra := ""
		if m.cpu > 0 {
			lr.CPU = append(lr.CPU, m.cpu)
			lr.Others = append(lr.Others, m.others)
			extra = fmt.Sprintf(", server CPU %.0f%%, others %.0f%%", m.cpu, m.others)
		}
		if m.errors > 0 {
			extra += fmt.Sprintf(" (%d errors)", m.errors)
		}
		log.Printf("%-16s %d/%d %-16s %s %s%s", name, rep, reps, p.Name, results.FormatNumber(m.value), w.Unit, extra)
	}
}

// skip says why peer p cannot take part in workload w, or "".
func (e *env) skip(w Workload, p Peer) string {
	if w.TE {
		return e.teSkip(w, p)
	}
	if why := e.missing[p.Name]; why != "" {
		if p.Optional && strings.HasPrefix(p.Name, "final") {
			// The table cell is short; the note holds the whole reason.
			if strings.HasPrefix(why, "build failed") {
				return "build failed"
			}
			return "not built yet"
		}
		return why
	}
	switch w.Method {
	case wrkLoad:
		if e.wrk == "" {
			return "no wrk"
		}
	case clientGet:
		if e.nginx == "" {
			return "no nginx"
		}
	}
	return ""
}

// measurement is one run's outcome.
type measurement struct {
	value  float64 // in the workload's unit
	errors int64   // failed requests
	cpu    float64 // the server's CPU use, % of one core; 0 if not measured
	others float64 // everything else's CPU use but the load generator's, % of one core
}

// measure runs one measurement: starts the server, warms it, loads it,
// stops it.
func (e *env) measure(w Workload, p Peer) (measurement, error) {
	server := placement{core: 0}
	load := placement{core: 1}
	if w.AllCores {
		server = placement{core: -1, allCores: true}
		load = placement{core: -1, allCores: true}
	}
	if cores() < 2 {
		server.core, load.core = -1, -1
	}

	if w.Method == clientGet {
		// The client is under test: it gets core 0, nginx core 1.
		n := *peerByName("nginx")
		s, err := e.startServer(n, load)
		if err != nil {
			return measurement{}, err
		}
		defer s.stop()
		args := append([]string{e.bin(p)}, p.Args...)
		args = append(args, "-url", "http://"+s.addr+w.Path, "-c", fmt.Sprint(w.Conns),
			"-d", e.d.String(), "-warmup", e.warmup.String())
		var rep struct {
			Rate   float64 `json:"rate"`
			Errors int64   `json:"errors"`
		}
		m := s.startMeter()
		cmd := server.command(args...)
		if err := runJSON(cmd, &rep); err != nil {
			return measurement{}, err
		}
		// The client is what is measured here, so its CPU share is the
		// one recorded; nginx's only goes into the "others" arithmetic.
		_, others := m.stop(cmd.ProcessState)
		st := cmd.ProcessState
		client := (st.UserTime() + st.SystemTime()).Seconds() / time.Since(m.t0).Seconds() * 100
		return measurement{rep.Rate, rep.Errors, client, others}, nil
	}

	if w.TE {
		p = e.tePeer(p)
	}
	s, err := e.startServer(p, server)
	if err != nil {
		return measurement{}, err
	}
	defer s.stop()

	switch w.Method {
	case wrkLoad:
		check := checkEndpoints
		if w.TE {
			check = func(addr string) error { return teCheck(w, addr) }
		}
		if err := check(s.addr); err != nil {
			return measurement{}, fmt.Errorf("%s answers wrongly: %w", p.Name, err)
		}
		threads := 1
		if w.AllCores {
			threads = cores()
		}
		l := wrkLevel{threads: threads, conns: w.Conns, pipeline: w.Pipeline, path: w.Path}
		if e.warmup > 0 {
			if _, err := e.runWrk(s, load, l, e.warmup); err != nil {
				return measurement{}, fmt.Errorf("warmup: %w", err)
			}
		}
		return e.runWrk(s, load, l, e.d)

	case idleMem:
		pids, err := s.pids()
		if err != nil {
			return measurement{}, err
		}
		var ps []string
		for _, p := range pids {
			ps = append(ps, fmt.Sprint(p))
		}
		var rep struct {
			PerConn float64 `json:"per_conn_bytes"`
		}
		cmd := load.command(e.bins["idleconns"], "-addr", s.addr, "-pids", strings.Join(ps, ","),
			"-n", fmt.Sprint(e.idleConns), "-path", w.Path)
		if err := runJSON(cmd, &rep); err != nil {
			return measurement{}, err
		}
		return measurement{value: rep.PerConn}, nil

	case wsEcho:
		var rep struct {
			Rate   float64 `json:"rate"`
			Errors int64   `json:"errors"`
		}
		cmd := load.command(e.bins["wsload"], "-url", "ws://"+s.addr+"/echo", "-c", fmt.Sprint(w.Conns),
			"-size", "1024", "-d", e.d.String(), "-warmup", e.warmup.String())
		m := s.startMeter()
		if err := runJSON(cmd, &rep); err != nil {
			return measurement{}, err
		}
		cpu, others := m.stop(cmd.ProcessState)
		return measurement{rep.Rate, rep.Errors, cpu, others}, nil
	}
	return measurement{}, fmt.Errorf("unknown method %d", w.Method)
}

// wrkLevel is the load of one wrk run.
type wrkLevel struct {
	threads, conns int
	pipeline       int    // requests per write; 0 or 1 for none
	path           string // with its query
	timeout        string // wrk's --timeout; "" for wrk's default (2 s)
}

// runWrk loads server s with wrk for d at level l, from placement load,
// and returns the rate wrk measured and the server's CPU use meanwhile.
func (e *env) runWrk(s *server, load placement, l wrkLevel, d time.Duration) (measurement, error) {
	url := "http://" + s.addr + l.path
	script, sargs := "", []string(nil)
	if l.pipeline > 1 {
		script = filepath.Join(e.benchDir, "scripts", "pipeline.lua")
		sargs = []string{fmt.Sprint(l.pipeline), l.path}
	}
	argv := append([]string{e.wrk}, wrk.Args(l.threads, l.conns, d, url, script, sargs...)...)
	if l.timeout != "" {
		argv = slices.Insert(argv, 1, "--timeout", l.timeout)
	}
	cmd := load.command(argv...)
	m := s.startMeter()
	outp, err := cmd.CombinedOutput()
	cpu, others := m.stop(cmd.ProcessState)
	if err != nil {
		return measurement{}, fmt.Errorf("wrk: %v: %s", err, outp)
	}
	r, err := wrk.Parse(string(outp))
	if err != nil {
		return measurement{}, fmt.Errorf("%w: %s", err, outp)
	}
	if r.Requests == 0 {
		return measurement{}, fmt.Errorf("%w: %s", errNoResponses, outp)
	}
	return measurement{r.RequestsPerSec, r.Errors(), cpu, others}, nil
}

// errNoResponses is runWrk's error when wrk saw no answer at all.
var errNoResponses = errors.New("bench: wrk got no responses")

// measureSweep measures a te workload over its levels (-levels te): starts
// the server, checks it, warms it at the first level, then runs wrk at
// each level in turn, lightest first, with TechEmpower's timeout. It returns a measurement
// or an error per level; an error starting or checking the server is
// every level's.
func (e *env) measureSweep(w Workload, p Peer) ([]measurement, []error) {
	ms := make([]measurement, len(w.Levels))
	errs := make([]error, len(w.Levels))
	fail := func(err error) ([]measurement, []error) {
		for i := range errs {
			errs[i] = err
		}
		return ms, errs
	}
	server, load := placement{core: 0}, placement{core: 1}
	if cores() < 2 {
		server.core, load.core = -1, -1
	}
	q := e.tePeer(p)
	s, err := e.startServer(q, server)
	if err != nil {
		return fail(err)
	}
	defer s.stop()
	if err := teCheck(w, s.addr); err != nil {
		return fail(fmt.Errorf("%s answers wrongly: %w", p.Name, err))
	}
	level := func(l results.Level) wrkLevel {
		return wrkLevel{threads: 1, conns: l.Conns, pipeline: l.Pipeline, path: levelPath(w, l), timeout: teTimeout}
	}
	// The warmup runs at the first, lightest level. TechEmpower warms at
	// its highest concurrency, but here a slow server (Tornado on one
	// core) is left by 16,384 pipelined connections with a minute of
	// abandoned requests, which would take the whole sweep. Unmeasured: a
	// warmup that sees no answer has still warmed the server.
	if e.warmup > 0 {
		if _, err := e.runWrk(s, load, level(w.Levels[0]), e.warmup); err != nil && !errors.Is(err, errNoResponses) {
			return fail(fmt.Errorf("warmup: %w", err))
		}
	}
	for i, l := range w.Levels {
		if waited := s.settle(settleMax); waited >= settleMax {
			log.Printf("%s: %s still busy after %s; measuring %s@%s anyway", w.Name, p.Name, settleMax, w.Name, l.Label(w.Axis))
		}
		ms[i], errs[i] = e.runWrk(s, load, level(l), e.d)
	}
	return ms, errs
}

// settleMax bounds the wait for a server to finish the requests the last
// wrk run left (server.settle) before the next level is measured.
const settleMax = 5 * time.Second

// waitQuiet waits until the machine's processes use less than threshold
// percent of one core over a one-second sample (nothing of ours runs
// between measurements, so that is other people's work), or until maxWait
// has passed. It returns the last sample and whether it was quiet.
func waitQuiet(threshold float64, maxWait time.Duration) (float64, bool) {
	deadline := time.Now().Add(maxWait)
	announced := false
	for {
		b0, err := procmem.MachineBusy()
		if err != nil {
			return 0, true // no /proc: nothing to wait for
		}
		t0 := time.Now()
		time.Sleep(time.Second)
		b1, err := procmem.MachineBusy()
		if err != nil {
			return 0, true
		}
		busy := float64(b1-b0) / procmem.ClockTicks / time.Since(t0).Seconds() * 100
		if busy < threshold {
			return busy, true
		}
		if time.Now().After(deadline) {
			return busy, false
		}
		if !announced {
			log.Printf("machine busy (%.0f%% of a core); waiting up to %s for it to calm down", busy, maxWait)
			announced = true
		}
		time.Sleep(2 * time.Second)
	}
}

// runJSON runs a helper program and decodes the JSON line it prints.
func runJSON(cmd *exec.Cmd, v any) error {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		name := cmd.Args[0]
		if filepath.Base(name) == "taskset" && len(cmd.Args) > 3 {
			name = cmd.Args[3] // taskset -c N PROGRAM ...
		}
		return fmt.Errorf("%s: %v: %s", filepath.Base(name), err, strings.TrimSpace(stderr.String()+stdout.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
		return fmt.Errorf("%s printed %q: %w", cmd.Path, stdout.String(), err)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func selectWorkloads(spec string) ([]Workload, error) {
	if spec == "all" || spec == "" {
		return workloads, nil
	}
	var out []Workload
	for _, n := range strings.Split(spec, ",") {
		found := false
		for _, w := range workloads {
			if w.Name == strings.TrimSpace(n) {
				out = append(out, w)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown workload %q (see -list)", n)
		}
	}
	return out, nil
}

// selectPeers returns the chosen peers; nginx comes along for the client
// workload, which needs it as the server.
func selectPeers(spec string, ws []Workload) ([]Peer, error) {
	if spec == "all" || spec == "" {
		return peers, nil
	}
	var out []Peer
	for _, n := range strings.Split(spec, ",") {
		p := peerByName(strings.TrimSpace(n))
		if p == nil {
			return nil, fmt.Errorf("unknown peer %q (see -list)", n)
		}
		out = append(out, *p)
	}
	return out, nil
}

// findBenchDir finds bench/: the current directory or its bench/ child,
// whichever holds bench's go.mod.
func findBenchDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for _, dir := range []string{wd, filepath.Join(wd, "bench")} {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module github.com/gornado/gornado/bench\n")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("run me from bench/ (cd bench && go run ./cmd/bench)")
}
