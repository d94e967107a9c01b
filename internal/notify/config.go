package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Config says where messages go. An empty URL means the channel has no
// provider: its messages are marked 'unsent'.
type Config struct {
	SMTPURL string // SMTP_URL
	SMSURL  string // SMS_URL
}

// ConfigFromEnv reads and validates SMTP_URL and SMS_URL.
func ConfigFromEnv() (Config, error) {
	return ParseConfig(os.Getenv("SMTP_URL"), os.Getenv("SMS_URL"))
}

// ParseConfig validates the two URLs (either may be empty) and returns the
// Config. Its errors name the variable at fault and never contain a
// password.
func ParseConfig(smtpURL, smsURL string) (Config, error) {
	c := Config{SMTPURL: strings.TrimSpace(smtpURL), SMSURL: strings.TrimSpace(smsURL)}
	_, _, err := c.parse()
	return c, err
}

// EmailConfigured reports whether emails have somewhere to go.
func (c Config) EmailConfigured() bool { return c.SMTPURL != "" }

// SMSConfigured reports whether text messages have somewhere to go.
func (c Config) SMSConfigured() bool { return c.SMSURL != "" }

// String shows the configuration with passwords and tokens redacted.
func (c Config) String() string {
	return fmt.Sprintf("SMTP_URL=%s SMS_URL=%s", redactURL(c.SMTPURL), redactURL(c.SMSURL))
}

// LogValue keeps secrets out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("smtp_url", redactURL(c.SMTPURL)), slog.String("sms_url", redactURL(c.SMSURL)))
}

func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid)"
	}
	return u.Redacted()
}

// smtpSettings is a parsed SMTP_URL.
type smtpSettings struct {
	host       string
	port       int
	user, pass string
	from       mail.Address
	tls        string // starttls, tls or none
}

// smsSettings is a parsed SMS_URL.
type smsSettings struct {
	endpoint string // the Messages resource, without credentials or from
	account  string
	token    string
	from     string
}

func (c Config) parse() (*smtpSettings, *smsSettings, error) {
	var (
		sm  *smtpSettings
		sms *smsSettings
		err error
	)
	if c.SMTPURL != "" {
		if sm, err = parseSMTPURL(c.SMTPURL); err != nil {
			return nil, nil, fmt.Errorf("SMTP_URL: %w", err)
		}
	}
	if c.SMSURL != "" {
		if sms, err = parseSMSURL(c.SMSURL); err != nil {
			return nil, nil, fmt.Errorf("SMS_URL: %w", err)
		}
	}
	return sm, sms, nil
}

// parseURL is url.Parse without the URL in its error: it may hold a
// password.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("not a valid URL: %v", err)
	}
	return u, nil
}

func checkParams(q url.Values, known ...string) error {
	for k, v := range q {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
		if len(v) > 1 {
			return fmt.Errorf("parameter %q given %d times", k, len(v))
		}
	}
	return nil
}

func parsePort(u *url.URL, def int) (int, error) {
	p := u.Port()
	if p == "" {
		return def, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return n, nil
}

const smtpExample = "smtp://user:pass@mail.example.com:587?from=Settle%20<noreply@example.com>"

func parseSMTPURL(s string) (*smtpSettings, error) {
	u, err := parseURL(s)
	if err != nil {
		return nil, err
	}
	var sm smtpSettings
	switch u.Scheme {
	case "smtp":
		sm.tls = "starttls"
	case "smtps":
		sm.tls = "tls"
	default:
		return nil, fmt.Errorf("must start with smtp:// or smtps://, like %s", smtpExample)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("no host: write it like %s", smtpExample)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("unexpected path %q: options go in the query, like ?from=…&tls=starttls", u.Path)
	}
	q := u.Query()
	if err := checkParams(q, "from", "tls"); err != nil {
		return nil, err
	}
	if t := q.Get("tls"); t != "" {
		switch {
		case t != "starttls" && t != "tls" && t != "none":
			return nil, fmt.Errorf("tls=%q: use starttls, tls or none", t)
		case u.Scheme == "smtps" && t != "tls":
			return nil, fmt.Errorf("smtps:// always uses TLS; tls=%s contradicts it (use smtp:// for starttls or none)", t)
		}
		sm.tls = t
	}
	def := map[string]int{"starttls": 587, "tls": 465, "none": 25}[sm.tls]
	if sm.port, err = parsePort(u, def); err != nil {
		return nil, err
	}
	sm.host = u.Hostname()
	if u.User != nil {
		sm.user = u.User.Username()
		sm.pass, _ = u.User.Password()
		if sm.user == "" || sm.pass == "" {
			return nil, errors.New("give both user and password (percent-encode special characters), or neither")
		}
	}
	from := q.Get("from")
	if from == "" {
		return nil, fmt.Errorf("the sender is missing: add ?from=Name%%20<address>, like %s", smtpExample)
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("from=%q is not an email address: %v", from, err)
	}
	sm.from = *addr
	return &sm, nil
}

const smsExample = "https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/2010-04-01/Accounts/ACCOUNT_SID/Messages.json?from=%2B4915112345678"

var (
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	senderIDRE = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	letterRE   = regexp.MustCompile(`[A-Za-z]`)
)

func parseSMSURL(s string) (*smsSettings, error) {
	u, err := parseURL(s)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return nil, errors.New("must use https:// (http:// only to localhost, for tests)")
	default:
		return nil, fmt.Errorf("must be the provider's Messages URL, like %s", smsExample)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("no host: write it like %s", smsExample)
	}
	if _, err := parsePort(u, 443); err != nil {
		return nil, err
	}
	var sms smsSettings
	if u.User != nil {
		sms.account = u.User.Username()
		sms.token, _ = u.User.Password()
	}
	if sms.account == "" || sms.token == "" {
		return nil, fmt.Errorf("the credentials are missing: put ACCOUNT_SID:AUTH_TOKEN@ before the host, like %s", smsExample)
	}
	if !strings.HasSuffix(u.Path, "/Messages.json") {
		return nil, fmt.Errorf("path %q is not a Messages resource: it should end in /Messages.json, like %s", u.Path, smsExample)
	}
	q := u.Query()
	if err := checkParams(q, "from"); err != nil {
		return nil, err
	}
	sms.from = q.Get("from")
	switch f := sms.from; {
	case f == "":
		return nil, errors.New("the sender is missing: add ?from=%2B49… (a phone number in E.164 form, + encoded as %2B) or ?from=Name (an alphanumeric sender id)")
	case e164RE.MatchString(f), senderIDRE.MatchString(f) && letterRE.MatchString(f):
	case strings.HasPrefix(f, " ") && e164RE.MatchString("+"+f[1:]):
		return nil, fmt.Errorf("from=%q: the + of the phone number was read as a space; write it as %%2B", f)
	default:
		return nil, fmt.Errorf("from=%q is neither a phone number in E.164 form (+49…, + encoded as %%2B) nor an alphanumeric sender id of up to 11 characters", f)
	}
	q.Del("from")
	e := *u
	e.User = nil
	e.RawQuery = q.Encode()
	e.Fragment = ""
	sms.endpoint = e.String()
	return &sms, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
