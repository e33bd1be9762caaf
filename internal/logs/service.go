package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stratus-cloud/stratus/internal/periodic"
	"github.com/stratus-cloud/stratus/internal/store"
)

// DefaultSweepEvery is how often the retention sweeper runs when
// Config.SweepEvery is zero.
const DefaultSweepEvery = time.Minute

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SweepEvery is the period of the retention sweeper; zero means
	// DefaultSweepEvery.
	SweepEvery time.Duration
	// Logger receives the sweeper's errors; nil discards them.
	Logger *slog.Logger
}

// Service is the CloudWatch Logs domain. Its methods are safe for concurrent
// use; all state lives in the store. Start runs the retention sweeper, Stop
// stops it.
type Service struct {
	st         *store.Store
	now        func() time.Time
	sweepEvery time.Duration
	log        *slog.Logger
	sweeper    *periodic.Runner
}

// New migrates the "logs" tables and returns a Service whose sweeper is not
// running yet.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("logs: store is required")
	}
	s := &Service{st: cfg.Store, now: cfg.Now, sweepEvery: cfg.SweepEvery, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sweepEvery <= 0 {
		s.sweepEvery = DefaultSweepEvery
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.sweeper = periodic.New("logs sweeper", s.sweepEvery, s.sweep)
	if err := s.st.Migrate(ctx, "logs", migrations()); err != nil {
		return nil, fmt.Errorf("migrate logs: %w", err)
	}
	return s, nil
}

// Start starts the retention sweeper, which deletes events older than their
// group's retention every SweepEvery. Starting a running Service does nothing.
func (s *Service) Start() { s.sweeper.Start() }

// Stop stops the sweeper and waits for it (a sweep in progress finishes its
// current group) or for ctx. Stopping a stopped Service does nothing.
func (s *Service) Stop(ctx context.Context) error { return s.sweeper.Stop(ctx) }

func (s *Service) sweep(ctx context.Context) {
	if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("logs retention sweep", "error", err)
	}
}

const day = 24 * time.Hour

// retentionCutoff returns the earliest event timestamp (ms) a group with the
// given retention keeps at now; 0 when it keeps everything.
func retentionCutoff(now time.Time, days int) int64 {
	if days <= 0 {
		return 0
	}
	return now.Add(-time.Duration(days) * day).UnixMilli()
}

// Sweep deletes, group by group, every event older than its group's
// retention, and returns how many it deleted. Each group is one store
// Update; reads never return such events whether or not a sweep has run.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	type group struct {
		account, region, name string
		days                  int
	}
	var groups []group
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT account, region, name, retention_days FROM logs_groups WHERE retention_days > 0`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g group
			if err := rows.Scan(&g.account, &g.region, &g.name, &g.days); err != nil {
				return err
			}
			groups = append(groups, g)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("list groups with retention: %w", err)
	}
	var deleted int64
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		cutoff := retentionCutoff(s.now(), g.days)
		err := s.st.Update(ctx, func(tx *store.Tx) error {
			n, err := deleteBefore(ctx, tx, g.account, g.region, g.name, cutoff)
			deleted += n
			return err
		})
		if err != nil {
			return deleted, fmt.Errorf("sweep log group %s: %w", g.name, err)
		}
	}
	return deleted, nil
}

// deleteBefore deletes a group's events with ts < cutoff and takes their
// bytes off the streams' and the group's stored_bytes.
func deleteBefore(ctx context.Context, tx *store.Tx, account, region, group string, cutoff int64) (int64, error) {
	type stream struct {
		name         string
		count, bytes int64
	}
	rows, err := tx.Query(ctx, `SELECT stream_name, COUNT(*), COALESCE(SUM(size), 0) FROM logs_events
		WHERE account = ? AND region = ? AND group_name = ? AND ts < ? GROUP BY stream_name`, account, region, group, cutoff)
	if err != nil {
		return 0, err
	}
	var streams []stream
	for rows.Next() {
		var st stream
		if err := rows.Scan(&st.name, &st.count, &st.bytes); err != nil {
			rows.Close()
			return 0, err
		}
		streams = append(streams, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(streams) == 0 {
		return 0, nil
	}
	var count, total int64
	for _, st := range streams {
		if _, err := tx.Exec(ctx, `UPDATE logs_streams SET stored_bytes = stored_bytes - ?
			WHERE account = ? AND region = ? AND group_name = ? AND name = ?`, st.bytes, account, region, group, st.name); err != nil {
			return 0, err
		}
		count += st.count
		total += st.bytes
	}
	if _, err := tx.Exec(ctx, `DELETE FROM logs_events WHERE account = ? AND region = ? AND group_name = ? AND ts < ?`,
		account, region, group, cutoff); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE logs_groups SET stored_bytes = stored_bytes - ? WHERE account = ? AND region = ? AND name = ?`,
		total, account, region, group); err != nil {
		return 0, err
	}
	return count, nil
}

func encodeTags(tags map[string]string) string {
	if len(tags) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func decodeTags(s string) map[string]string {
	var tags map[string]string
	if err := json.Unmarshal([]byte(s), &tags); err != nil || len(tags) == 0 {
		return nil
	}
	return tags
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
