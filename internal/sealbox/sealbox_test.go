package sealbox

import (
	"bytes"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("live_abcdefghijklmnopqrstuvwxyz1234")
	s1, s2 := b.Seal(secret, "mollie-key:creditor:1"), b.Seal(secret, "mollie-key:creditor:1")
	if bytes.Equal(s1, s2) || bytes.Contains(s1, secret) {
		t.Error("sealing is deterministic or leaks the secret")
	}
	if got, err := b.Open(s1, "mollie-key:creditor:1"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open(s1, "mollie-key:creditor:2"); err != ErrOpen {
		t.Error("opened under another context")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(s1, "mollie-key:creditor:1"); err != ErrOpen {
		t.Error("opened with another key")
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1, "mollie-key:creditor:1"); err != ErrOpen {
		t.Error("opened an altered value")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}
