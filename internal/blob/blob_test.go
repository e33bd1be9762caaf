package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
)

func newStore(t *testing.T) (*blob.Store, string) {
	t.Helper()
	key, err := rootkey.LoadOrCreate(filepath.Join(t.TempDir(), "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := blob.Open(blob.Options{Dir: dir, Sealer: secret.NewBox(key)})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestPutOpen(t *testing.T) {
	random := make([]byte, 200<<10+7)
	rand.Read(random)
	cases := []struct {
		name string
		data []byte
	}{
		{"an empty blob round-trips", nil},
		{"a small blob round-trips", []byte("hello")},
		{"a blob of exactly one chunk round-trips", bytes.Repeat([]byte{1}, 64<<10)},
		{"a blob of exactly two chunks round-trips", bytes.Repeat([]byte{2}, 128<<10)},
		{"a multi-chunk blob with a short tail round-trips", random},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			d, n, err := s.Put(context.Background(), bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if d != sha256.Sum256(tc.data) || n != int64(len(tc.data)) {
				t.Fatalf("digest/size = %s/%d, want sha256 of the plaintext and %d", d, n, len(tc.data))
			}
			got, err := s.ReadAll(d)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("read %d bytes that differ from the %d put", len(got), len(tc.data))
			}
		})
	}
}

func TestNoPlaintextOnDisk(t *testing.T) {
	s, dir := newStore(t)
	secretText := []byte(strings.Repeat("TOP-SECRET-FUNCTION-CODE ", 5000))
	d, _, err := s.Put(context.Background(), bytes.NewReader(secretText))
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		files++
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte("TOP-SECRET")) {
			t.Errorf("%s holds the plaintext", path)
		}
		if bytes.Contains(b, d[:]) {
			t.Errorf("%s holds the raw digest", path)
		}
		return nil
	})
	if files != 1 {
		t.Fatalf("found %d files in the blob dir, want 1", files)
	}
}

func TestDedup(t *testing.T) {
	s, dir := newStore(t)
	for range 3 {
		if _, _, err := s.Put(context.Background(), strings.NewReader("same bytes")); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return err
	})
	if n != 1 {
		t.Fatalf("putting the same bytes thrice left %d files, want 1", n)
	}
}

func TestTamperingIsDetected(t *testing.T) {
	data := bytes.Repeat([]byte("abcdefgh"), 20000) // 160 KB, three chunks
	cases := []struct {
		name   string
		tamper func(path string, b []byte) []byte
	}{
		{"a flipped ciphertext byte fails", func(_ string, b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"a truncated file fails", func(_ string, b []byte) []byte { return b[:len(b)-(64<<10)-16] }},
		{"a file under another digest's name fails", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			d, _, err := s.Put(context.Background(), bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(filepathOf(t, s, d))
			b, _ := os.ReadFile(path)
			if tc.tamper == nil {
				// Put another blob, then copy this file over it.
				other, _, err := s.Put(context.Background(), strings.NewReader("other"))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepathOf(t, s, other), b, 0o600)
				d = other
			} else {
				os.WriteFile(path, tc.tamper(path, b), 0o600)
			}
			_, err = s.ReadAll(d)
			if !errors.Is(err, blob.ErrCorrupt) {
				t.Fatalf("ReadAll = %v, want ErrCorrupt", err)
			}
		})
	}
}

// filepathOf finds d's file in the store's dir by name.
func filepathOf(t *testing.T, s *blob.Store, d blob.Digest) string {
	t.Helper()
	var found string
	filepath.WalkDir(s.Dir(), func(path string, e fs.DirEntry, err error) error {
		if err == nil && e.Name() == d.String() {
			found = path
		}
		return err
	})
	if found == "" {
		t.Fatalf("no file for %s", d)
	}
	return found
}

func TestSweep(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	live, _, _ := s.Put(ctx, strings.NewReader("live"))
	dead, _, _ := s.Put(ctx, strings.NewReader("dead"))

	t.Run("a sweep within the grace period deletes nothing", func(t *testing.T) {
		n, err := s.Sweep(ctx, map[blob.Digest]bool{live: true}, time.Hour)
		if err != nil || n != 0 || !s.Has(dead) {
			t.Fatalf("Sweep = %d, %v; dead present %v", n, err, s.Has(dead))
		}
	})
	t.Run("a sweep past the grace period deletes only blobs not live", func(t *testing.T) {
		n, err := s.Sweep(ctx, map[blob.Digest]bool{live: true}, -time.Second)
		if err != nil || n != 1 || s.Has(dead) || !s.Has(live) {
			t.Fatalf("Sweep = %d, %v; dead present %v, live present %v", n, err, s.Has(dead), s.Has(live))
		}
	})
	t.Run("opening a deleted blob reports not found", func(t *testing.T) {
		if _, err := s.Open(dead); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open = %v, want ErrNotFound", err)
		}
		if err := s.Delete(dead); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Delete = %v, want ErrNotFound", err)
		}
	})
}

func TestStreamingRead(t *testing.T) {
	s, _ := newStore(t)
	data := make([]byte, 300<<10)
	rand.Read(data)
	d, _, err := s.Put(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(d)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got bytes.Buffer
	buf := make([]byte, 1000) // reads smaller than a chunk
	if _, err := io.CopyBuffer(&got, struct{ io.Reader }{rc}, buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatal("small reads returned different bytes")
	}
}
