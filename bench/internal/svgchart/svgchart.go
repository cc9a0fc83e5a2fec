// Package svgchart draws charts as standalone SVG, with no dependency
// beyond the standard library. Bar charts: one bar per peer, the median as
// the bar, the spread of the runs as a thin line across its end, and the
// value written beside it. Line charts (line.go): one line per peer across
// the levels of a sweep.
package svgchart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Bar is one row of a chart.
type Bar struct {
	Label     string  // the peer's name
	Value     float64 // the median; NaN or 0 with Note set draws no bar
	Lo, Hi    float64 // the range of the runs; both 0 to draw none
	Text      string  // printed after the bar ("52,777")
	Note      string  // printed instead of a bar ("not built yet")
	Highlight bool    // drawn in the accent colour (final)
}

// Chart is a titled set of bars on one scale that starts at zero.
type Chart struct {
	Title    string
	Subtitle string // unit and direction: "requests/s, higher is better"
	Bars     []Bar
}

// Layout, in SVG user units.
const (
	width      = 760
	labelW     = 120 // left column for peer names
	valueW     = 210 // right margin for the value and ratio text
	rowH       = 26
	barH       = 16
	headH      = 52 // title and subtitle
	footH      = 10
	fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
)

// SVG renders the chart.
func (c Chart) SVG() []byte {
	max := 0.0
	for _, b := range c.Bars {
		for _, v := range []float64{b.Value, b.Hi} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > max {
				max = v
			}
		}
	}
	plotW := float64(width - labelW - valueW)
	scale := func(v float64) float64 {
		if max <= 0 || math.IsNaN(v) || v < 0 {
			return 0
		}
		return v / max * plotW
	}

	h := headH + rowH*len(c.Bars) + footH
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="12">`+"\n",
		width, h, width, h, fontFamily)
	fmt.Fprintf(&s, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, h)
	fmt.Fprintf(&s, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(c.Title))
	fmt.Fprintf(&s, `<text x="10" y="38" fill="#555555">%s</text>`+"\n", esc(c.Subtitle))
	// The zero line.
	fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999999"/>`+"\n",
		labelW, headH-4, labelW, h-footH+2)
	for i, b := range c.Bars {
		y := headH + i*rowH
		mid := float64(y) + rowH/2.0
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			labelW-8, mid, esc(b.Label))
		if b.Note != "" {
			fmt.Fprintf(&s, `<text x="%d" y="%.1f" dominant-baseline="middle" fill="#888888" font-style="italic">%s</text>`+"\n",
				labelW+6, mid, esc(b.Note))
			continue
		}
		fill := "#7a8fa6"
		if b.Highlight {
			fill = "#d9534f"
		}
		w := scale(b.Value)
		fmt.Fprintf(&s, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="%s"/>`+"\n",
			labelW, mid-barH/2.0, w, barH, fill)
		if b.Hi > 0 {
			fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#222222" stroke-width="1.5"/>`+"\n",
				labelW+scale(b.Lo), mid, labelW+scale(b.Hi), mid)
		}
		end := math.Max(w, scale(b.Hi))
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n",
			float64(labelW)+end+6, mid, esc(b.Text))
	}
	s.WriteString("</svg>\n")
	return []byte(s.String())
}

func esc(s string) string { return html.EscapeString(s) }
