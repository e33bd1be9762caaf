package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stratus-cloud/stratus/internal/store"
	"github.com/stratus-cloud/stratus/internal/store/storetest"
)

// opener returns an open function for storetest.Run: one database file per
// test, the same file each time a test reopens it.
func opener(opts store.Options) func(t *testing.T) *store.Store {
	var mu sync.Mutex
	paths := map[*testing.T]string{} // guarded by mu
	return func(t *testing.T) *store.Store {
		t.Helper()
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "stratus.db")
			paths[t] = path
		}
		mu.Unlock()
		o := opts
		o.Path = path
		s, err := store.Open(context.Background(), o)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}

func TestStoreConformsWithSyncOn(t *testing.T) {
	storetest.Run(t, opener(store.Options{}))
}

func TestStoreConformsWithSyncOff(t *testing.T) {
	storetest.Run(t, opener(store.Options{NoSync: true}))
}
