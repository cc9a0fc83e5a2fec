// Command blogbench measures the blog demo's home page (final/demos/blog's
// GET /: the five latest entries, one query, rendered through the layout
// and the Entry module) against blogref, the same page written with
// net/http, html/template and the same database driver
// (final/demos/blog/cmd/blogref), on SQLite and on PostgreSQL.
//
// Run it from bench/:
//
//	cd bench && go run ./cmd/blogbench                     # both engines, 5 s x 3
//	go run ./cmd/blogbench -engines sqlite -d 10s -reps 5
//
// The blog is a module of its own, with its drivers: blogbench builds the
// blog, blogref and pgserve (a throw-away PostgreSQL server, the blog
// tests' pgtest) from its directory with `go build`, so that this module
// needs none of their dependencies. For each engine it makes one database,
// has the blog's author post five entries through the blog's own pages,
// then measures each server in turn on that database, interleaved (final,
// net/http, final, net/http...): the server pinned to core 0 with
// GOMAXPROCS=1, wrk with 64 keep-alive connections on core 1, where
// PostgreSQL runs too. It reports the median requests/s of the repetitions
// and the ratio final/net/http, the same for requests per second of the
// server's own CPU time (steadier when other work shares the machine), and
// checks that both servers answer 200
// with the same page.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gornado/gornado/bench/internal/procmem"
	"github.com/gornado/gornado/bench/internal/stats"
	"github.com/gornado/gornado/bench/internal/wrk"
)

// server is one of the two servers measured.
type server struct {
	// name is the column's name: "final" or "net/http".
	name string
	// argv runs it, without -addr and -db.
	argv []string
}

// running is a started process that printed "... listening on <url>".
type running struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

// stop sends SIGTERM and waits for the process, for 10 s at most, and
// returns how it exited: an error unless it stopped by itself with
// status 0.
func (r *running) stop() error {
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.done:
		return err
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
		return errors.New("did not stop within 10 s of SIGTERM")
	}
}

// listening matches the line the blog, blogref and pgserve print when ready.
var listening = regexp.MustCompile(`listening on (http://\S+)|^(postgres://\S+)$`)

