package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/settle/settle/internal/ar"
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
	c, err := m.Store.CreditorBySlug(ctx, *slug)
	if ar.IsNotFound(err) {
		return fmt.Errorf("no creditor with slug %q", *slug)
	} else if err != nil {
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
