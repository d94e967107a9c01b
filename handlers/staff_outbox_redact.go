package handlers

import "regexp"

// Messages carry secrets: personal links (/l/{token}) and one-time
// codes. Anyone holding one could enter the debtor's portal or pass
// their step-up, so outside demo mode the outbox shows them masked;
// staff who need to give a debtor a link send a new one.
var (
	linkTokenRE = regexp.MustCompile(`/l/[A-Za-z0-9_-]{16,}`)
	otpCodeRE   = regexp.MustCompile(`\b[0-9]{6}\b`)
)

const masked = "••••••••"

// redactMessage masks the secrets in a message's text for staff.
func (s *Server) redactMessage(text, purpose string) string {
	if s.Portal != nil && s.Portal.Demo {
		return text // demo mode: the outbox is how testers get their links and codes
	}
	text = linkTokenRE.ReplaceAllString(text, "/l/"+masked)
	if purpose == "otp" {
		text = otpCodeRE.ReplaceAllString(text, "••••••")
	}
	return text
}
