// Package wrk runs the wrk load generator and reads its text report.
//
// wrk (github.com/wg/wrk, Debian's package "wrk") prints a human report and no
// machine format, so Parse reads the lines the runner needs: the request
// count, the elapsed time, requests and bytes per second, latency, and the
// error lines, which wrk prints only when there were errors.
package wrk

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Result is what one wrk run reported.
type Result struct {
	Requests       int64         // completed responses ("N requests in ...")
	Elapsed        time.Duration // the run's measured time
	RequestsPerSec float64       // "Requests/sec:"
	BytesPerSec    float64       // "Transfer/sec:", in bytes (wrk's units are powers of 1024)
	LatencyAvg     time.Duration // thread stats, mean latency
	LatencyP50     time.Duration // from --latency, zero if absent
	LatencyP99     time.Duration // from --latency, zero if absent
	SocketErrors   int64         // connect + read + write + timeout
	Non2xx         int64         // "Non-2xx or 3xx responses:"
}

// Errors is every failed exchange wrk saw.
func (r Result) Errors() int64 { return r.SocketErrors + r.Non2xx }

// ErrNoReport is returned when the text has no "Requests/sec:" line, which
// happens when wrk could not connect at all or was killed.
var ErrNoReport = errors.New("wrk: no Requests/sec line in output")

// Parse reads wrk's report.
func Parse(out string) (Result, error) {
	var r Result
	seenRate := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		var err error
		switch {
		case strings.HasPrefix(line, "Requests/sec:") && len(f) == 2:
			r.RequestsPerSec, err = strconv.ParseFloat(f[1], 64)
			seenRate = err == nil
		case strings.HasPrefix(line, "Transfer/sec:") && len(f) == 2:
			r.BytesPerSec, err = ParseBytes(f[1])
		case len(f) >= 5 && f[1] == "requests" && f[2] == "in":
			// "250000 requests in 5.00s, 30.00MB read"
			if r.Requests, err = strconv.ParseInt(f[0], 10, 64); err == nil {
				r.Elapsed, err = ParseDuration(strings.TrimSuffix(f[3], ","))
			}
		case len(f) == 5 && f[0] == "Latency":
			// "Latency   1.26ms    1.57ms  27.66ms   93.17%", not the
			// "Latency Distribution" heading.
			r.LatencyAvg, err = ParseDuration(f[1])
		case len(f) == 2 && f[0] == "50%":
			r.LatencyP50, err = ParseDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.LatencyP99, err = ParseDuration(f[1])
		case strings.HasPrefix(line, "Socket errors:"):
			// "Socket errors: connect 0, read 12, write 0, timeout 3"
			for i := 2; i+1 < len(f); i += 2 {
				n, perr := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if perr != nil {
					err = perr
					break
				}
				r.SocketErrors += n
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:") && len(f) == 5:
			r.Non2xx, err = strconv.ParseInt(f[4], 10, 64)
		}
		if err != nil {
			return r, fmt.Errorf("wrk: line %q: %w", line, err)
		}
	}
	if !seenRate {
		return r, ErrNoReport
	}
	return r, nil
}

// ParseDuration reads wrk's durations: "812.00us", "1.23ms", "5.00s",
// "1.00m", "1.00h".
func ParseDuration(s string) (time.Duration, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("wrk: unknown duration %q", s)
	}
	units := map[string]time.Duration{
		"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second,
		"m": time.Minute, "h": time.Hour,
	}
	unit, ok := units[s[i:]]
	if !ok {
		return 0, fmt.Errorf("wrk: unknown duration unit in %q", s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("wrk: duration %q: %w", s, err)
	}
	return time.Duration(v * float64(unit)), nil
}

// ParseBytes reads wrk's byte amounts: "512.00B", "6.00KB", "6.00MB",
// "1.20GB"; wrk scales them by 1024.
func ParseBytes(s string) (float64, error) {
	num, ok := strings.CutSuffix(s, "B")
	if !ok {
		return 0, fmt.Errorf("wrk: unknown size %q", s)
	}
	scale := 1.0
	for i, p := range []string{"K", "M", "G", "T"} {
		if n, ok := strings.CutSuffix(num, p); ok {
			num = n
			scale = float64(uint64(1) << (10 * (i + 1)))
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("wrk: size %q: %w", s, err)
	}
	return v * scale, nil
}

// Args builds wrk's command line: threads, connections, duration, an optional
// Lua script with its arguments, and the URL. Latency percentiles are asked
// for so that the report has the 50% and 99% lines.
func Args(threads, conns int, d time.Duration, url, script string, scriptArgs ...string) []string {
	a := []string{
		"-t" + strconv.Itoa(threads),
		"-c" + strconv.Itoa(conns),
		"-d" + strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s",
		"--latency",
	}
	if script != "" {
		a = append(a, "-s", script)
	}
	a = append(a, url)
	if len(scriptArgs) > 0 {
		a = append(a, "--")
		a = append(a, scriptArgs...)
	}
	return a
}
