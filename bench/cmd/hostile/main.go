// Command hostile measures how final/'s demo servers and its HTTP client
// hold up against hostile peers, on any checkout of this repository, so that
// a failure's figure before a fix and after it come from one method:
//
//	cd bench
//	go run ./cmd/hostile -tree .. -out results/hostile-before.md
//	go run ./cmd/hostile -tree /path/to/fixed/checkout -only wsnoread,starve
//
// It builds final/demos/<demo> in -tree (go build, in that tree), starts each
// demo as a child on 127.0.0.1 with -addr 127.0.0.1:0 -addrfile, and runs the
// scenarios one at a time:
//
//	wsnoread  a WebSocket peer that sends 1 KiB frames and never reads
//	starve    one connection flooding /echo on a one-loop server, and a
//	          client doing GET / every 100 ms beside it
//	stop      SIGTERM in the middle of 50 keep-alive clients
//	bodies    endless chunked request bodies
//	port      a second server started on the port of the first
//	slowhead  half a request head and then nothing
//	client    final's AsyncHTTPClient and HTTPClient against hostile
//	          servers this tool runs (endless 100 Continue, endless body,
//	          gzip bomb, bytes beyond a response)
//
// For the client scenarios the tool builds hostileclient/main.go against the
// tree's final/ in a module of its own and runs it as a child. Every process
// under test has hard caps: a time limit per scenario, and SIGKILL once its
// RSS passes -cap (3 GiB; the machine is shared). The report is markdown:
// a table per scenario and the raw numbers, printed and, with -out, written
// to a file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// env is what every scenario runs with.
type env struct {
	// tree is the checkout under test.
	tree *tree
	// tmp holds the binaries and address files.
	tmp string
	// capBytes is the RSS past which a process under test is killed.
	capBytes int64
	// d is the length of each timed phase.
	d time.Duration
}

// scenario is one failure the tool reproduces.
type scenario struct {
	// name is its -only name; run measures it.
	name string
	run  func(e *env) []section
}

// scenarios are run in this order; slowhead waits up to 70 s, the rest take
// about -d each per server.
var scenarios = []scenario{
	{"wsnoread", (*env).wsNoRead},
	{"starve", (*env).starve},
	{"stop", (*env).gracefulStop},
	{"bodies", (*env).bodies},
	{"port", (*env).portSharing},
	{"slowhead", (*env).slowHead},
	{"client", (*env).clientSide},
}

func main() {
	treeDir := flag.String("tree", "..", "root of the gornado checkout under test")
	only := flag.String("only", "", "comma-separated scenarios to run (default all): "+scenarioNames())
	out := flag.String("out", "", "also write the report to this file")
	capMiB := flag.Int64("cap", 3072, "kill a process under test once its RSS passes this many MiB")
	d := flag.Duration("d", 10*time.Second, "length of each timed phase")
	keep := flag.Bool("keep", false, "keep the temporary directory of binaries")
	flag.Parse()

	selected, err := selectScenarios(*only)
	if err != nil {
		log.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "hostile-")
	if err != nil {
		log.Fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(tmp)
	}
	t, err := newTree(*treeDir, tmp)
	if err != nil {
		log.Fatal(err)
	}
	e := &env{tree: t, tmp: tmp, capBytes: *capMiB << 20, d: *d}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		killAll()
		os.Exit(130)
	}()

	var w io.Writer = os.Stdout
	var file bytes.Buffer
	if *out != "" {
		w = io.MultiWriter(os.Stdout, &file)
	}
	start := time.Now()
	load0 := loadAvg()
	fmt.Fprintf(w, "# Hostile peers against final/\n\n")
	fmt.Fprintf(w, "- tree: `%s` at %s\n", t.dir, t.revision())
	fmt.Fprintf(w, "- command: `go run ./cmd/hostile %s` (from bench/)\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(w, "- started %s UTC\n", start.UTC().Format("2006-01-02 15:04"))
	for _, sc := range selected {
		log.Printf("scenario %s", sc.name)
		for _, s := range sc.run(e) {
			s.markdown(w)
		}
	}
	fmt.Fprintf(w, "## Machine\n\n%d cores, %s of memory, shared with other sessions that build and test at the same "+
		"time (load average %s at the start, %s at the end): latency figures are noisy; memory figures and "+
		"outcomes are not. The whole run took %s. Caps: -cap %d MiB, -d %s.\n",
		runtime.NumCPU(), memTotal(), load0, loadAvg(), time.Since(start).Round(time.Second), *capMiB, *d)
	if *out != "" {
		if err := os.WriteFile(*out, file.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func scenarioNames() string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ",")
}

// selectScenarios returns the scenarios -only names, in the run order.
func selectScenarios(only string) ([]scenario, error) {
	if only == "" {
		return scenarios, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []scenario
	for _, s := range scenarios {
		if want[s.name] {
			out = append(out, s)
			delete(want, s.name)
		}
	}
	for n := range want {
		return nil, fmt.Errorf("-only: no scenario %q (have %s)", n, scenarioNames())
	}
	return out, nil
}

// loadAvg is the one-minute load average from /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// memTotal is the machine's memory from /proc/meminfo.
func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return mib(kb << 10)
		}
	}
	return "?"
}
