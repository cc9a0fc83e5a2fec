package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gornado/gornado/bench/internal/results"
)

// findTools looks for wrk, nginx, Debian's python3 with Tornado, and taskset.
// It installs nothing: a missing tool makes its peers or workloads report
// "run bench/setup.sh".
func (e *env) findTools() {
	const hint = " (run bench/setup.sh)"
	if p, err := exec.LookPath("wrk"); err == nil {
		e.wrk = p
	}
	for _, c := range []string{"nginx", "/usr/sbin/nginx"} {
		if p, err := exec.LookPath(c); err == nil {
			e.nginx = p
			break
		}
	}
	if e.nginx == "" {
		e.missing["nginx"] = "nginx not installed" + hint
	}
	// Debian's python3, not a pyenv one on PATH: python3-tornado installs
	// into Debian's.
	for _, c := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(c); err == nil && exec.Command(p, "-c", "import tornado").Run() == nil {
			e.python = p
			break
		}
	}
	if e.python == "" {
		e.missing["tornado"] = "python3-tornado not installed" + hint
	}
	if _, err := exec.LookPath("taskset"); err != nil && runtime.NumCPU() >= 2 {
		log.Fatal("taskset not found (Debian's util-linux)")
	}
	for _, p := range peers {
		if p.Kind == goProgram && p.InRoot {
			if _, err := os.Stat(filepath.Join(e.rootOf(p), p.Pkg)); err != nil {
				e.missing[p.Name] = "not built yet (" + strings.TrimPrefix(p.Pkg, "./") + " does not exist)"
			}
		}
	}
}

// build compiles the chosen Go peers and the load generators into e.tmp:
// bench's own programs in one go build, final's each on its own (in the root
// module, or for final-raw in bench's, which replaces the root with ../), so
// that a final/ that does not build takes only final's peers out of the run.
func (e *env) build(sel []Peer) {
	binDir := filepath.Join(e.tmp, "bin")
	pkgs := []string{"./cmd/idleconns", "./cmd/wsload"}
	for _, p := range sel {
		if p.Kind == goProgram && !p.InRoot && !p.Optional && e.missing[p.Name] == "" {
			pkgs = append(pkgs, p.Pkg)
		}
	}
	log.Printf("building %s", strings.Join(pkgs, " "))
	if err := goBuild(e.benchDir, binDir+"/", pkgs...); err != nil {
		log.Fatal(err)
	}
	for _, p := range sel {
		if p.Kind != goProgram || e.missing[p.Name] != "" {
			continue
		}
		if p.InRoot || p.Optional {
			out := filepath.Join(binDir, p.Name)
			dir, where := e.benchDir, "bench's module"
			if p.InRoot {
				dir, where = e.rootOf(p), "the root module"
				if p.Root != "" {
					where = p.Root
				}
			}
			log.Printf("building %s in %s", p.Pkg, where)
			if err := goBuild(dir, out, p.Pkg); err != nil {
				e.missing[p.Name] = "build failed: " + firstLine(err.Error())
				log.Print(err)
				continue
			}
			e.bins[p.Name] = out
		} else {
			e.bins[p.Name] = filepath.Join(binDir, filepath.Base(p.Pkg))
		}
	}
	e.bins["idleconns"] = filepath.Join(binDir, "idleconns")
	e.bins["wsload"] = filepath.Join(binDir, "wsload")
}

// rootOf is the checkout p is built in: its Root, or this repository.
func (e *env) rootOf(p Peer) string {
	if p.Root != "" {
		return p.Root
	}
	return e.rootDir
}

func goBuild(dir, out string, pkgs ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", out}, pkgs...)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (in %s): %v\n%s", strings.Join(pkgs, " "), dir, err, b)
	}
	return nil
}

// machine describes this machine for the results.
func machine(e *env) results.Machine {
	m := results.Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Tools: map[string]string{}, LoadAvg: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if e.wrk != "" {
		out, _ := exec.Command(e.wrk, "-v").CombinedOutput()
		m.Tools["wrk"] = firstLine(string(out))
	}
	if e.nginx != "" {
		out, _ := exec.Command(e.nginx, "-v").CombinedOutput()
		m.Tools["nginx"] = strings.TrimSpace(string(out))
	}
	if e.python != "" {
		out, _ := exec.Command(e.python, "-c", "import sys, tornado; print('tornado', tornado.version, 'python', sys.version.split()[0])").Output()
		m.Tools["tornado"] = strings.TrimSpace(string(out))
	}
	return m
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func printList(e *env) {
	var b bytes.Buffer
	fmt.Fprintln(&b, "workloads (-w):")
	for _, w := range workloads {
		fmt.Fprintf(&b, "  %-11s %s (%s)\n", w.Name, w.Title, w.Unit)
	}
	fmt.Fprintln(&b, "peers (-p):")
	for _, p := range peers {
		status := "ok"
		if why := e.missing[p.Name]; why != "" {
			status = why
		}
		fmt.Fprintf(&b, "  %-16s %s [%s]\n", p.Name, p.About, status)
	}
	teList(&b, e)
	if e.wrk == "" {
		fmt.Fprintln(&b, "wrk: not installed (run bench/setup.sh); the wrk workloads will be skipped")
	}
	os.Stdout.Write(b.Bytes())
}
