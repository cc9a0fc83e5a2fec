// Package stats reduces repeated runs to one number per peer and workload,
// and compares peers as ratios.
package stats

import (
	"math"
	"sort"
)

// Median returns the middle of xs (the mean of the two middle values for an
// even count), and NaN for none. The median, not the mean, because a run on a
// shared machine is sometimes slowed by a neighbour and the median ignores one
// bad run out of three.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// MinMax returns the smallest and largest of xs, NaN for none: the spread
// shown next to a median.
func MinMax(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs[1:] {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// Ratio tells how many times better a is than b: a/b when higher is better
// (requests per second), b/a when lower is better (bytes per connection), so
// that a ratio above 1 always means a wins. It is NaN when either is missing
// or not positive.
func Ratio(a, b float64, higherIsBetter bool) float64 {
	if !(a > 0) || !(b > 0) {
		return math.NaN()
	}
	if higherIsBetter {
		return a / b
	}
	return b / a
}
