package rootkey_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stratus-cloud/stratus/internal/rootkey"
)

func TestLoadOrCreateMakesAPrivateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc", "stratus")
	path := filepath.Join(dir, "root.key")
	k, err := rootkey.LoadOrCreate(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != rootkey.Size {
		t.Errorf("key file has mode %04o and %d bytes, want 0600 and %d", fi.Mode().Perm(), fi.Size(), rootkey.Size)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("created directory has mode %04o, want 0700", di.Mode().Perm())
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, k.Bytes()) {
		t.Error("the key returned is not the key written")
	}
	if bytes.Equal(onDisk, make([]byte, rootkey.Size)) {
		t.Error("the new key is all zeros")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".rootkey-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	again, err := rootkey.LoadOrCreate(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !bytes.Equal(again.Bytes(), k.Bytes()) || again.ID() != k.ID() {
		t.Error("loading the file again gave another key")
	}
}

func TestConcurrentLoadOrCreateAgreesOnOneKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	keys := make([]*rootkey.Key, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = rootkey.LoadOrCreate(path) })
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if keys[i].ID() != keys[0].ID() {
			t.Errorf("caller %d got key %v, caller 0 got %v", i, keys[i].ID(), keys[0].ID())
		}
	}
}

func TestLoadOrCreateRefusesUnsafeFiles(t *testing.T) {
	cases := []struct {
		name    string
		size    int
		mode    os.FileMode
		wantErr string
	}{
		{"a group-readable file is refused", 32, 0o640, "mode 0640"},
		{"a world-readable file is refused", 32, 0o604, "mode 0604"},
		{"a group-writable file is refused", 32, 0o620, "mode 0620"},
		{"a short file is refused", 31, 0o600, "holds 31 bytes, want 32"},
		{"a long file is refused", 33, 0o600, "holds 33 bytes, want 32"},
		{"an empty file is refused", 0, 0o600, "holds 0 bytes, want 32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "root.key")
			content := bytes.Repeat([]byte{0xab}, c.size)
			if err := os.WriteFile(path, content, c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			_, err := rootkey.LoadOrCreate(path)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error = %v, want one saying %q", err, c.wantErr)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, content) {
				t.Error("the refused file was changed")
			}
		})
	}
	t.Run("a directory is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "root.key")
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := rootkey.LoadOrCreate(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("error = %v, want not a regular file", err)
		}
	})
}

func TestFromEnv(t *testing.T) {
	raw := bytes.Repeat([]byte{0x5a, 0x01}, 16)
	padded := base64.StdEncoding.EncodeToString(raw)
	cases := []struct {
		name  string
		value string
		ok    bool
	}{
		{"padded base64 of 32 bytes is a key", padded, true},
		{"unpadded base64 of 32 bytes is a key", strings.TrimRight(padded, "="), true},
		{"surrounding whitespace is ignored", " " + padded + "\n", true},
		{"base64 of 16 bytes is refused", base64.StdEncoding.EncodeToString(raw[:16]), false},
		{"base64 of 33 bytes is refused", base64.StdEncoding.EncodeToString(append(raw, 1)), false},
		{"hex is refused", hex.EncodeToString(raw), false},
		{"an empty value is refused", "", false},
		{"text that is not base64 is refused", "correct horse battery staple!!", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := rootkey.FromEnv(c.value)
			if c.ok {
				if err != nil {
					t.Fatalf("FromEnv: %v", err)
				}
				if !bytes.Equal(k.Bytes(), raw) {
					t.Error("decoded key differs")
				}
				return
			}
			if err == nil {
				t.Fatal("FromEnv accepted it")
			}
			if strings.TrimSpace(c.value) != "" && strings.Contains(err.Error(), strings.TrimSpace(c.value)) {
				t.Errorf("error %q repeats the secret value", err)
			}
		})
	}
}

func TestKeyPrintsOnlyItsID(t *testing.T) {
	raw := bytes.Repeat([]byte{0xc3}, 32)
	k, err := rootkey.FromEnv(base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, k)
		if strings.Contains(strings.ToLower(out), "c3c3") || strings.Contains(out, base64.StdEncoding.EncodeToString(raw)[:8]) {
			t.Errorf("%s of a key prints its material: %s", format, out)
		}
		if !strings.Contains(out, k.ID().String()) {
			t.Errorf("%s of a key = %q, want its ID", format, out)
		}
	}
}

func TestKeyIDsDifferAndBytesAreCopies(t *testing.T) {
	a, _ := rootkey.FromEnv(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	b, _ := rootkey.FromEnv(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)))
	if a.ID() == b.ID() {
		t.Error("two keys share an ID")
	}
	if id := a.ID(); bytes.HasPrefix(a.Bytes(), id[:]) {
		t.Error("the ID is a prefix of the key")
	}
	bs := a.Bytes()
	bs[0] ^= 0xff
	if a.Bytes()[0] == bs[0] {
		t.Error("changing the slice from Bytes changed the key")
	}
}
