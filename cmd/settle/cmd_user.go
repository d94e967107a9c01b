package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// cmdUser manages staff accounts from the shell (for the first admin;
// admins manage the others in the back office).
func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "Usage: settle user add --email E --role admin|ar|agent [--creditor SLUG] [--password-stdin]")
		return errors.New("user needs a subcommand: add")
	}
	var cfg Config
	fs := newFlagSet("user add", "user add --email E --role admin|ar|agent [--creditor SLUG] [--password-stdin]", stderr)
	cfg.registerCommon(fs)
	email := fs.String("email", "", "the staff member's email, their login (required)")
	role := fs.String("role", "", "admin, ar or agent (required)")
	slug := fs.String("creditor", "", "the creditor the account works for; empty: every creditor (operators' admins only)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email {
		return fmt.Errorf("--email %q is not an email address", *email)
	}
	if !staff.ValidRole(*role) {
		return fmt.Errorf("--role must be admin, ar or agent, got %q", *role)
	}
	if *slug == "" && *role != staff.RoleAdmin {
		return errors.New("ar and agent accounts work for one creditor: give --creditor")
	}
	password := ""
	if *fromStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password = staff.GeneratePassword()
	}
	hash, err := staff.HashPassword(password)
	if err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	var creditorID *int64
	if *slug != "" {
		c, err := m.creditor(ctx, *slug)
		if err != nil {
			return err
		}
		creditorID = &c.ID
	}
	var id int64
	err = m.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		// Admins must use a second factor (ASVS 6.3.3); they enrol at
		// their first sign-in.
		if id, err = tx.CreateStaffUser(ctx, *email, *role, creditorID, hash, *role == staff.RoleAdmin); err != nil {
			return err
		}
		return tx.AddAudit(ctx, nil, creditorID, "user.created", *email, nil,
			map[string]any{"id": id, "role": *role, "by": "cli"})
	})
	if e, ok := ar.AsError(err); ok && e.Code == ar.Conflict {
		return fmt.Errorf("a staff account with email %s exists already", *email)
	} else if err != nil {
		return err
	}
	if !*fromStdin {
		fmt.Fprintln(stdout, password)
		fmt.Fprintf(stderr, "staff account %d (%s, %s) made; the password above is shown only now\n", id, *email, *role)
	} else {
		fmt.Fprintf(stderr, "staff account %d (%s, %s) made\n", id, *email, *role)
	}
	return nil
}
