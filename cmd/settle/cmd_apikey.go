package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/settle/settle/internal/ar"
)

const apikeyUsage = `settle apikey create --creditor SLUG [--name NAME]   make a key (printed once)
       settle apikey list --creditor SLUG                   list keys (prefix, name, last use)
       settle apikey revoke --creditor SLUG --id N          revoke a key`

// cmdAPIKey manages a creditor's API keys. Only a hash is stored: a key
// is shown once, when it is made.
func cmdAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, "Usage: %s\n", apikeyUsage)
		if len(args) == 0 {
			return errors.New("apikey needs a subcommand: create, list or revoke")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	var cfg Config
	fs := newFlagSet("apikey "+sub, apikeyUsage, stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "", "the creditor's slug (required)")
	name := fs.String("name", "", "what the key is for, e.g. \"billing system\"")
	id := fs.Int64("id", 0, "the key's id (revoke)")
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
	switch sub {
	case "create":
		key, prefix, hash := ar.NewAPIKey()
		k := &ar.APIKey{CreditorID: c.ID, Name: *name, Prefix: prefix, KeyHash: hash}
		if err := m.Store.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		fmt.Fprintf(stderr, "API key %d for %s made. It is shown only now: store it in your billing system's secrets.\n", k.ID, c.Slug)
		return nil
	case "list":
		keys, err := m.Store.APIKeys(ctx, c.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tCREATED\tLAST USED\tSTATE")
		for _, k := range keys {
			state := "live"
			if k.RevokedAt != nil {
				state = "revoked " + k.RevokedAt.Format(time.DateOnly)
			}
			last := "never"
			if k.LastUsedAt != nil {
				last = k.LastUsedAt.Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, k.CreatedAt.Format(time.DateOnly), last, state)
		}
		return tw.Flush()
	case "revoke":
		if *id <= 0 {
			return errors.New("revoke needs --id")
		}
		if err := m.Store.RevokeAPIKey(ctx, c.ID, *id, time.Now()); err != nil {
			if ar.IsNotFound(err) {
				return fmt.Errorf("creditor %q has no live key %s", c.Slug, strconv.FormatInt(*id, 10))
			}
			return err
		}
		fmt.Fprintf(stderr, "key %d revoked\n", *id)
		return nil
	}
	return fmt.Errorf("unknown apikey subcommand %q (create, list, revoke)", sub)
}
