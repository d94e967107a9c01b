package notify

import (
	"context"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	good := []struct {
		smtp, sms string
		check     func(*smtpSettings, *smsSettings) bool
	}{
		{smtp: "", sms: ""},
		{smtp: "smtp://user:pa%24%24@mail.example.com?from=Settle%20%3Cnoreply%40example.com%3E",
			check: func(s *smtpSettings, _ *smsSettings) bool {
				return s.host == "mail.example.com" && s.port == 587 && s.tls == "starttls" && s.user == "user" &&
					s.pass == "pa$$" && s.from.Name == "Settle" && s.from.Address == "noreply@example.com"
			}},
		{smtp: "smtps://u:p@mail.example.com?from=noreply@example.com",
			check: func(s *smtpSettings, _ *smsSettings) bool { return s.port == 465 && s.tls == "tls" }},
		{smtp: "smtp://mail.example.com:2525?from=noreply@example.com&tls=none",
			check: func(s *smtpSettings, _ *smsSettings) bool { return s.port == 2525 && s.tls == "none" && s.user == "" }},
		{smtp: "smtp://mail.example.com?from=M%C3%BCller%20%3Cnoreply@example.com%3E&tls=tls",
			check: func(s *smtpSettings, _ *smsSettings) bool { return s.from.Name == "Müller" && s.port == 465 }},
		{sms: "https://" + accountSID + ":" + authToken + "@api.twilio.com/2010-04-01/Accounts/" + accountSID + "/Messages.json?from=%2B4915112345678",
			check: func(_ *smtpSettings, s *smsSettings) bool {
				return s.account == accountSID && s.token == authToken && s.from == "+4915112345678" &&
					s.endpoint == "https://api.twilio.com/2010-04-01/Accounts/"+accountSID+"/Messages.json"
			}},
		{sms: "http://a:b@127.0.0.1:8080/x/Messages.json?from=Nordwind",
			check: func(_ *smtpSettings, s *smsSettings) bool { return s.from == "Nordwind" }},
	}
	for _, g := range good {
		c, err := ParseConfig(g.smtp, g.sms)
		if err != nil {
			t.Errorf("ParseConfig(%q, %q): %v", g.smtp, g.sms, err)
			continue
		}
		if g.check != nil {
			sm, sms, _ := c.parse()
			if !g.check(sm, sms) {
				t.Errorf("ParseConfig(%q, %q) = %+v %+v", g.smtp, g.sms, sm, sms)
			}
		}
	}

	bad := []struct{ smtp, sms, want string }{
		{smtp: "mail.example.com", want: "smtp://"},
		{smtp: "http://mail.example.com?from=a@b.c", want: "smtp://"},
		{smtp: "smtp://?from=a@b.c", want: "no host"},
		{smtp: "smtp://mail.example.com:99999?from=a@b.c", want: "port"},
		{smtp: "smtp://mail.example.com:smtp?from=a@b.c", want: "port"},
		{smtp: "smtp://mail.example.com", want: "from"},
		{smtp: "smtp://mail.example.com?from=not-an-address", want: "from="},
		{smtp: "smtp://mail.example.com?from=a@b.c&tls=maybe", want: "tls="},
		{smtp: "smtps://mail.example.com?from=a@b.c&tls=none", want: "smtps://"},
		{smtp: "smtp://mail.example.com?from=a@b.c&form=x", want: `unknown parameter "form"`},
		{smtp: "smtp://mail.example.com/inbox?from=a@b.c", want: "path"},
		{smtp: "smtp://user@mail.example.com?from=a@b.c", want: "password"},
		{smtp: "smtp://user:hunter2%zz@mail.example.com?from=a@b.c", want: "not a valid URL"},
		{smtp: "smtp://user:hunter2@mail example.com?from=a@b.c", want: "not a valid URL"},
		{sms: "ftp://a:b@x/Messages.json?from=%2B4915112345678", want: "Messages URL"},
		{sms: "http://a:hunter2@api.example.com/Messages.json?from=%2B4915112345678", want: "https://"},
		{sms: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?from=%2B4915112345678", want: "ACCOUNT_SID:AUTH_TOKEN"},
		{sms: "https://a:hunter2@api.twilio.com/2010-04-01/Accounts/AC1?from=%2B4915112345678", want: "Messages.json"},
		{sms: "https://a:hunter2@api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", want: "sender is missing"},
		{sms: "https://a:hunter2@api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?from=+4915112345678", want: "%2B"},
		{sms: "https://a:hunter2@api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?from=%2B49-151", want: "E.164"},
		{sms: "https://a:hunter2@api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?from=%2B4915112345678&x=1", want: "unknown parameter"},
		{sms: "https://a:hunter2@api twilio.com/Messages.json", want: "not a valid URL"},
	}
	for _, b := range bad {
		_, err := ParseConfig(b.smtp, b.sms)
		if err == nil {
			t.Errorf("ParseConfig(%q, %q) accepted", b.smtp, b.sms)
			continue
		}
		msg := err.Error()
		variable := "SMTP_URL: "
		if b.sms != "" {
			variable = "SMS_URL: "
		}
		if !strings.HasPrefix(msg, variable) {
			t.Errorf("error %q does not start with %q", msg, variable)
		}
		if !strings.Contains(msg, b.want) {
			t.Errorf("error %q does not mention %q", msg, b.want)
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("error %q shows the password", msg)
		}
	}
}

func TestConfigRedacted(t *testing.T) {
	c := Config{SMTPURL: "smtp://u:hunter2@mail.example.com?from=a@b.c", SMSURL: "https://a:hunter3@x/Messages.json?from=X"}
	if s := c.String(); strings.Contains(s, "hunter") || !strings.Contains(s, "mail.example.com") {
		t.Errorf("String() = %q", s)
	}
	if s := c.LogValue().String(); strings.Contains(s, "hunter") {
		t.Errorf("LogValue() = %q", s)
	}
	if !c.EmailConfigured() || !c.SMSConfigured() || (Config{}).EmailConfigured() {
		t.Error("Configured")
	}
}

func TestSMSSegments(t *testing.T) {
	cases := []struct {
		name, body string
		enc        string
		segments   int
	}{
		{"empty", "", GSM7, 0},
		{"short GSM-7 with umlauts", "Ihr Code lautet 493817. Er ist 10 Minuten gültig. Müller & Söhne, Straße", GSM7, 1},
		{"160 GSM-7", strings.Repeat("a", 160), GSM7, 1},
		{"161 GSM-7", strings.Repeat("a", 161), GSM7, 2},
		{"306 GSM-7", strings.Repeat("a", 306), GSM7, 2},
		{"307 GSM-7", strings.Repeat("a", 307), GSM7, 3},
		{"euro counts twice", "Offen: 12,50 €" + strings.Repeat("a", 145), GSM7, 1},
		{"euro tips over", "Offen: 12,50 €" + strings.Repeat("a", 146), GSM7, 2},
		{"euro is never split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), GSM7, 2},
		{"emoji is UCS-2", "Danke für Ihre Zahlung 🙂", UCS2, 1},
		{"70 UCS-2 units", strings.Repeat("ж", 70), UCS2, 1},
		{"71 UCS-2 units", strings.Repeat("ж", 71), UCS2, 2},
		{"emoji counts twice", strings.Repeat("ж", 68) + "🙂", UCS2, 1},
		{"emoji over", strings.Repeat("ж", 69) + "🙂", UCS2, 2},
		// 134 units fit two parts of 67, but the emoji cannot start in the
		// first part's last unit.
		{"surrogate pair never split", strings.Repeat("ж", 66) + "🙂" + strings.Repeat("ж", 66), UCS2, 3},
	}
	for _, c := range cases {
		enc, n := SMSSegments(c.body)
		if enc != c.enc || n != c.segments {
			t.Errorf("%s: SMSSegments = %s, %d; want %s, %d", c.name, enc, n, c.enc, c.segments)
		}
	}
	// 306 septets fit two parts of 153, but € (escape + character) cannot
	// start in the first part's last septet.
	if _, n := SMSSegments(strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152)); n != 3 {
		t.Errorf("euro across a boundary: %d segments, want 3", n)
	}
}

func TestFitGSM(t *testing.T) {
	cases := map[string]string{
		"Müller & Söhne: „Danke“ – bis bald…": `Müller & Söhne: "Danke" - bis bald...`,
		"it’s 12,50\u00a0€":                   "it's 12,50 €",
		"Danke 🙂 – bis bald":                  "Danke 🙂 – bis bald", // stays UCS-2: unchanged
		"plain text":                          "plain text",
		"Tschüß, José, François, João":        "Tschüß, José, Francois, Joao",
	}
	for in, want := range cases {
		if got := FitGSM(in); got != want {
			t.Errorf("FitGSM(%q) = %q, want %q", in, got, want)
		}
	}
	if enc, _ := SMSSegments(FitGSM("„Danke“")); enc != GSM7 {
		t.Errorf("fitted text is %s", enc)
	}
}

func TestE164(t *testing.T) {
	cases := []struct{ in, country, want string }{
		{"+49 170 1234567", "DE", "+491701234567"},
		{"0170 1234567", "DE", "+491701234567"},
		{"0170/123 45-67", "de", "+491701234567"},
		{"0049 (0)170 1234567", "", "+491701234567"},
		{"+43 664 1234567", "DE", "+436641234567"},
		{"0664 1234567", "AT", "+436641234567"},
	}
	for _, c := range cases {
		if got, ok := E164(c.in, c.country); !ok || got != c.want {
			t.Errorf("E164(%q, %q) = %q, %v; want %q", c.in, c.country, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "0170 1234567", "call me", "+49", "170 1234567", "+49 170 12a4567"} {
		if got, ok := E164(in, "US"); ok {
			t.Errorf("E164(%q) = %q, want failure", in, got)
		}
	}
}

func TestHTMLFor(t *testing.T) {
	html, err := HTMLFor(context.Background(), "Müller & Söhne", "not-a-colour", "en",
		"Hello <script>alert(1)</script>\n\nhttps://example.com/l/x?a=1&b=2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="en">`, "&lt;script&gt;", `<a href="https://example.com/l/x?a=1&amp;b=2"`, "Müller &amp; Söhne", "#1f4f8f"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script") {
		t.Errorf("unescaped script:\n%s", html)
	}
}
