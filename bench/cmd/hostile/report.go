// The report: one markdown section per scenario, a table and the raw numbers
// it was made from, so that a BEFORE file and an AFTER file read side by side.

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// section is one table of the report.
type section struct {
	// Title heads the section ("1. WebSocket peer that never reads").
	Title string
	// Method says in a paragraph what was done, so the figures can be
	// reproduced by hand and compared with a later run's.
	Method string
	// Head and Rows are the table; every row has len(Head) cells.
	Head []string
	Rows [][]string
	// Notes are sentences under the table: what did not reproduce, what
	// a cell means.
	Notes []string
	// Raw is every number the table was made from, printed as JSON.
	Raw any
}

// markdown writes s as a markdown section.
func (s *section) markdown(w io.Writer) {
	fmt.Fprintf(w, "## %s\n\n", s.Title)
	if s.Method != "" {
		fmt.Fprintf(w, "%s\n\n", s.Method)
	}
	if len(s.Head) > 0 {
		fmt.Fprintf(w, "| %s |\n", strings.Join(s.Head, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(s.Head)))
		for _, r := range s.Rows {
			cells := make([]string, len(s.Head))
			copy(cells, r)
			for i, c := range cells {
				cells[i] = strings.ReplaceAll(c, "|", `\|`)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
		fmt.Fprintln(w)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if len(s.Notes) > 0 {
		fmt.Fprintln(w)
	}
	if s.Raw != nil {
		b, err := json.MarshalIndent(s.Raw, "", "  ")
		if err != nil {
			b = []byte(fmt.Sprintf("%q", err.Error()))
		}
		fmt.Fprintf(w, "<details><summary>raw numbers</summary>\n\n```json\n%s\n```\n\n</details>\n\n", b)
	}
}

// mib formats bytes in MiB, or GiB from 1 GiB up.
func mib(b int64) string {
	switch {
	case b >= 1<<30 || b <= -(1<<30):
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	default:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
}

// secs formats a duration in seconds with two decimals.
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// ms formats a duration in milliseconds, with one decimal below 10 ms.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	if f < 10 {
		return fmt.Sprintf("%.1f ms", f)
	}
	return fmt.Sprintf("%.0f ms", f)
}

// percentile returns the nearest-rank p-th percentile of xs (p in 0..100):
// the smallest value with at least p% of the values at or below it. It is
// -1 for no values. Nearest rank rather than interpolation, so that every
// figure printed was measured.
func percentile[T ~int64](xs []T, p float64) T {
	if len(xs) == 0 {
		return -1
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[max(rank, 1)-1]
}

// msOrDash formats a latency, "–" when there was none.
func msOrDash(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return ms(d)
}

// itoa is strconv.Itoa, short for the tables.
func itoa(n int) string { return strconv.Itoa(n) }
