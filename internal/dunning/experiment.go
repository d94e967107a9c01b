package dunning

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// Bucket is a debtor's stable position in an experiment: the first 8
// bytes of SHA-256(experiment id, NUL, debtor id in decimal) as a
// big-endian integer. It depends on nothing else (not the process, the
// Go version, the order of calls or the time), so every run and every
// worker assigns a debtor to the same variant, and different experiments
// split the same debtors independently.
func Bucket(experimentID string, debtorID int64) uint64 {
	var buf [128]byte
	b := append(buf[:0], experimentID...)
	b = append(b, 0)
	b = strconv.AppendInt(b, debtorID, 10)
	sum := sha256.Sum256(b)
	return binary.BigEndian.Uint64(sum[:8])
}

// Assign is the index of the variant of experiment e a debtor gets:
// variants own consecutive ranges of the buckets in proportion to their
// weights. (2^64 is not a multiple of 100; the bias that leaves is below
// 10^-17.) An experiment without variants or weights gives -1.
func Assign(e *Experiment, debtorID int64) int {
	if e == nil || len(e.Variants) == 0 {
		return -1
	}
	total := 0
	for _, v := range e.Variants {
		total += max(v.Weight, 0)
	}
	if total == 0 {
		return -1
	}
	x := int(Bucket(e.ID, debtorID) % uint64(total))
	for i, v := range e.Variants {
		if x < max(v.Weight, 0) {
			return i
		}
		x -= max(v.Weight, 0)
	}
	return len(e.Variants) - 1 // not reached
}
