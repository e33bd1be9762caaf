package secret_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

func testKey(t *testing.T, fill byte) *rootkey.Key {
	t.Helper()
	k, err := rootkey.FromEnv(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, rootkey.Size)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	box := secret.NewBox(testKey(t, 1))
	cases := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"an access key secret round-trips", []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), []byte("iam/accesskey/AKIAIOSFODNN7EXAMPLE")},
		{"an empty plaintext round-trips", []byte{}, []byte("row")},
		{"a value without associated data round-trips", []byte("x"), nil},
		{"a 1 MiB value round-trips", bytes.Repeat([]byte{7}, 1<<20), []byte("big")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sealed := box.Seal(c.plaintext, c.ad)
			if len(sealed) != len(c.plaintext)+secret.Overhead {
				t.Errorf("sealed length %d, want %d", len(sealed), len(c.plaintext)+secret.Overhead)
			}
			if len(c.plaintext) > 8 && bytes.Contains(sealed, c.plaintext[:8]) {
				t.Error("the sealed value contains the plaintext")
			}
			got, err := box.Open(sealed, c.ad)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if !bytes.Equal(got, c.plaintext) {
				t.Error("opened value differs from the plaintext")
			}
		})
	}
}

func TestSealUsesAFreshNonceEachTime(t *testing.T) {
	box := secret.NewBox(testKey(t, 1))
	a := box.Seal([]byte("same"), []byte("row"))
	b := box.Seal([]byte("same"), []byte("row"))
	if bytes.Equal(a, b) {
		t.Error("sealing the same value twice gave the same bytes")
	}
}

func TestOpenRejects(t *testing.T) {
	key := testKey(t, 1)
	box := secret.NewBox(key)
	ad := []byte("iam/accesskey/AKIA1")
	sealed := box.Seal([]byte("secret value"), ad)

	t.Run("every single flipped bit is detected", func(t *testing.T) {
		for i := range sealed {
			for bit := range 8 {
				bad := bytes.Clone(sealed)
				bad[i] ^= 1 << bit
				if _, err := box.Open(bad, ad); err == nil {
					t.Fatalf("a flip of bit %d of byte %d went unnoticed", bit, i)
				}
			}
		}
	})

	cases := []struct {
		name   string
		box    *secret.Box
		sealed []byte
		ad     []byte
		want   error
	}{
		{"other associated data is an auth failure", box, sealed, []byte("iam/accesskey/AKIA2"), secret.ErrAuth},
		{"missing associated data is an auth failure", box, sealed, nil, secret.ErrAuth},
		{"another root key is an unknown key", secret.NewBox(testKey(t, 2)), sealed, ad, secret.ErrUnknownKey},
		{"a truncated value is malformed", box, sealed[:secret.Overhead-1], ad, secret.ErrMalformed},
		{"an empty value is malformed", box, nil, ad, secret.ErrMalformed},
		{"an unknown version is malformed", box, append([]byte{9}, sealed[1:]...), ad, secret.ErrMalformed},
		{"a value cut short of its tag is an auth failure", box, sealed[:len(sealed)-1], ad, secret.ErrAuth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.box.Open(c.sealed, c.ad)
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v, want %v", err, c.want)
			}
			if got != nil {
				t.Error("a rejected value returned plaintext")
			}
		})
	}

	t.Run("another key posing under this key's ID fails authentication", func(t *testing.T) {
		other := secret.NewBox(testKey(t, 2)).Seal([]byte("secret value"), ad)
		id := key.ID()
		copy(other[1:], id[:])
		if _, err := box.Open(other, ad); !errors.Is(err, secret.ErrAuth) {
			t.Errorf("error = %v, want ErrAuth", err)
		}
	})
}

