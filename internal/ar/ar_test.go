package ar

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestInvoiceStatus(t *testing.T) {
	today := day("2026-11-23")
	cases := []struct {
		total, open int64
		due         string
		want        Status
	}{
		{1000, 1000, "2026-11-30", StatusOpen},
		{1000, 1000, "2026-11-23", StatusOpen}, // due today is not overdue yet
		{1000, 1000, "2026-11-22", StatusOverdue},
		{1000, 400, "2026-11-30", StatusPartlyPaid},
		{1000, 400, "2026-11-01", StatusOverdue},
		{1000, 0, "2026-11-01", StatusPaid},
		{1000, -100, "2026-11-01", StatusCredited},
	}
	for _, c := range cases {
		if got := InvoiceStatus(c.total, c.open, day(c.due), today); got != c.want {
			t.Errorf("InvoiceStatus(%d, %d, %s) = %s, want %s", c.total, c.open, c.due, got, c.want)
		}
	}
}

func TestLineAmounts(t *testing.T) {
	cases := []struct {
		qty, unit       int64
		rate            int
		net, tax, total int64
	}{
		{1000, 2520, 1900, 2520, 479, 2999}, // 25.20 + 19 % = 29.99 (4.788 rounds to 4.79)
		{12000, 19, 1900, 228, 43, 271},     // 12 minutes at 0.19
		{1500, 999, 700, 1499, 105, 1604},   // 1.5 × 9.99 = 14.985 → 14.99
		{-1000, 500, 1900, -500, -95, -595}, // a credit line rounds symmetrically
		{1000, 1000, 0, 1000, 0, 1000},
	}
	for _, c := range cases {
		net, tax, total := LineAmounts(c.qty, c.unit, c.rate)
		if net != c.net || tax != c.tax || total != c.total {
			t.Errorf("LineAmounts(%d, %d, %d) = %d, %d, %d; want %d, %d, %d",
				c.qty, c.unit, c.rate, net, tax, total, c.net, c.tax, c.total)
		}
	}
}

func TestSummarize(t *testing.T) {
	today := day("2026-11-23")
	invs := []Invoice{
		{Number: "a", DueDate: day("2026-10-15"), TotalMinor: 3000, OpenMinor: 3000},
		{Number: "b", DueDate: day("2026-11-01"), TotalMinor: 2000, OpenMinor: 500},
		{Number: "c", DueDate: day("2026-12-01"), TotalMinor: 4000, OpenMinor: 4000},
		{Number: "d", DueDate: day("2026-12-01"), TotalMinor: 100, OpenMinor: 100},
		{Number: "e", DueDate: day("2026-12-15"), TotalMinor: 700, OpenMinor: 700},
		{Number: "f", DueDate: day("2026-09-01"), TotalMinor: 900, OpenMinor: 0},
	}
	s := Summarize("EUR", invs, today)
	if s.OpenMinor != 8300 || s.OverdueMinor != 3500 || s.OpenCount != 5 || s.OverdueCount != 2 {
		t.Errorf("summary = %+v", s)
	}
	if s.NextDueDate == nil || !s.NextDueDate.Equal(day("2026-12-01")) || s.NextDueMinor != 4100 {
		t.Errorf("next due = %v %d, want 2026-12-01 4100", s.NextDueDate, s.NextDueMinor)
	}
	if s.OldestOverdue == nil || !s.OldestOverdue.Equal(day("2026-10-15")) {
		t.Errorf("oldest overdue = %v", s.OldestOverdue)
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		tok, hash := NewToken()
		if len(tok) != 43 || !PlausibleToken(tok) {
			t.Fatalf("token %q has the wrong shape", tok)
		}
		if string(hash) != string(HashToken(tok)) || len(hash) != 32 {
			t.Fatal("hash is not SHA-256 of the token")
		}
		if strings.Contains(string(hash), tok) || seen[tok] {
			t.Fatal("token repeated or stored in the clear")
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 42), strings.Repeat("*", 43), strings.Repeat("a", 44)} {
		if PlausibleToken(bad) {
			t.Errorf("PlausibleToken(%q) = true", bad)
		}
	}
}

func TestLinkUsable(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	revoked := now.Add(-time.Hour)
	cases := []struct {
		link AccessLink
		want Code
	}{
		{AccessLink{Purpose: PurposePortal, ExpiresAt: now.Add(time.Second)}, ""},
		{AccessLink{Purpose: PurposePortal, ExpiresAt: now}, Gone},
		{AccessLink{Purpose: PurposePortal, ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked}, Gone},
		{AccessLink{Purpose: "statement_qr", ExpiresAt: now.Add(time.Hour)}, NotFound},
	}
	for i, c := range cases {
		err := c.link.Usable(now, PurposePortal)
		if (err == nil) != (c.want == "") || (err != nil && ErrorCode(err) != c.want) {
			t.Errorf("case %d: Usable = %v, want %q", i, err, c.want)
		}
	}
}

