package dunning

import (
	"math"
	"testing"
)

// The bucket of a debtor is a pure function of its inputs: these values
// were computed once and must never change (a change would move debtors
// between variants in the middle of an experiment).
func TestBucketStable(t *testing.T) {
	for _, c := range []struct {
		exp    string
		debtor int64
		want   uint64
	}{
		{"exp-1", 1, golden[0]},
		{"exp-1", 2, golden[1]},
		{"exp-2", 1, golden[2]},
		{"2026-11-r1-tone", 123456789, golden[3]},
	} {
		if got := Bucket(c.exp, c.debtor); got != c.want {
			t.Errorf("Bucket(%q, %d) = %d, want %d", c.exp, c.debtor, got, c.want)
		}
	}
}

// Computed independently with Python's hashlib:
// int.from_bytes(sha256(b"exp-1\x001").digest()[:8], "big"), and so on.
// PostgreSQL can compute the same (sha256() on the same bytes), should the
// engine ever want to assign in SQL.
var golden = [4]uint64{17408060470509624393, 488367700659978962, 18336114791254880923, 8052374357787200711}

// Over 10,000 debtors each variant gets its share: a chi-square test at
// a significance far below anything a fixed, deterministic input could
// fail by chance, plus each share within 2 percentage points. And two
// experiments split the same debtors independently.
func TestAssignBalanced(t *testing.T) {
	for _, weights := range [][]int{{50, 50}, {34, 33, 33}, {80, 10, 10}, {10, 20, 30, 40}, {1, 99}} {
		e := &Experiment{ID: "balance"}
		for i, w := range weights {
			e.Variants = append(e.Variants, Variant{Key: string(rune('a' + i)), Weight: w})
		}
		const n = 10000
		counts := make([]int, len(weights))
		for id := int64(1); id <= n; id++ {
			v := Assign(e, id)
			if v != Assign(e, id) {
				t.Fatal("not stable")
			}
			counts[v]++
		}
		chi := 0.0
		for i, w := range weights {
			exp := float64(n*w) / 100
			chi += (float64(counts[i]) - exp) * (float64(counts[i]) - exp) / exp
			if share := float64(counts[i]) / n * 100; math.Abs(share-float64(w)) > 2 {
				t.Errorf("weights %v: variant %d got %.2f %%", weights, i, share)
			}
		}
		// 99.9 % quantile of chi-square with k−1 degrees of freedom
		// (k ≤ 4): 10.83, 13.82, 16.27.
		limit := []float64{0, 10.83, 13.82, 16.27}[len(weights)-1]
		if chi > limit {
			t.Errorf("weights %v: counts %v, chi-square %.2f > %.2f", weights, counts, chi, limit)
		}
	}
	// Independence: the variant in one 50/50 experiment says nothing about
	// the variant in another (each of the 4 combinations ≈ 25 %).
	a := &Experiment{ID: "tone", Variants: []Variant{{Key: "x", Weight: 50}, {Key: "y", Weight: 50}}}
	b := &Experiment{ID: "timing", Variants: []Variant{{Key: "x", Weight: 50}, {Key: "y", Weight: 50}}}
	var grid [2][2]int
	for id := int64(1); id <= 10000; id++ {
		grid[Assign(a, id)][Assign(b, id)]++
	}
	for i := range 2 {
		for j := range 2 {
			if grid[i][j] < 2300 || grid[i][j] > 2700 {
				t.Errorf("combination %d/%d: %d of 10000", i, j, grid[i][j])
			}
		}
	}
	if Assign(nil, 1) != -1 || Assign(&Experiment{ID: "x"}, 1) != -1 {
		t.Error("empty experiment")
	}
}
