package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/hooks"
)

const webhookUsage = `Usage:
  settle webhook add --creditor SLUG --url URL [--events TYPE,TYPE…]
                     register a receiver; prints its id and signing secret (shown once)
  settle webhook list --creditor SLUG
  settle webhook rotate --creditor SLUG --id N
                     new secret (printed); the old one keeps signing for 24 h
  settle webhook remove --creditor SLUG --id N
  settle webhook enable --creditor SLUG --id N
                     re-enable an endpoint disabled by a 410 from its receiver
  settle webhook deliveries --creditor SLUG --id N [--limit 20]
  settle webhook replay --creditor SLUG --delivery N

Event types (--events; none: every type):
  %s

Receivers must be public http(s) URLs; SETTLE_WEBHOOK_ALLOW_PRIVATE=true
allows loopback and private addresses (development only).
`

// cmdWebhook manages a creditor's outbound webhook endpoints.
func cmdWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := fmt.Sprintf(webhookUsage, strings.Join(hooks.EventTypes, " "))
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprint(stderr, usage)
		return errors.New("webhook needs a command: add, list, rotate, remove, enable, deliveries or replay")
	}
	sub, args := args[0], args[1:]
	synopsis := map[string]string{
		"add":        "webhook add --creditor SLUG --url URL [--events TYPE,TYPE…]",
		"list":       "webhook list --creditor SLUG",
		"rotate":     "webhook rotate --creditor SLUG --id N",
		"remove":     "webhook remove --creditor SLUG --id N",
		"enable":     "webhook enable --creditor SLUG --id N",
		"deliveries": "webhook deliveries --creditor SLUG --id N [--limit 20]",
		"replay":     "webhook replay --creditor SLUG --delivery N",
	}
	switch sub {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if synopsis[sub] == "" {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown webhook command %q", sub)
	}

	var cfg Config
	fs := newFlagSet("webhook "+sub, synopsis[sub], stderr)
	cfg.registerCommon(fs)
	creditor := fs.String("creditor", "", "the creditor's slug (required)")
	var rawURL, events *string
	var id, delivery *int64
	var limit *int
	switch sub {
	case "add":
		rawURL = fs.String("url", "", "the receiver's URL, https://… (required)")
		events = fs.String("events", "", "comma-separated event types to send (default: every type)")
	case "replay":
		delivery = fs.Int64("delivery", 0, "the delivery's id (required)")
	case "list":
	default:
		id = fs.Int64("id", 0, "the endpoint's id (required)")
		if sub == "deliveries" {
			limit = fs.Int("limit", 20, "how many deliveries to show, newest first")
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("webhook %s: unexpected argument %q", sub, fs.Arg(0))
	}
	var missing []string
	if *creditor == "" {
		missing = append(missing, "--creditor")
	}
	if rawURL != nil && *rawURL == "" {
		missing = append(missing, "--url")
	}
	if id != nil && *id <= 0 {
		missing = append(missing, "--id")
	}
	if delivery != nil && *delivery <= 0 {
		missing = append(missing, "--delivery")
	}
	if len(missing) > 0 {
		fs.Usage()
		return fmt.Errorf("webhook %s needs %s", sub, strings.Join(missing, " and "))
	}
	var types []string
	if events != nil && *events != "" {
		types = strings.Split(*events, ",")
		if _, err := hooks.ValidateEventTypes(types); err != nil {
			return err
		}
	}
	if err := cfg.finish(); err != nil {
		return err
	}

	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	c, err := m.creditor(ctx, *creditor)
	if err != nil {
		return err
	}
	svc := &hooks.Service{DB: m.DB, Log: m.Log, AllowPrivate: envBool("SETTLE_WEBHOOK_ALLOW_PRIVATE", false)}
	notFound := func(err error, what string, n int64) error {
		if ar.IsNotFound(err) {
			return fmt.Errorf("creditor %q has no webhook %s %d", c.Slug, what, n)
		}
		return err
	}

	switch sub {
	case "add":
		ep, secret, err := svc.AddEndpoint(ctx, c.ID, *rawURL, types)
		if err != nil {
			return fmt.Errorf("cannot add the webhook: %w", err)
		}
		fmt.Fprintf(stdout, "id:     %d\nurl:    %s\nevents: %s\nsecret: %s\n", ep.ID, ep.URL, eventList(ep.EventTypes), secret)
		fmt.Fprintln(stderr, "Store the secret now: it is not shown again. Receivers verify the webhook-signature header with it.")
	case "list":
		list, err := svc.Endpoints(ctx, c.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintf(stderr, "creditor %q has no webhook endpoints\n", c.Slug)
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tSTATUS\tCREATED")
		for _, ep := range list {
			status := "active"
			if !ep.Active() {
				status = "disabled " + ep.DisabledAt.UTC().Format(time.DateTime) + ": " + ep.DisabledReason
			} else if ep.PreviousSecretUntil != nil && ep.PreviousSecretUntil.After(time.Now()) {
				status = "active, old secret valid until " + ep.PreviousSecretUntil.UTC().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", ep.ID, ep.URL, eventList(ep.EventTypes), status,
				ep.CreatedAt.UTC().Format(time.DateTime))
		}
		return tw.Flush()
	case "rotate":
		secret, err := svc.RotateSecret(ctx, c.ID, *id)
		if err != nil {
			return notFound(err, "endpoint", *id)
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "The previous secret keeps signing (a second signature) until %s.\n",
			time.Now().Add(hooks.SecretOverlap).UTC().Format(time.DateTime+" MST"))
	case "remove":
		if err := svc.RemoveEndpoint(ctx, c.ID, *id); err != nil {
			return notFound(err, "endpoint", *id)
		}
		fmt.Fprintf(stdout, "removed webhook endpoint %d\n", *id)
	case "enable":
		if err := svc.EnableEndpoint(ctx, c.ID, *id); err != nil {
			return notFound(err, "endpoint", *id)
		}
		fmt.Fprintf(stdout, "enabled webhook endpoint %d\n", *id)
	case "deliveries":
		if _, err := svc.Endpoint(ctx, c.ID, *id); err != nil {
			return notFound(err, "endpoint", *id)
		}
		list, err := svc.Deliveries(ctx, c.ID, *id, *limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEVENT\tTYPE\tSTATE\tATTEMPTS\tLAST STATUS\tLAST ERROR\tCREATED")
		for _, d := range list {
			last := "-"
			if d.LastStatus != nil {
				last = fmt.Sprint(*d.LastStatus)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.EventPublicID, d.EventType, d.State,
				d.Attempts, last, d.LastError, d.CreatedAt.UTC().Format(time.DateTime))
		}
		return tw.Flush()
	case "replay":
		if err := svc.Replay(ctx, c.ID, *delivery); err != nil {
			return notFound(err, "delivery", *delivery)
		}
		fmt.Fprintf(stdout, "delivery %d queued again\n", *delivery)
	}
	return nil
}

func eventList(types []string) string {
	if len(types) == 0 {
		return "all"
	}
	return strings.Join(types, ",")
}
