package notify

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a small SMTP server for tests: EHLO/HELO, optional AUTH
// PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS.
type smtpServer struct {
	ln         net.Listener
	user, pass string // when set, AUTH PLAIN is offered and required

	mu        sync.Mutex
	rcptReply string // when set, RCPT is answered with it (e.g. a 451)
	mails     []receivedMail
	wg        sync.WaitGroup
}

type receivedMail struct {
	authUser string
	from     string
	rcpts    []string
	data     []byte
}

func newSMTPServer(t *testing.T, user, pass string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, user: user, pass: pass}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

// refuseRecipients makes RCPT answer with reply ("" accepts again).
func (s *smtpServer) refuseRecipients(reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptReply = reply
}

func (s *smtpServer) received() []receivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.mails...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	reply := func(lines ...string) {
		for _, l := range lines {
			_ = tp.PrintfLine("%s", l)
		}
	}
	reply("220 localhost ESMTP settle-test")
	var cur receivedMail
	authed := ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250-localhost greets you", "250-8BITMIME"}
			if s.user != "" {
				lines = append(lines, "250-AUTH PLAIN")
			}
			reply(append(lines, "250 HELP")...)
		case "HELO":
			reply("250 localhost")
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || s.user == "" {
				reply("504 5.5.4 mechanism not supported")
				continue
			}
			if initial == "" {
				reply("334 ")
				if initial, err = tp.ReadLine(); err != nil {
					return
				}
			}
			raw, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				reply("535 5.7.8 authentication failed")
				continue
			}
			authed = parts[1]
			reply("235 2.7.0 authenticated")
		case "MAIL":
			if s.user != "" && authed == "" {
				reply("530 5.7.0 authentication required")
				continue
			}
			cur = receivedMail{authUser: authed, from: between(arg, "<", ">")}
			reply("250 2.1.0 ok")
		case "RCPT":
			s.mu.Lock()
			refusal := s.rcptReply
			s.mu.Unlock()
			if refusal != "" {
				reply(refusal)
				continue
			}
			cur.rcpts = append(cur.rcpts, between(arg, "<", ">"))
			reply("250 2.1.5 ok")
		case "DATA":
			if len(cur.rcpts) == 0 {
				reply("503 5.5.1 no recipients")
				continue
			}
			reply("354 go ahead")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			cur.data = data
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			cur = receivedMail{authUser: authed}
			reply("250 2.0.0 queued as T1")
		case "RSET":
			cur = receivedMail{authUser: authed}
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognised")
		}
	}
}

func between(s, open, close string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, close)
	return v
}

// parsedMail is a received email, decoded.
type parsedMail struct {
	header mail.Header
	from   *mail.Address
	to     []*mail.Address
	subj   string
	text   string
	html   string
	ctype  string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read mail: %v\n%s", err, data)
	}
	p := parsedMail{header: msg.Header}
	if p.from, err = mail.ParseAddress(msg.Header.Get("From")); err != nil {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	if p.to, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("To: %v", err)
	}
	if p.subj, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	p.ctype = mt
	if mt == "multipart/alternative" {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(part)
			pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			switch pt {
			case "text/plain":
				p.text = string(b)
			case "text/html":
				p.html = string(b)
			default:
				t.Errorf("unexpected part %s", pt)
			}
		}
		return p
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	if mt == "text/html" {
		p.html = string(b)
	} else {
		p.text = string(b)
	}
	return p
}
