package svgchart

// Line charts: one line per peer across the levels of a sweep (rate against
// connections), on a y scale from zero, the x axis categorical so that
// levels that double (16, 32, ... 512) stand evenly apart.

import (
	"fmt"
	"math"
	"strings"
)

// Series is one line of a LineChart.
type Series struct {
	Label     string    // the peer's name, in the legend
	Values    []float64 // one per X; NaN where there is no value (the line breaks there)
	Highlight bool      // drawn in the accent colour, thicker (final)
}

// LineChart is a titled set of lines over categorical x values.
type LineChart struct {
	Title    string
	Subtitle string   // unit and direction
	XLabel   string   // the axis's name: "connections"
	X        []string // the x values' labels, left to right
	Series   []Series
}

// Layout of line charts, in SVG user units.
const (
	lineW       = 760
	lineH       = 400
	lineLeft    = 80  // room for the y labels
	lineRight   = 170 // room for the legend
	lineTop     = 60
	lineBottom  = 50 // room for the x labels and the axis name
	legendRowH  = 18
	accentColor = "#d9534f"
)

// palette colours the series that are not highlighted, in order.
var palette = []string{"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22"}

// SVG renders the chart.
func (c LineChart) SVG() []byte {
	max := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > max {
				max = v
			}
		}
	}
	top, step := niceScale(max)
	plotW := float64(lineW - lineLeft - lineRight)
	plotH := float64(lineH - lineTop - lineBottom)
	x := func(i int) float64 {
		if len(c.X) <= 1 {
			return lineLeft + plotW/2
		}
		return lineLeft + plotW*float64(i)/float64(len(c.X)-1)
	}
	y := func(v float64) float64 { return lineTop + plotH - v/top*plotH }

	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="12">`+"\n",
		lineW, lineH, lineW, lineH, fontFamily)
	fmt.Fprintf(&s, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", lineW, lineH)
	fmt.Fprintf(&s, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(c.Title))
	fmt.Fprintf(&s, `<text x="10" y="38" fill="#555555">%s</text>`+"\n", esc(c.Subtitle))
	// Grid lines and y labels.
	for v := 0.0; v <= top+step/2; v += step {
		fmt.Fprintf(&s, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`+"\n", lineLeft, y(v), lineLeft+plotW, y(v))
		fmt.Fprintf(&s, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="#555555">%s</text>`+"\n",
			lineLeft-6, y(v), esc(axisNumber(v)))
	}
	// The axes, x labels and the x axis's name.
	fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="#999999"/>`+"\n", lineLeft, lineTop, lineLeft, y(0))
	fmt.Fprintf(&s, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999999"/>`+"\n", lineLeft, y(0), lineLeft+plotW, y(0))
	for i, l := range c.X {
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(i), y(0)+18, esc(l))
	}
	fmt.Fprintf(&s, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555555">%s</text>`+"\n", lineLeft+plotW/2, lineH-10, esc(c.XLabel))
	// The lines, the highlighted one last so that it is on top.
	order := make([]int, 0, len(c.Series))
	for i, sr := range c.Series {
		if !sr.Highlight {
			order = append(order, i)
		}
	}
	for i, sr := range c.Series {
		if sr.Highlight {
			order = append(order, i)
		}
	}
	colors := c.colors()
	for _, i := range order {
		sr := c.Series[i]
		width := 2.0
		if sr.Highlight {
			width = 3
		}
		var path strings.Builder
		pen := false // a segment is open
		for j, v := range sr.Values {
			if j >= len(c.X) {
				break
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(j), y(v))
			pen = true
			fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(j), y(v), colors[i])
		}
		if path.Len() > 0 {
			fmt.Fprintf(&s, `<path d="%s" fill="none" stroke="%s" stroke-width="%.0f"/>`+"\n",
				strings.TrimSpace(path.String()), colors[i], width)
		}
	}
	// The legend, in the series' order.
	lx := float64(lineW - lineRight + 16)
	for i, sr := range c.Series {
		ly := float64(lineTop + i*legendRowH)
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`+"\n", lx, ly, lx+18, ly, colors[i])
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", lx+24, ly, esc(sr.Label))
	}
	s.WriteString("</svg>\n")
	return []byte(s.String())
}

// colors gives each series its colour: the accent for the highlighted one,
// the palette in order for the others.
func (c LineChart) colors() []string {
	out := make([]string, len(c.Series))
	n := 0
	for i, sr := range c.Series {
		if sr.Highlight {
			out[i] = accentColor
			continue
		}
		out[i] = palette[n%len(palette)]
		n++
	}
	return out
}

// niceScale returns the top of a y axis from zero that holds max, and the
// step between its grid lines: 1, 2 or 5 times a power of ten, the smallest
// that needs no more than seven steps.
func niceScale(max float64) (top, step float64) {
	if !(max > 0) {
		return 1, 0.2
	}
	mag := math.Pow(10, math.Floor(math.Log10(max/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if max/step <= 7 {
			break
		}
	}
	return math.Ceil(max/step) * step, step
}

// axisNumber prints a y label: 250k, 1.5M, 800.
func axisNumber(v float64) string {
	switch {
	case v >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case v >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return trimZero(fmt.Sprintf("%.1f", v))
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
