package store

import (
	"testing"

	"github.com/settle/settle/internal/testdb"
)

// TestProof: go test ./... -run Proof (README, Proof).
func TestProof(t *testing.T) {
	testdb.RunProofs(t,
		testdb.Proof{Name: "HotQueriesUseIndexes", Test: TestHotQueriesUseIndexes},
		testdb.Proof{Name: "MigrateTwoAtOnce", Test: TestMigrateTwoAtOnce},
	)
}
