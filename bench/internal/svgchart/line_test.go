package svgchart

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lineChart() LineChart {
	return LineChart{
		Title:    "json <by> connections",
		Subtitle: "requests/s, higher is better",
		XLabel:   "connections",
		X:        []string{"16", "32", "64"},
		Series: []Series{
			{Label: "final", Values: []float64{100, 200, 300}, Highlight: true},
			{Label: "nethttp", Values: []float64{50, math.NaN(), 70}},
			{Label: "tornado", Values: []float64{math.NaN(), math.NaN(), math.NaN()}},
		},
	}
}

func TestLineSVGIsWellFormed(t *testing.T) {
	for _, c := range []LineChart{lineChart(), {Title: "empty"}, {X: []string{"1"}, Series: []Series{{Label: "a", Values: []float64{5}}}}} {
		d := xml.NewDecoder(strings.NewReader(string(c.SVG())))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
		}
		assert.NotContains(t, string(c.SVG()), "NaN")
	}
}

func TestLineSVGContent(t *testing.T) {
	svg := string(lineChart().SVG())
	assert.Contains(t, svg, "json &lt;by&gt; connections", "titles are escaped")
	for _, s := range []string{">final</text>", ">nethttp</text>", ">tornado</text>", ">connections</text>", ">16</text>", ">64</text>"} {
		assert.Contains(t, svg, s)
	}
	paths := regexp.MustCompile(`<path d="([^"]+)"[^>]*stroke="([^"]+)"`).FindAllStringSubmatch(svg, -1)
	require.Len(t, paths, 2, "tornado has no value, so no line")
	// nethttp is drawn first, final (highlighted) last, on top.
	assert.Equal(t, palette[0], paths[0][2])
	assert.Equal(t, accentColor, paths[1][2])
	assert.Equal(t, 2, strings.Count(paths[0][1], "M"), "a missing value breaks the line")
	assert.Equal(t, 1, strings.Count(paths[1][1], "M"))
	assert.Equal(t, 2, strings.Count(paths[1][1], "L"))
	assert.Equal(t, 5, strings.Count(svg, "<circle"), "a point per value")
	// The scale runs from zero to a round number above final's 300.
	assert.Contains(t, svg, ">300</text>")
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ max, top, step float64 }{
		{300, 300, 50},
		{126269, 140000, 20000},
		{996732, 1000000, 200000},
		{7, 7, 1},
		{8.5, 10, 2},
		{0, 1, 0.2},
	} {
		top, step := niceScale(c.max)
		assert.InDelta(t, c.top, top, 1e-9, "max %v", c.max)
		assert.InDelta(t, c.step, step, 1e-9, "max %v", c.max)
		assert.GreaterOrEqual(t, top, c.max)
	}
	assert.Equal(t, "1.5M", axisNumber(1.5e6))
	assert.Equal(t, "250k", axisNumber(250000))
	assert.Equal(t, "800", axisNumber(800))
}
