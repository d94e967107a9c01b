// Package notify delivers the outbox: emails over SMTP, text messages
// through a Twilio-compatible HTTP API, and (later) letters.
//
// A message is a row in the messages table. Inserting a queued row
// enqueues a job of kind JobKind ("message" + ".send", payload
// {"message_id": id}, at most 8 attempts) by database trigger, in the
// transaction that inserts the message: a rolled-back message is never
// sent. Sender.Send is the job's handler:
//
//	sender := &notify.Sender{DB: db, Config: cfg, Log: log}
//	// register sender.Send for notify.JobKind with the jobs runner
//
// The outcome is written back to the row: status 'sent' with sent_at and
// the provider's id (the Message-ID of an email, the sid of an SMS);
// 'unsent' when no provider is configured for the channel (the message
// stays visible in the outbox and is not retried); 'failed' after a
// permanent error or the job's last attempt. Every real attempt counts in
// attempts, with its error in last_error; a temporary failure returns an
// error so that the job runs again later.
//
// Configuration comes from two URLs, validated at start-up by ParseConfig:
//
//	SMTP_URL=smtp://user:pass@mail.example.com:587?from=Settle%20<noreply@example.com>&tls=starttls
//	SMTP_URL=smtps://user:pass@mail.example.com?from=noreply@example.com     (TLS on connect, port 465)
//	SMS_URL=https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/2010-04-01/Accounts/ACCOUNT_SID/Messages.json?from=%2B4915112345678
//
// tls is starttls (the default for smtp://, port 587), tls (implied by
// smtps://, port 465) or none (port 25; credentials then travel in clear
// text). Without a display name in from, the creditor's name is shown.
//
// Bodies can hold one-time codes: this package never logs a body or a
// subject, and logs recipients masked. Errors that name the recipient
// (an SMTP server's "550 <alice@example.com> unknown") are stored and
// returned with the recipient masked.
//
// Emails carry the plain text body and, when the row's html_body is set,
// an HTML alternative; HTMLFor renders one (package views/email) for the
// code that enqueues the message. SMS bodies are fitted to GSM-7 where a
// few typographic characters are all that stands in the way (SMSSegments
// tells the encoding and the number of parts).
//
// Outbox lists recent messages for operators (settle outbox, /staff/outbox).
package notify
