package svgchart

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func chart() Chart {
	return Chart{
		Title:    "hello world <64 conns> & more",
		Subtitle: "requests/s, higher is better",
		Bars: []Bar{
			{Label: "final", Note: "not built yet", Highlight: true},
			{Label: "nethttp", Value: 50, Lo: 40, Hi: 55, Text: "50"},
			{Label: "fasthttp", Value: 100, Lo: 90, Hi: 110, Text: "100"},
			{Label: "tornado", Value: math.NaN(), Text: "—"},
		},
	}
}

// The output must be well-formed XML, or browsers show nothing.
func TestSVGIsWellFormed(t *testing.T) {
	d := xml.NewDecoder(strings.NewReader(string(chart().SVG())))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
}

func TestSVGContent(t *testing.T) {
	svg := string(chart().SVG())
	assert.True(t, strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg"`))
	assert.Contains(t, svg, "hello world &lt;64 conns&gt; &amp; more", "titles are escaped")
	assert.Contains(t, svg, "not built yet")
	assert.Contains(t, svg, ">fasthttp</text>")

	// Bars scale to the largest value, the top of a range included: fasthttp's
	// median of 100 against a maximum of 110 fills 100/110 of the plot.
	widths := regexp.MustCompile(`<rect x="120" y="[0-9.]+" width="([0-9.]+)"`).FindAllStringSubmatch(svg, -1)
	require.Len(t, widths, 3, "nethttp, fasthttp and tornado have bars; final has a note")
	plotW := float64(width - labelW - valueW)
	got := func(i int) float64 {
		v, err := strconv.ParseFloat(widths[i][1], 64)
		require.NoError(t, err)
		return v
	}
	assert.InDelta(t, plotW*50/110, got(0), 0.1)
	assert.InDelta(t, plotW*100/110, got(1), 0.1)
	assert.Equal(t, 0.0, got(2), "a NaN median draws an empty bar")
	assert.Equal(t, 2, strings.Count(svg, `stroke-width="1.5"`), "one range line per bar with runs")
}

func TestSVGAllEmpty(t *testing.T) {
	svg := string(Chart{Title: "t", Bars: []Bar{{Label: "a"}}}.SVG())
	assert.Contains(t, svg, `width="0.0"`)
	assert.NotContains(t, svg, "NaN")
}
