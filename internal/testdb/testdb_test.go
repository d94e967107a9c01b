package testdb

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/migrations"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewIsMigrated(t *testing.T) {
	db := New(t)
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations in migrations.FS: %v", err)
	}
	var applied int
	if err := db.Get(&applied, `SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`); err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Fatalf("%d migrations applied, want %d", applied, len(files))
	}
}

func TestNewIsolated(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	var nameA, nameB string
	if err := a.Get(&nameA, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Get(&nameB, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB {
		t.Fatalf("both databases are %s", nameA)
	}
	count := func(db *sqlx.DB) int {
		t.Helper()
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM goose_db_version`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count(b)
	if _, err := a.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999999, true)`); err != nil {
		t.Fatal(err)
	}
	if got := count(a); got != before+1 {
		t.Fatalf("insert not visible in its own database: %d rows, want %d", got, before+1)
	}
	if got := count(b); got != before {
		t.Fatalf("row inserted in %s is visible in %s: %d rows, want %d", nameA, nameB, got, before)
	}
}

// TestMigrator checks the migrator against a migrations set of its own,
// independent of the application's schema.
func TestMigrator(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"00001_a.sql": {Data: []byte("-- +goose Up\nCREATE TABLE a (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE a;\n")},
		"00002_b.sql": {Data: []byte("-- +goose Up\nINSERT INTO a VALUES (7);\n")},
	}
	db := newDB(t, fsys)
	var id int
	if err := db.Get(&id, `SELECT id FROM a`); err != nil || id != 7 {
		t.Fatalf("migrated table a: id=%d err=%v", id, err)
	}

	h1, err := migrator{fsys}.Hash()
	if err != nil {
		t.Fatal(err)
	}
	changed := fstest.MapFS{"00001_a.sql": fsys["00001_a.sql"], "00002_b.sql": {Data: []byte("-- +goose Up\nINSERT INTO a VALUES (8);\n")}}
	renamed := fstest.MapFS{"00001_a.sql": fsys["00001_a.sql"], "00003_b.sql": fsys["00002_b.sql"]}
	for name, other := range map[string]fstest.MapFS{"changed content": changed, "renamed file": renamed} {
		h2, err := migrator{other}.Hash()
		if err != nil {
			t.Fatal(err)
		}
		if h1 == h2 {
			t.Errorf("%s: hash unchanged", name)
		}
	}
	if h, _ := (migrator{fsys}).Hash(); h != h1 {
		t.Error("hash not deterministic")
	}
}
