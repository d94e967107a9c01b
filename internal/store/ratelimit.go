package store

import (
	"context"
	"time"
)

// Hit counts one event in bucket's current fixed window of length window
// and returns the count including this one. The counters live in
// PostgreSQL so that a limit holds across every instance.
func (s *Store) Hit(ctx context.Context, bucket string, window time.Duration, now time.Time) (n int, err error) {
	defer wrap(&err, "Hit(%q)", bucket)
	start := now.Truncate(window)
	err = s.q.GetContext(ctx, &n, `INSERT INTO rate_limits (bucket, window_start) VALUES ($1, $2)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
		RETURNING hits`, bucket, start)
	return n, err
}

// Hits returns the count in bucket's current window without adding one.
func (s *Store) Hits(ctx context.Context, bucket string, window time.Duration, now time.Time) (n int, err error) {
	defer wrap(&err, "Hits(%q)", bucket)
	err = s.q.GetContext(ctx, &n, `SELECT COALESCE(sum(hits), 0) FROM rate_limits
		WHERE bucket = $1 AND window_start = $2`, bucket, now.Truncate(window))
	return n, err
}

// PruneRateLimits deletes windows that ended before cutoff.
func (s *Store) PruneRateLimits(ctx context.Context, cutoff time.Time) (n int64, err error) {
	defer wrap(&err, "PruneRateLimits")
	res, err := s.q.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
