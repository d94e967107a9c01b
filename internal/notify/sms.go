package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/settle/settle/internal/jobs"
)

// Encodings SMSSegments reports.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// gsmBasic is the GSM 03.38 default alphabet (one septet each; the escape
// character itself left out), gsmExtended the extension table (two septets
// each: escape plus the character).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "\f^{}\\[~]|€"
)

var gsmCost = func() map[rune]int {
	m := make(map[rune]int, len(gsmBasic)+len(gsmExtended))
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtended {
		m[r] = 2
	}
	return m
}()

// IsGSM7 reports whether body can be sent in the GSM-7 alphabet.
func IsGSM7(body string) bool {
	for _, r := range body {
		if gsmCost[r] == 0 {
			return false
		}
	}
	return true
}

// SMSSegments tells how body travels: in GSM-7 (160 septets in a single
// message, 153 per part of a longer one; the characters of the extension
// table such as € take two) or, when any character is outside GSM-7, in
// UCS-2 (70 UTF-16 units, 67 per part; an emoji takes two). A character
// is never split across parts. An empty body is 0 segments.
func SMSSegments(body string) (encoding string, segments int) {
	if body == "" {
		return GSM7, 0
	}
	var costs []int
	single, multi := 160, 153
	encoding = GSM7
	if IsGSM7(body) {
		for _, r := range body {
			costs = append(costs, gsmCost[r])
		}
	} else {
		encoding, single, multi = UCS2, 70, 67
		for _, r := range body {
			costs = append(costs, len(utf16.Encode([]rune{r})))
		}
	}
	total := 0
	for _, c := range costs {
		total += c
	}
	if total <= single {
		return encoding, 1
	}
	segments, used := 1, 0
	for _, c := range costs {
		if used+c > multi {
			segments, used = segments+1, 0
		}
		used += c
	}
	return encoding, segments
}

// gsmFold replaces typographic characters (and a few accented letters)
// that push a text out of GSM-7 with their plain equivalents.
var gsmFold = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u2032", "'", "\u00b4", "'", "`", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u2033", `"`, "\u00ab", `"`, "\u00bb", `"`,
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-",
	"\u2026", "...", "\u2022", "*", "\u00b7", ".",
	"\u00a0", " ", "\u2007", " ", "\u2009", " ", "\u202f", " ", "\t", " ",
	"\u200b", "", "\u200c", "", "\u200d", "", "\ufeff", "",
	"á", "a", "â", "a", "ã", "a", "í", "i", "î", "i", "ï", "i", "ó", "o", "ô", "o", "õ", "o",
	"ú", "u", "û", "u", "ê", "e", "ë", "e", "ç", "c",
	"Á", "A", "Â", "A", "Ã", "A", "Í", "I", "Î", "I", "Ó", "O", "Ô", "O", "Õ", "O", "Ú", "U", "Û", "U",
	"È", "E", "Ê", "E", "Ë", "E",
)

// FitGSM returns body in GSM-7 when replacing typographic quotes, dashes,
// ellipses, special spaces and a few accented letters gets it there (a
// GSM-7 part holds 160 characters, a UCS-2 part only 70); otherwise body
// unchanged.
func FitGSM(body string) string {
	if IsGSM7(body) {
		return body
	}
	if folded := gsmFold.Replace(body); IsGSM7(folded) {
		return folded
	}
	return body
}

// callingCodes are the countries whose national numbers start with the
// trunk prefix 0, which E164 replaces with the country code.
var callingCodes = map[string]string{
	"DE": "49", "AT": "43", "CH": "41", "NL": "31", "BE": "32", "FR": "33",
	"GB": "44", "IE": "353", "SE": "46", "FI": "358",
}

// E164 normalises a phone number for an SMS provider: "+49 170 1234567",
// "0049 (0)170/1234567" and, for a debtor in Germany, "0170 1234567" all
// become "+491701234567". It reports false when it cannot tell the
// international number.
func E164(phone, country string) (string, bool) {
	s := strings.ReplaceAll(strings.TrimSpace(phone), "(0)", "")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" -/.()\u00a0", r):
		default:
			return "", false
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "0") && callingCodes[strings.ToUpper(country)] != "":
		n = "+" + callingCodes[strings.ToUpper(country)] + n[1:]
	default:
		return "", false
	}
	if !e164RE.MatchString(n) {
		return "", false
	}
	return n, true
}

// providerError is the JSON error of a Twilio-compatible API.
type providerError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// sendSMS posts one text message and returns the provider's id for it.
func (s *Sender) sendSMS(ctx context.Context, cfg *smsSettings, m *message) (string, error) {
	to, ok := E164(m.Recipient, m.Country)
	if !ok {
		return "", jobs.Permanent(errors.New("the recipient is not a phone number in international form"))
	}
	form := url.Values{"To": {to}, "From": {cfg.from}, "Body": {FitGSM(m.Body)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(cfg.account, cfg.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Settle")
	client := s.HTTP
	if client == nil {
		client = defaultHTTP
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("sms provider: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("sms provider: reading the answer: %w", err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		var ok struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal(raw, &ok)
		return ok.SID, nil
	}
	var pe providerError
	_ = json.Unmarshal(raw, &pe)
	err = fmt.Errorf("sms provider: HTTP %d", resp.StatusCode)
	if pe.Code != 0 || pe.Message != "" {
		err = fmt.Errorf("sms provider: HTTP %d: %s (code %d)", resp.StatusCode, oneLine(pe.Message, 300), pe.Code)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if at, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return "", jobs.RetryAt(at, err)
		}
		return "", err
	case code >= 500, code == http.StatusRequestTimeout,
		// Credentials are the operator's to fix; the message is fine.
		code == http.StatusUnauthorized, code == http.StatusForbidden:
		return "", err
	default:
		// 400 (an invalid number, a body too long), 404, 422: the same
		// request will fail again.
		return "", jobs.Permanent(err)
	}
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped
// at a day.
func retryAfter(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	var at time.Time
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		at = now.Add(time.Duration(n) * time.Second)
	} else if t, err := http.ParseTime(v); err == nil {
		at = t
	} else {
		return time.Time{}, false
	}
	if at.After(now.Add(24 * time.Hour)) {
		at = now.Add(24 * time.Hour)
	}
	return at, true
}

// oneLine squeezes s onto one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