// start runs argv (through taskset when core >= 0, with GOMAXPROCS=1),
// its standard error to stderr, and waits up to 60 s for its "listening
// on" line, or pgserve's URL.
func start(core int, stderr io.Writer, argv ...string) (*running, error) {
	if core >= 0 {
		argv = append([]string{"taskset", "-c", fmt.Sprint(core)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if core >= 0 {
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// pgserve stops when its standard input ends: if blogbench dies, so
	// does the PostgreSQL server.
	if _, err := cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &running{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		said := false
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil && !said {
				said = true
				found <- m[1] + m[2]
			}
		}
		r.done <- cmd.Wait()
	}()
	select {
	case r.url = <-found:
		return r, nil
	case err := <-r.done:
		return nil, fmt.Errorf("%s exited at start: %v", argv, err)
	case <-time.After(60 * time.Second):
		_ = r.stop()
		return nil, fmt.Errorf("%s did not start within 60 s", argv)
	}
}

func main() {
	engines := flag.String("engines", "sqlite,postgres", "database engines, comma-separated")
	d := flag.Duration("d", 5*time.Second, "measured duration of each run")
	warmup := flag.Duration("warmup", time.Second, "unmeasured load before each run")
	reps := flag.Int("reps", 3, "repetitions (the median is reported)")
	conns := flag.Int("c", 64, "wrk's keep-alive connections")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("blogbench: ")
	if runtime.NumCPU() < 2 {
		log.Fatal("needs two cores: the server on core 0, wrk and PostgreSQL on core 1")
	}
	wrkBin, err := exec.LookPath("wrk")
	if err != nil {
		log.Fatal("wrk not found: bench/setup.sh installs it")
	}
	blogDir, err := filepath.Abs(filepath.Join("..", "final", "demos", "blog"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(blogDir, "go.mod")); err != nil {
		log.Fatal("run blogbench from bench/: ", err)
	}
	tmp, err := os.MkdirTemp("", "blogbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bins := map[string]string{}
	for _, pkg := range []string{".", "./cmd/blogref", "./internal/pgtest/pgserve"} {
		name := filepath.Base(pkg)
		if pkg == "." {
			name = "blog"
		}
		bins[name] = filepath.Join(tmp, name)
		build := exec.Command("go", "build", "-o", bins[name], pkg)
		build.Dir = blogDir
		if out, err := build.CombinedOutput(); err != nil {
			log.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
	}
	servers := []server{
		{"final", []string{bins["blog"], "-loops", "1", "-logging", "warning"}},
		{"net/http", []string{bins["blogref"]}},
	}

	fmt.Printf("GET / (5 entries), server on core 0 (GOMAXPROCS=1), wrk -t1 -c%d on core 1, %v x %d, medians\n\n", *conns, *d, *reps)
	fmt.Println("| engine | final requests/s | net/http requests/s | final/net/http | final per CPU-s | net/http per CPU-s | final/net/http |")
	fmt.Println("|---|--:|--:|--:|--:|--:|--:|")
	for _, engine := range strings.Split(*engines, ",") {
		samples, err := measure(engine, tmp, bins, servers, wrkBin, *conns, *d, *warmup, *reps)
		if err != nil {
			log.Printf("%s: %v", engine, err)
			os.RemoveAll(tmp) // log.Fatal would skip the deferred removal
			os.Exit(1)
		}
		var rate, perCPU [2]float64
		var errs [2]string
		for i, ss := range samples {
			var r, c []float64
			var n int64
			var bad int
			for _, m := range ss {
				r, c, n, bad = append(r, m.rate), append(c, m.perCPU), n+m.errors, bad+m.badStops
			}
			rate[i], perCPU[i] = stats.Median(r), stats.Median(c)
			if n > 0 {
				errs[i] = fmt.Sprintf(" (%d errors)", n)
			}
			if bad > 0 {
				errs[i] += fmt.Sprintf(" (%d bad stops)", bad)
			}
		}
		fmt.Printf("| %s | %.0f%s | %.0f%s | %.2f | %.0f | %.0f | %.2f |\n", engine,
			rate[0], errs[0], rate[1], errs[1], stats.Ratio(rate[0], rate[1], true),
			perCPU[0], perCPU[1], stats.Ratio(perCPU[0], perCPU[1], true))
	}
}

// measure makes engine's database, seeds it, and returns each server's
// samples, one per repetition.
func measure(engine, tmp string, bins map[string]string, servers []server, wrkBin string, conns int, d, warmup time.Duration, reps int) ([][]sample, error) {
	var dsn string
	switch engine {
	case "sqlite":
		dsn = filepath.Join(tmp, "blog.db")
	case "postgres":
		pg, err := start(1, os.Stderr, bins["pgserve"]) // on wrk's core, away from the server's
		if err != nil {
			return nil, err
		}
		defer pg.stop()
		dsn = pg.url
	default:
		return nil, fmt.Errorf("unknown engine (sqlite or postgres)")
	}
	if err := seed(bins["blog"], dsn); err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	samples := make([][]sample, len(servers))
	pages := make([][]byte, len(servers))
	// What the servers log under load (the blog logs at warning and
	// above) goes to a file each, summed up after the runs.
	logs := make([]*os.File, len(servers))
	for i := range servers {
		f, err := os.CreateTemp(tmp, "log-")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		logs[i] = f
	}
	for rep := 0; rep < reps; rep++ {
		for i, s := range servers {
			r, err := start(0, logs[i], append(s.argv, "-addr", "127.0.0.1:0", "-db", dsn)...)
			if err != nil {
				return nil, err
			}
			m, page, err := load(r.url, r.cmd.Process.Pid, wrkBin, conns, d, warmup)
			if serr := r.stop(); serr != nil {
				// The measurement stands (the server answered it), but the
				// table says so, and the log says why.
				m.badStops++
				log.Printf("%s on %s: exited with %v after the run; its log:\n%s", s.name, engine, serr, crash(logs[i].Name()))
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			samples[i] = append(samples[i], m)
			pages[i] = page
		}
	}
	for i, s := range servers {
		b, _ := os.ReadFile(logs[i].Name())
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(b) > 0 {
			log.Printf("%s on %s logged %d lines; the first: %s", s.name, engine, len(lines), lines[0])
		}
	}
	// The entries' dates are relative ("2 minutes ago") and the pages
	// were fetched at different times: they are left out of the check.
	for i := range pages {
		pages[i] = dateDiv.ReplaceAll(pages[i], []byte(`<div class="date">-</div>`))
	}
	if !bytes.Equal(pages[0], pages[1]) {
		log.Printf("%s: the pages differ (%d and %d bytes):\n%s\n----\n%s", engine, len(pages[0]), len(pages[1]), pages[0], pages[1])
	} else {
		log.Printf("%s: the page is %d bytes, the same from both servers", engine, len(pages[0]))
	}
	return samples, nil
}

// crash returns the part of a server's log that says why it crashed: 80
// lines from the first "fatal error" or "panic", or else the last 80.
func crash(name string) string {
	b, _ := os.ReadFile(name)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "panic") {
			return strings.Join(lines[max(0, i-5):min(len(lines), i+80)], "\n")
		}
	}
	return strings.Join(lines[max(0, len(lines)-80):], "\n")
}

// sample is one measured run of one server.
type sample struct {
	// rate is wrk's requests/s.
	rate float64
	// perCPU is requests per second of the server process's own CPU time
	// (user and system), which holds better than rate when other work
	// shares the machine; PostgreSQL's time is not counted, and is the
	// same for both servers.
	perCPU float64
	// errors is wrk's socket errors and timeouts, and non-2xx answers.
	errors int64
	// badStops is 1 when the server, sent SIGTERM after the run, did not
	// exit with status 0 (it crashed, or did not stop within 10 s).
	badStops int
}

// load checks that base/ answers 200, then runs wrk against it (a warm-up,
// then the measured run, both on core 1) and returns the measured run and
// the page. pid is the server's process, whose CPU time is read around
// the measured run.
func load(base string, pid int, wrkBin string, conns int, d, warmup time.Duration) (sample, []byte, error) {
	resp, err := http.Get(base + "/")
	if err != nil {
		return sample{}, nil, err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		return sample{}, nil, fmt.Errorf("GET /: %d %v", resp.StatusCode, err)
	}
	var r wrk.Result
	var ticks [2]int64
	for i, run := range []time.Duration{warmup, d} {
		argv := append([]string{"taskset", "-c", "1", wrkBin}, wrk.Args(1, conns, run, base+"/", "")...)
		if ticks[0], err = procmem.CPUTicks([]int{pid}); err != nil {
			return sample{}, nil, err
		}
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return sample{}, nil, fmt.Errorf("wrk: %v: %s", err, out)
		}
		if ticks[1], err = procmem.CPUTicks([]int{pid}); err != nil {
			return sample{}, nil, err
		}
		if r, err = wrk.Parse(string(out)); err != nil {
			return sample{}, nil, err
		}
		if i == 1 && r.Requests == 0 {
			return sample{}, nil, fmt.Errorf("wrk got no answers:\n%s", out)
		}
	}
	cpu := float64(ticks[1]-ticks[0]) / procmem.ClockTicks
	return sample{rate: r.RequestsPerSec, perCPU: float64(r.Requests) / cpu, errors: r.Errors()}, page, nil
}

// dateDiv is an entry's date in the page.
var dateDiv = regexp.MustCompile(`<div class="date">[^<]*</div>`)

// xsrfInput finds the XSRF token of a form (xsrf_form_html).
var xsrfInput = regexp.MustCompile(`name="_xsrf" value="([^"]+)"`)

// seed runs the blog on dsn and, through its pages as a browser would,
// creates the author and posts five entries, then stops it.
func seed(blogBin, dsn string) error {
	r, err := start(-1, os.Stderr, blogBin, "-addr", "127.0.0.1:0", "-db", dsn, "-logging", "warning")
	if err != nil {
		return err
	}
	defer r.stop()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx := context.Background()
	// form fetches path's form and posts fields with its token; the
	// answer must be a redirect.
	form := func(path string, fields url.Values) error {
		resp, err := c.Get(r.url + path)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := xsrfInput.FindSubmatch(body)
		if m == nil {
			return fmt.Errorf("GET %s: %d, no form", path, resp.StatusCode)
		}
		fields.Set("_xsrf", string(m[1]))
		req, _ := http.NewRequestWithContext(ctx, "POST", r.url+path, strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err = c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			return fmt.Errorf("POST %s: %d", path, resp.StatusCode)
		}
		return nil
	}
	if err := form("/auth/create", url.Values{"email": {"ann@example.com"}, "name": {"Ann"}, "password": {"s3cret"}}); err != nil {
		return err
	}
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		text := "Some *text* for entry " + title + ", with a [link](https://www.tornadoweb.org/) and a list:\n\n- one\n- two\n"
		if err := form("/compose", url.Values{"title": {title}, "markdown": {text}}); err != nil {
			return err
		}
	}
	return nil
}
