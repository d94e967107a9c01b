package ar

import "testing"

func TestDisputedShare(t *testing.T) {
	inv := &Invoice{TotalMinor: 10000, OpenMinor: 10000, Lines: []InvoiceLine{
		{Position: 1, TotalMinor: 6000}, {Position: 2, TotalMinor: 3000}, {Position: 3, TotalMinor: 1000}}}
	for _, tc := range []struct {
		open  int64
		lines []int
		want  int64
	}{
		{10000, nil, 10000},           // the whole invoice: what is open
		{10000, []int{2}, 3000},       // one line: its gross total
		{10000, []int{2, 3}, 4000},    // two lines
		{10000, []int{2, 2, 9}, 3000}, // repeats and unknown positions count once, or not at all
		{2500, []int{1}, 2500},        // never more than is open
		{2500, nil, 2500},
		{0, []int{1}, 0}, // paid: nothing to hold
		{-500, nil, 0},   // a credit: nothing to hold
		{10000, []int{}, 10000},
	} {
		inv.OpenMinor = tc.open
		if got := DisputedShare(inv, tc.lines); got != tc.want {
			t.Errorf("open %d, lines %v: %d, want %d", tc.open, tc.lines, got, tc.want)
		}
	}
}

func TestDisputeStatusLive(t *testing.T) {
	for s, live := range map[DisputeStatus]bool{DisputeOpen: true, DisputeInfoRequested: true, DisputeAccepted: false,
		DisputeRejected: false, DisputeWithdrawn: false} {
		if s.Live() != live {
			t.Errorf("%s.Live() = %v", s, !live)
		}
	}
	if !ValidReasonCode("cancelled_contract") || ValidReasonCode("Other") || ValidReasonCode("a b") || ValidReasonCode("") {
		t.Error("ValidReasonCode")
	}
}
