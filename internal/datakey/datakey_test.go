package datakey_test

import (
	"errors"
	"os"
	"testing"

	"github.com/stratus-cloud/stratus/internal/datakey"
	"github.com/stratus-cloud/stratus/internal/rootkey"
)

func TestDataKeyLifecycle(t *testing.T) {
	dir := t.TempDir()
	oldRoot, newRoot := rootkey.Generate(), rootkey.Generate()
	made, err := datakey.Create(dir, oldRoot)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the root key that made it opens it", func(t *testing.T) {
		got, err := datakey.Open(dir, oldRoot)
		if err != nil || got.ID() != made.ID() {
			t.Fatalf("open: %v, %v", got, err)
		}
	})
	t.Run("another root key does not", func(t *testing.T) {
		if _, err := datakey.Open(dir, newRoot); !errors.Is(err, datakey.ErrWrongRootKey) {
			t.Fatalf("open with another root key: %v", err)
		}
	})
	t.Run("a second data key is not made over the first", func(t *testing.T) {
		if _, err := datakey.Create(dir, oldRoot); err == nil {
			t.Fatal("Create replaced the data key")
		}
	})
	t.Run("the file does not hold the key in clear", func(t *testing.T) {
		b, err := os.ReadFile(datakey.Path(dir))
		if err != nil {
			t.Fatal(err)
		}
		kb := made.Bytes()
		for i := 0; i+len(kb) <= len(b); i++ {
			if string(b[i:i+len(kb)]) == string(kb) {
				t.Fatal("the data key is in the file in clear")
			}
		}
	})
	t.Run("rewrapping moves it to the new root key and keeps the key itself", func(t *testing.T) {
		if err := datakey.Rewrap(dir, oldRoot, newRoot); err != nil {
			t.Fatal(err)
		}
		got, err := datakey.Open(dir, newRoot)
		if err != nil || got.ID() != made.ID() {
			t.Fatalf("open with the new root key: %v, %v", got, err)
		}
		if _, err := datakey.Open(dir, oldRoot); !errors.Is(err, datakey.ErrWrongRootKey) {
			t.Fatalf("the old root key still opens it: %v", err)
		}
	})
	t.Run("store keys are 32 bytes, stable, and differ from the data key", func(t *testing.T) {
		a, b := datakey.StoreKey(made), datakey.StoreKey(made)
		if len(a) != 32 || string(a) != string(b) || string(a[:32]) == string(made.Bytes()) {
			t.Fatal("bad store key derivation")
		}
	})
}
