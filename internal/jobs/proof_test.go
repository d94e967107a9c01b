package jobs

import (
	"testing"

	"github.com/settle/settle/internal/testdb"
)

// TestProof: go test ./... -run Proof (README, Proof).
func TestProof(t *testing.T) {
	testdb.RunProofs(t,
		testdb.Proof{Name: "TwoRunnersExactlyOnce", Test: TestTwoRunnersExactlyOnce},
		testdb.Proof{Name: "Reaper", Test: TestReaper},
		testdb.Proof{Name: "StaleRunCannotFinish", Test: TestStaleRunCannotFinish},
		testdb.Proof{Name: "PollingWhileListenerDown", Test: TestPollingWhileListenerDown},
	)
}
