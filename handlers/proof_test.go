package handlers

import (
	"testing"

	"github.com/settle/settle/internal/testdb"
)

// TestProof: go test ./... -run Proof (README, Proof).
func TestProof(t *testing.T) {
	testdb.RunProofs(t,
		// Access: every route of the router, generated.
		testdb.Proof{Name: "IDORMatrix", Test: TestIDORMatrix},
		testdb.Proof{Name: "StaffIDORMatrix", Test: TestStaffIDORMatrix},
		testdb.Proof{Name: "APIIDORMatrix", Test: TestAPIIDORMatrix},
		testdb.Proof{Name: "StaffRoleMatrix", Test: TestStaffRoleMatrix},
		testdb.Proof{Name: "DebtorRoutesNeedSession", Test: TestDebtorRoutesNeedSession},
		testdb.Proof{Name: "CSRFRouterWalk", Test: TestCSRFRouterWalk},
		testdb.Proof{Name: "NoStateChangingGET", Test: TestNoStateChangingGET},
		testdb.Proof{Name: "SecurityHeaders", Test: TestSecurityHeaders},
		testdb.Proof{Name: "HTMLInjection", Test: TestHTMLInjection},
		testdb.Proof{Name: "LinkRateLimits", Test: TestLinkRateLimits},
		testdb.Proof{Name: "LogsHaveNoTokens", Test: TestLogsHaveNoTokens},
		// Faults: nothing leaks, nothing hangs, nothing is lost.
		testdb.Proof{Name: "PanicPage", Test: TestPanicPage},
		testdb.Proof{Name: "DatabaseUnavailable", Test: TestDatabaseUnavailable},
		testdb.Proof{Name: "PayUnderMollieFaults", Test: TestPayUnderMollieFaults},
		testdb.Proof{Name: "PayAnswerLost", Test: TestPayAnswerLost},
		testdb.Proof{Name: "CreditorDownAnHourMollieFaulty", Test: TestCreditorDownAnHourMollieFaulty},
		testdb.Proof{Name: "APIIdempotencyAfterCrash", Test: TestAPIIdempotencyAfterCrash},
		// Weight.
		testdb.Proof{Name: "PageWeight", Test: TestPageWeight},
	)
}
