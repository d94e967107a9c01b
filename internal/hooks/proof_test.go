package hooks_test

import (
	"testing"

	"github.com/settle/settle/internal/testdb"
)

// TestProof: go test ./... -run Proof (README, Proof).
func TestProof(t *testing.T) {
	testdb.RunProofs(t,
		testdb.Proof{Name: "RetryThenDeliver", Test: TestRetryThenDeliver},
		testdb.Proof{Name: "LastAttemptDead", Test: TestLastAttemptDead},
		testdb.Proof{Name: "SSRFAtSend", Test: TestSSRFAtSend},
		testdb.Proof{Name: "CreditorIsolation", Test: TestCreditorIsolation},
	)
}