// TestStoredSecretsLeaveNoPlaintextOnDisk writes sealed secrets through the
// store and searches every file of the database for the plaintexts, both
// while the WAL holds them and after Close has checkpointed them.
func TestStoredSecretsLeaveNoPlaintextOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "stratus.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Migrate(ctx, "secrettest", []store.Migration{{Version: 1, SQL: `
		CREATE TABLE secrettest_keys (id TEXT PRIMARY KEY, sealed BLOB NOT NULL)`}})
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(testKey(t, 3))
	plaintexts := map[string][]byte{}
	sealed := map[string][]byte{}
	for _, id := range []string{"AKIAONE", "AKIATWO", "AKIATHREE"} {
		plaintexts[id] = []byte("PLAINTEXT-SECRET-" + id + "-wJalrXUtnFEMI/K7MDENG")
		sealed[id] = box.Seal(plaintexts[id], []byte("iam/accesskey/"+id))
		err := st.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO secrettest_keys (id, sealed) VALUES (?, ?)`, id, sealed[id])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	search := func(when string) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "stratus.db*"))
		var all []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		for id, p := range plaintexts {
			if bytes.Contains(all, p) || bytes.Contains(all, []byte(strings.TrimPrefix(string(p), "PLAINTEXT-"))) {
				t.Errorf("%s: plaintext of %s found in %v", when, id, files)
			}
			// The control: the sealed bytes are there, so the search can see
			// what the store wrote.
			if !bytes.Contains(all, sealed[id]) {
				t.Errorf("%s: sealed value of %s not found in %v", when, id, files)
			}
		}
	}
	search("with the store open")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	search("after close")

	// And the values still open from the database.
	st, err = store.Open(ctx, store.Options{Path: filepath.Join(dir, "stratus.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(ctx, func(tx *store.Tx) error {
		for id, p := range plaintexts {
			var b []byte
			if err := tx.QueryRow(ctx, `SELECT sealed FROM secrettest_keys WHERE id = ?`, id).Scan(&b); err != nil {
				return err
			}
			got, err := box.Open(b, []byte("iam/accesskey/"+id))
			if err != nil {
				return err
			}
			if !bytes.Equal(got, p) {
				t.Errorf("%s opened to another value", id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzOpen feeds Open arbitrary bytes: it must reject them without
// panicking, unless they are a value the box sealed.
func FuzzOpen(f *testing.F) {
	key, err := rootkey.FromEnv(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{4}, rootkey.Size)))
	if err != nil {
		f.Fatal(err)
	}
	box := secret.NewBox(key)
	sealed := box.Seal([]byte("seed secret"), []byte("row"))
	f.Add(sealed, []byte("row"))
	f.Add(sealed[:secret.Overhead], []byte("row"))
	f.Add([]byte{}, []byte{})
	f.Add(append([]byte{1}, bytes.Repeat([]byte{0}, 40)...), []byte("row"))
	f.Fuzz(func(t *testing.T, data, ad []byte) {
		plain, err := box.Open(data, ad)
		// (Fuzzing workers seal their own seed, under another nonce: any
		// seal of the seed plaintext with its associated data may open.)
		if err == nil && !(bytes.Equal(ad, []byte("row")) && string(plain) == "seed secret") {
			t.Fatalf("opened bytes the box never sealed: %x", data)
		}
	})
}

func TestABoxOpensWhatItsOlderKeysSealed(t *testing.T) {
	oldKey, newKey := rootkey.Generate(), rootkey.Generate()
	ad := []byte("row")
	sealedOld := secret.NewBox(oldKey).Seal([]byte("before"), ad)
	b := secret.NewBox(newKey, oldKey)
	got, err := b.Open(sealedOld, ad)
	if err != nil || string(got) != "before" {
		t.Fatalf("open a value of the older key: %q, %v", got, err)
	}
	sealedNew := b.Seal([]byte("after"), ad)
	if _, err := secret.NewBox(oldKey).Open(sealedNew, ad); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("the box sealed under the older key (open with it: %v)", err)
	}
	if got, err := secret.NewBox(newKey).Open(sealedNew, ad); err != nil || string(got) != "after" {
		t.Fatalf("open with the new key: %q, %v", got, err)
	}
}
