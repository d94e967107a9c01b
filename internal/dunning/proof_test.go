package dunning_test

import (
	"testing"

	"github.com/settle/settle/internal/testdb"
)

// TestProof: go test ./... -run Proof (README, Proof).
func TestProof(t *testing.T) {
	testdb.RunProofs(t,
		testdb.Proof{Name: "EngineConcurrent", Test: TestEngineConcurrent},
		testdb.Proof{Name: "EngineCheck", Test: TestEngineCheck},
	)
}
