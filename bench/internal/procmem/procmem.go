// Package procmem reads a process's resident memory and its children from
// Linux's /proc, for the idle-connection workload.
package procmem

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseVmRSS reads the VmRSS line of a /proc/PID/status file and returns it
// in bytes. The kernel prints it in kibibytes: "VmRSS:	   12345 kB".
func ParseVmRSS(status io.Reader) (int64, error) {
	m, err := ParseStatus(status, "VmRSS")
	if err != nil {
		return 0, err
	}
	return m["VmRSS"], nil
}

// ParseStatus reads the named lines of a /proc/PID/status file, each a size
// in kibibytes ("VmHWM:	   13000 kB", proc(5)), and returns them in bytes,
// keyed by name. Every name must be present: kernel threads and zombies have
// none of the Vm lines, and a missing one is an error rather than a zero that
// would read as "no memory".
func ParseStatus(status io.Reader, names ...string) (map[string]int64, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	out := make(map[string]int64, len(names))
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || !want[name] {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return nil, fmt.Errorf("procmem: malformed %s line %q", name, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("procmem: %s: %w", name, err)
		}
		out[name] = kb * 1024
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("procmem: no %s line", n)
		}
	}
	return out, nil
}

// Mem is a process's resident memory now and at its peak.
type Mem struct {
	// RSS is VmRSS, the resident set now, in bytes.
	RSS int64
	// HWM is VmHWM, the largest RSS since the process started (its
	// high-water mark), in bytes: a peak that sampling RSS could miss.
	HWM int64
}

// ReadMem reads the memory of process pid from /proc/PID/status.
func ReadMem(pid int) (Mem, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, err
	}
	defer f.Close()
	m, err := ParseStatus(f, "VmRSS", "VmHWM")
	if err != nil {
		return Mem{}, err
	}
	return Mem{RSS: m["VmRSS"], HWM: m["VmHWM"]}, nil
}

// RSS returns the resident memory of process pid, in bytes.
func RSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return ParseVmRSS(f)
}

// TotalRSS adds up the resident memory of several processes (nginx's
// workers), in bytes.
func TotalRSS(pids []int) (int64, error) {
	var sum int64
	for _, p := range pids {
		n, err := RSS(p)
		if err != nil {
			return 0, fmt.Errorf("pid %d: %w", p, err)
		}
		sum += n
	}
	return sum, nil
}

// ParseChildren reads a /proc/PID/task/TID/children file: process ids
// separated by spaces.
func ParseChildren(s string) ([]int, error) {
	var pids []int
	for _, f := range strings.Fields(s) {
		p, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("procmem: children: %w", err)
		}
		pids = append(pids, p)
	}
	return pids, nil
}

// Children returns the child processes of pid (across all its threads), as
// the kernel lists them under /proc/PID/task/*/children.
func Children(pid int) ([]int, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		return nil, err
	}
	var all []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		pids, err := ParseChildren(string(b))
		if err != nil {
			return nil, err
		}
		all = append(all, pids...)
	}
	return all, nil
}

// PerConn is the growth from before to after spread over n connections, in
// bytes; zero for no connections.
func PerConn(before, after int64, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(after-before) / float64(n)
}

// ParseStatCPU reads the CPU time a process has used, user plus system, in
// clock ticks, from a /proc/PID/stat line. The command name in parentheses
// may contain spaces, so fields are counted after its closing parenthesis:
// utime and stime are fields 14 and 15 of proc(5).
func ParseStatCPU(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("procmem: malformed stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("procmem: short stat %q", stat)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("procmem: stat times %q %q", f[11], f[12])
	}
	return u + s, nil
}

// ClockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const ClockTicks = 100

// CPUTicks adds up the CPU time of several processes, in clock ticks.
func CPUTicks(pids []int) (int64, error) {
	var sum int64
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			return 0, err
		}
		n, err := ParseStatCPU(string(b))
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// ParseMachineBusy reads the first line of /proc/stat ("cpu  user nice
// system idle iowait irq softirq steal ...") and returns the ticks all CPUs
// spent running processes: user + nice + system. Interrupt time is left out
// because the kernel charges loopback packet processing there, which is the
// benchmark's own traffic.
func ParseMachineBusy(stat string) (int64, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "cpu" {
		return 0, fmt.Errorf("procmem: malformed /proc/stat line %q", line)
	}
	var sum int64
	for _, s := range f[1:4] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("procmem: /proc/stat: %w", err)
		}
		sum += n
	}
	return sum, nil
}

// MachineBusy returns ParseMachineBusy of this machine's /proc/stat.
func MachineBusy() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return ParseMachineBusy(string(b))
}
