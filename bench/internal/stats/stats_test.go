package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{100, 1, 2}, 2}, // one outlier does not move it
	} {
		assert.Equal(t, c.want, Median(c.in), "%v", c.in)
	}
	assert.True(t, math.IsNaN(Median(nil)))

	in := []float64{3, 1, 2}
	Median(in)
	assert.Equal(t, []float64{3, 1, 2}, in, "Median must not reorder its argument")
}

func TestMinMax(t *testing.T) {
	lo, hi := MinMax([]float64{3, -1, 7, 2})
	assert.Equal(t, -1.0, lo)
	assert.Equal(t, 7.0, hi)
	lo, hi = MinMax(nil)
	assert.True(t, math.IsNaN(lo) && math.IsNaN(hi))
}

func TestRatio(t *testing.T) {
	assert.Equal(t, 2.0, Ratio(100, 50, true))
	assert.Equal(t, 0.5, Ratio(50, 100, true))
	// Lower is better: 500 bytes against 1000 bytes is twice as good.
	assert.Equal(t, 2.0, Ratio(500, 1000, false))
	assert.True(t, math.IsNaN(Ratio(0, 1, true)))
	assert.True(t, math.IsNaN(Ratio(1, 0, false)))
	assert.True(t, math.IsNaN(Ratio(math.NaN(), 1, true)))
}
