package handlers

import (
	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/plans"
)

// The debtor's history shows what autopay and the plan lifecycle wrote.
func init() {
	for _, k := range append(autopay.Kinds, plans.KindReminded, plans.KindBroken) {
		historyKinds[k] = true
	}
}
