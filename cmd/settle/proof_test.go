package main

import (
	"testing"

	"github.com/settle/settle/internal/testdb"
)

// TestProof: go test ./... -run Proof (README, Proof).
func TestProof(t *testing.T) {
	testdb.RunProofs(t,
		testdb.Proof{Name: "PostgresRestart", Test: TestPostgresRestart},
		testdb.Proof{Name: "PostgresRestartUnderLoad", Test: TestPostgresRestartUnderLoad},
		testdb.Proof{Name: "Kill9MidDelivery", Test: TestKill9MidDelivery},
		testdb.Proof{Name: "Kill9BetweenWebhookAndProcessing", Test: TestKill9BetweenWebhookAndProcessing},
		testdb.Proof{Name: "Kill9WhileCharging", Test: TestKill9WhileCharging},
		testdb.Proof{Name: "Kill9During1000Payments", Test: TestKill9During1000Payments},
		testdb.Proof{Name: "PaymentReachesCreditor", Test: TestPaymentReachesCreditor},
		testdb.Proof{Name: "ScaleOutTwoInstances", Test: TestScaleOutTwoInstances},
		testdb.Proof{Name: "LoadtestCommand", Test: TestLoadtestCommand},
	)
}
