// Package migrations holds the goose SQL migrations, embedded into the binary.
//
// Migrations are forward-only: a released migration is never edited, a
// change is a new file. Each file is numbered (00001_name.sql) and runs in
// its own transaction.
package migrations

import "embed"

// FS holds every *.sql migration at its root.
//
//go:embed *.sql
var FS embed.FS
