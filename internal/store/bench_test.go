package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stratus-cloud/stratus/internal/store"
)

// BenchmarkUpdate measures durable (synced) single-row Updates, one caller
// at a time and from many callers at once, where group commit shares each
// sync among the callers waiting for it. It reports updates/s and the mean
// number of updates per commit.
func BenchmarkUpdate(b *testing.B) {
	for _, bc := range []struct {
		name     string
		parallel bool
	}{
		{"serial", false},
		{"parallel", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := store.Open(ctx, store.Options{Path: filepath.Join(b.TempDir(), "stratus.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			err = s.Migrate(ctx, "bench", []store.Migration{{Version: 1, SQL: `CREATE TABLE bench_kv (k TEXT PRIMARY KEY, v BLOB NOT NULL)`}})
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			value := make([]byte, 200)
			update := func() {
				k := fmt.Sprint(next.Add(1))
				err := s.Update(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO bench_kv (k, v) VALUES (?, ?)`, k, value)
					return err
				})
				if err != nil {
					b.Error(err)
				}
			}
			before := s.Stats()
			b.ResetTimer()
			if bc.parallel {
				b.SetParallelism(32) // 32 callers per GOMAXPROCS
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						update()
					}
				})
			} else {
				for b.Loop() {
					update()
				}
			}
			b.StopTimer()
			after := s.Stats()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			if commits := after.Commits - before.Commits; commits > 0 {
				b.ReportMetric(float64(after.Updates-before.Updates)/float64(commits), "updates/commit")
			}
		})
	}
}
