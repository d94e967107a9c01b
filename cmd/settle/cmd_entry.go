package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/settle/settle/internal/checkout"
)

// cmdEntrySecret makes a new entry secret for a creditor: the key its own
// website signs entry URLs with (see the README). The old secret stops
// working at once.
func cmdEntrySecret(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("entrysecret", "entrysecret --creditor SLUG", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "", "the creditor's slug (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *slug == "" {
		return errors.New("--creditor is required")
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	c, err := m.creditor(ctx, *slug)
	if err != nil {
		return err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	if err := m.Store.SetEntrySecret(ctx, c.ID, secret); err != nil {
		return err
	}
	fmt.Fprintln(stdout, hex.EncodeToString(secret))
	fmt.Fprintf(stderr, "entry secret for %s replaced; it is shown only now. The README's \"Entry from your customer area\" shows how to sign URLs with it.\n", c.Slug)
	return nil
}

// cmdMollieKey stores a creditor's Mollie API key (test_… or live_…),
// read from standard input so it stays out of shell history, sealed at
// rest with SETTLE_SECRET_KEY (or the data dir's key file).
func cmdMollieKey(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("molliekey", "molliekey --creditor SLUG < key.txt", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "", "the creditor's slug (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *slug == "" {
		return errors.New("--creditor is required")
	}
	raw, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return err
	}
	key := strings.TrimSpace(string(raw))
	if !strings.HasPrefix(key, "test_") && !strings.HasPrefix(key, "live_") || len(key) < 20 {
		return errors.New("give the Mollie API key on standard input: it starts with test_ or live_")
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	c, err := m.creditor(ctx, *slug)
	if err != nil {
		return err
	}
	box, err := cfg.secretBox()
	if err != nil {
		return err
	}
	if err := m.Store.SetCreditorMollieKey(ctx, c.ID, box.Seal([]byte(key), checkout.KeyContext(c.ID))); err != nil {
		return err
	}
	mode := "test"
	if strings.HasPrefix(key, "live_") {
		mode = "live"
	}
	fmt.Fprintf(stderr, "Mollie %s key for %s stored (sealed).\n", mode, c.Slug)
	return nil
}
