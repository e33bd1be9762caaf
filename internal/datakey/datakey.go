// Package datakey keeps the data directory's data key: a random 32-byte key
// that everything Stratus encrypts at rest is encrypted under (the store's
// pages, sealed secrets, blob data keys, the audit trail's digest signing
// key), itself kept sealed under the root key in DATA_DIR/datakey.
//
// The indirection is what makes the root key rotatable: rotating rewraps
// this one small file, not every value in the data directory. The file is
// useless without the root key, which lives outside the data directory.
//
// It is not a key store: one key, no versions; and it does no encryption
// of data itself.
package datakey

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
)

// FileName is the data key's file in the data directory.
const FileName = "datakey"

// ad binds the sealed data key to its purpose.
var ad = []byte("stratus/datakey/v1")

// ErrWrongRootKey is returned when the data key does not open with the root
// key given.
var ErrWrongRootKey = errors.New("the root key does not match the one this data directory was created with (check --root-key-file or STRATUS_ROOT_KEY)")

// Path is the data key's path in dataDir.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

// Exists reports whether dataDir has a data key.
func Exists(dataDir string) (bool, error) {
	_, err := os.Stat(Path(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Open returns dataDir's data key, opened with root.
func Open(dataDir string, root *rootkey.Key) (*rootkey.Key, error) {
	sealed, err := os.ReadFile(Path(dataDir))
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	plain, err := secret.NewBox(root).Open(sealed, ad)
	if err != nil {
		return nil, ErrWrongRootKey
	}
	defer clear(plain)
	k, err := rootkey.FromBytes(plain)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return k, nil
}

// Create makes a new data key for dataDir sealed under root; it fails if
// there is one.
func Create(dataDir string, root *rootkey.Key) (*rootkey.Key, error) {
	b := make([]byte, rootkey.Size)
	_, _ = rand.Read(b) // never fails: it crashes the program instead
	defer clear(b)
	k, err := rootkey.FromBytes(b)
	if err != nil {
		return nil, err
	}
	if err := write(dataDir, secret.NewBox(root).Seal(b, ad), false); err != nil {
		return nil, err
	}
	return k, nil
}

// Rewrap seals dataDir's data key under newRoot instead of oldRoot, by an
// atomic replace of the file: a crash leaves the old file or the new one.
func Rewrap(dataDir string, oldRoot, newRoot *rootkey.Key) error {
	k, err := Open(dataDir, oldRoot)
	if err != nil {
		return err
	}
	b := k.Bytes()
	defer clear(b)
	return write(dataDir, secret.NewBox(newRoot).Seal(b, ad), true)
}

// write stores sealed as the data key file, durably; replace allows an
// existing file to be replaced.
func write(dataDir string, sealed []byte, replace bool) error {
	path := Path(dataDir)
	tmp, err := os.CreateTemp(dataDir, ".datakey-*")
	if err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(sealed)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	if replace {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	d, err := os.Open(dataDir)
	if err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	defer d.Close()
	return d.Sync()
}

// StoreKey derives the store's page encryption key (Adiantum, 32 bytes)
// from the data key.
func StoreKey(k *rootkey.Key) []byte {
	b := k.Bytes()
	defer clear(b)
	out, err := hkdf.Key(sha256.New, b, nil, "stratus store adiantum v1", 32)
	if err != nil {
		panic(fmt.Sprintf("datakey: %v", err)) // only for lengths HKDF cannot make
	}
	return out
}
