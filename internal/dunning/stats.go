package dunning

import "math"

// Statistics for the experiments report: how sure a rate is, and
// whether two variants differ by more than chance.

// z95 is the standard normal quantile for a two-sided 95 % interval.
const z95 = 1.959963984540054

// Wilson is the 95 % Wilson score interval of a rate of successes out
// of n trials: unlike the textbook normal interval it stays inside
// [0, 1] and behaves for small n and rates near 0 or 1. n = 0 gives
// (0, 1): nothing is known.
func Wilson(successes, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	z := z95
	p := float64(successes) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// TwoProportionP is the two-sided p-value of the pooled two-proportion
// z-test that rates x1/n1 and x2/n2 are equal. It is 1 when either
// sample is empty or the pooled rate is 0 or 1 (no variation to test).
func TwoProportionP(x1, n1, x2, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pool := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 1
	}
	z := math.Abs(p1-p2) / se
	return math.Erfc(z / math.Sqrt2)
}