func TestOTPCheck(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	code, salt, hash := NewOTP()
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("code %q is not 6 digits", code)
	}
	sess := []byte("session-a")
	mk := func() *OTPChallenge {
		return &OTPChallenge{SessionHash: sess, Salt: salt, CodeHash: hash, ExpiresAt: now.Add(OTPTTL)}
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if err := mk().Check(code, sess, now); err != nil {
		t.Errorf("right code refused: %v", err)
	}
	if err := mk().Check(code[:3]+" "+code[3:], sess, now); err != nil {
		t.Errorf("code with a space refused: %v", err)
	}
	if err := mk().Check(wrong, sess, now); err == nil {
		t.Error("wrong code accepted")
	}
	if err := mk().Check(code, []byte("session-b"), now); err == nil {
		t.Error("code accepted in another session")
	}
	if err := mk().Check(code, sess, now.Add(OTPTTL+time.Second)); err == nil {
		t.Error("expired code accepted")
	}
	used := mk()
	used.UsedAt = &now
	if err := used.Check(code, sess, now); err == nil {
		t.Error("used code accepted")
	}
	locked := mk()
	locked.Attempts = OTPMaxAttempts
	if err := locked.Check(code, sess, now); ErrorCode(err) != TooMany {
		t.Errorf("locked code: %v, want too many", err)
	}
}

func TestCheckKnowledge(t *testing.T) {
	bd := day("1980-12-31")
	d := &Debtor{Postcode: "10115", BirthDate: &bd}
	uk := &Debtor{Postcode: "SW1A 1AA"}
	cases := []struct {
		kind   Knowledge
		d      *Debtor
		answer string
		ok     bool
	}{
		{KnowPostcode, d, "10115", true},
		{KnowPostcode, d, " 10 115 ", true},
		{KnowPostcode, d, "10117", false},
		{KnowPostcode, d, "", false},
		{KnowPostcode, uk, "sw1a1aa", true},
		{KnowPostcode, &Debtor{}, "", false},
		{KnowPostcode, &Debtor{}, "x", false}, // no postcode on file never matches
		{KnowBirthDate, d, "1980-12-31", true},
		{KnowBirthDate, d, "31.12.1980", true},
		{KnowBirthDate, d, "1.1.1980", false},
		{KnowBirthDate, d, "yesterday", false},
	}
	for _, c := range cases {
		err := CheckKnowledge(c.kind, c.d, c.answer)
		if (err == nil) != c.ok {
			t.Errorf("CheckKnowledge(%s, %q) = %v, want ok=%v", c.kind, c.answer, err, c.ok)
		}
	}
}

func TestMasking(t *testing.T) {
	if got := MaskEmail("jana.schulz@example.de"); got != "j•••@example.de" {
		t.Errorf("MaskEmail = %q", got)
	}
	if got := MaskPhone("+49 151 2345 6789"); got != "•••89" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := MaskEmail("broken"); strings.Contains(got, "broken") {
		t.Errorf("MaskEmail leaks %q", got)
	}
}

func TestIBAN(t *testing.T) {
	for _, ok := range []string{"DE89 3704 0044 0532 0130 00", "de89370400440532013000", "GB82 WEST 1234 5698 7654 32", "NL91ABNA0417164300"} {
		if !ValidIBAN(ok) {
			t.Errorf("ValidIBAN(%q) = false", ok)
		}
	}
	for _, bad := range []string{"DE89 3704 0044 0532 0130 01", "DE8937040044053201300", "XX", "DE89-3704-0044-0532-0130-00", ""} {
		if ValidIBAN(bad) {
			t.Errorf("ValidIBAN(%q) = true", bad)
		}
	}
	if got := FormatIBAN("de89370400440532013000"); got != "DE89 3704 0044 0532 0130 00" {
		t.Errorf("FormatIBAN = %q", got)
	}
}

func TestCreditorReference(t *testing.T) {
	// The ISO 11649 example: RF18 5390 0754 7034.
	got, err := CreditorReference("539007547034")
	if err != nil || got != "RF18539007547034" {
		t.Errorf("CreditorReference = %q, %v", got, err)
	}
	if !ValidCreditorReference("RF18 5390 0754 7034") || ValidCreditorReference("RF19539007547034") {
		t.Error("ValidCreditorReference")
	}
	for _, bad := range []string{"", "toolongreference1234567", "a-b"} {
		if _, err := CreditorReference(bad); err == nil {
			t.Errorf("CreditorReference(%q) accepted", bad)
		}
	}
}

func TestLinkPurposes(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	doc := AccessLink{Purpose: PurposeDocument, ExpiresAt: now.Add(time.Hour)}
	if err := doc.Usable(now, PurposePortal); ErrorCode(err) != NotFound {
		t.Errorf("a document link used where only portal links count: %v", err)
	}
	if err := doc.Usable(now, PurposePortal, PurposeDocument); err != nil {
		t.Errorf("a document link refused where it counts: %v", err)
	}
}
