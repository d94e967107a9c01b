// Package testdb gives tests a real, fully migrated PostgreSQL database.
//
// Each test binary starts one throwaway cluster (see package localpg) from
// TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// and each test gets its own database, cloned from a template that has all
// migrations applied (via pgtestdb, so migrations run once per migrations
// version and cloning takes milliseconds):
//
//	db := testdb.New(t)
//
// The database is dropped when the test passes and kept (its URL is logged)
// when it fails.
//
// Without PostgreSQL binaries the tests that call New are skipped with a
// message, except when $CI is set: then the test binary fails.
package testdb
