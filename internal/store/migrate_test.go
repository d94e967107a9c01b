package store

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/testdb"
)

// TestMigrateTwoAtOnce: two instances started together on an empty
// database (a first deployment with two replicas, or a rolling update that
// brings a new migration) both migrate at once. Both succeed and every
// migration runs exactly once.
func TestMigrateTwoAtOnce(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(testdb.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User("postgres"), "/postgres" // the cluster's superuser (trust authentication)
	admin, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("migrate_twice_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	u.Path = "/" + name
	for round := range 3 { // the second and third rounds find nothing to do
		var wg sync.WaitGroup
		ran := make([]int, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := Open(ctx, u.String())
				if err != nil {
					errs[i] = err
					return
				}
				defer db.Close()
				ran[i], errs[i] = Migrate(ctx, db.DB)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: instance %d: %v", round, i, err)
			}
		}
		var total int
		db, _ := sqlx.Open("postgres", u.String())
		db.Get(&total, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`)
		db.Close()
		if round == 0 && (ran[0]+ran[1] != total || total == 0) {
			t.Errorf("the instances ran %d and %d migrations; the database has %d", ran[0], ran[1], total)
		}
		if round > 0 && ran[0]+ran[1] != 0 {
			t.Errorf("round %d ran %d and %d migrations on an up-to-date database", round, ran[0], ran[1])
		}
	}
}
