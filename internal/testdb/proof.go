package testdb

import (
	"flag"
	"strings"
	"testing"
)

// Proof is one test that proves a promise of the product (README,
// Reliability and Performance).
type Proof struct {
	Name string
	Test func(*testing.T)
}

// RunProofs is the body of a package's TestProof: with `go test ./... -run
// Proof` it runs the package's proofs as subtests, so that one command
// runs every proof in the repository. In any other run the proofs run
// under their own names, and TestProof only logs what it would run, so
// nothing runs twice.
func RunProofs(t *testing.T, proofs ...Proof) {
	t.Helper()
	if len(proofs) == 0 {
		t.Fatal("TestProof lists no proof")
	}
	run := ""
	if f := flag.Lookup("test.run"); f != nil {
		run = f.Value.String()
	}
	if !strings.Contains(run, "Proof") {
		names := make([]string, len(proofs))
		for i, p := range proofs {
			names[i] = p.Name
		}
		t.Logf("with -run Proof this runs %s; here they run under their own names", strings.Join(names, ", "))
		return
	}
	for _, p := range proofs {
		t.Run(p.Name, p.Test)
	}
}
