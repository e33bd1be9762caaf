// Package rootkey holds Stratus's root key: the 32-byte secret that every
// secret at rest is sealed under (see internal/secret), kept outside the
// data directory so that a copy of the data directory alone reveals nothing.
//
// It loads the key from a file (creating it on first start) or from a base64
// value that main reads from the environment. It is not a key store: it does
// no encryption itself, keeps one key, and never writes a key anywhere but
// the file it was asked to create. Rotation replaces the root key with a new
// one and rewraps the data directory's data key (internal/datakey) under it.
package rootkey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Size is the length of a root key in bytes (AES-256).
const Size = 32

// IDSize is the length of a key ID in bytes.
const IDSize = 8

// ID names a key without revealing it: the first IDSize bytes of
// SHA-256("stratus root key id\x00" || key).
type ID [IDSize]byte

func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Key is a root key. Its String and GoString show only its ID, so that
// logging a Key by mistake does not leak it.
type Key struct {
	secret [Size]byte
	id     ID
}

func newKey(b []byte) *Key {
	k := &Key{}
	copy(k.secret[:], b)
	sum := sha256.Sum256(append([]byte("stratus root key id\x00"), b...))
	copy(k.id[:], sum[:IDSize])
	return k
}

// ID returns the key's ID.
func (k *Key) ID() ID { return k.id }

// Bytes returns a copy of the key material, for building a cipher. Never
// log, store or send it.
func (k *Key) Bytes() []byte {
	b := make([]byte, Size)
	copy(b, k.secret[:])
	return b
}

func (k *Key) String() string   { return "rootkey.Key(id=" + k.id.String() + ")" }
func (k *Key) GoString() string { return k.String() }

// LoadOrCreate reads the root key from the file at path, which must hold
// exactly Size raw bytes and must not be readable or writable by group or
// others. If the file does not exist, LoadOrCreate creates it with a new
// random key, mode 0600, creating its directory with mode 0700 if needed. It
// never replaces an existing file.
func LoadOrCreate(path string) (*Key, error) {
	k, err := load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := create(path); err != nil {
		return nil, err
	}
	return load(path)
}

// load reads and checks the key file.
func load(path string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("root key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("root key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("root key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("root key file %s has mode %04o: it must not be accessible by group or others (chmod 600 it)", path, perm)
	}
	if fi.Size() != Size {
		return nil, fmt.Errorf("root key file %s holds %d bytes, want %d", path, fi.Size(), Size)
	}
	// Read one byte more than a key, to notice a file that grew since Stat.
	b, err := io.ReadAll(io.LimitReader(f, Size+1))
	if err != nil {
		return nil, fmt.Errorf("root key: read %s: %w", path, err)
	}
	if len(b) != Size {
		return nil, fmt.Errorf("root key file %s holds %d bytes, want %d", path, len(b), Size)
	}
	return newKey(b), nil
}

// create writes a new random key to path, durably, unless a file is already
// there (another process may have won the race: then that key is the key).
func create(path string) error {
	b := make([]byte, Size)
	_, _ = rand.Read(b) // never fails: it crashes the program instead (Go 1.24+)
	return writeKeyFile(path, b)
}

// writeKeyFile writes b to path unless a file is already there, durably.
func writeKeyFile(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".rootkey-*")
	if err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600; write, sync, then link it into place:
	// the key file appears whole or not at all.
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("root key: write %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("root key: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("root key: sync %s: %w", dir, err)
	}
	return nil
}

// FromBytes returns the key made of b (Size bytes), e.g. a data key.
func FromBytes(b []byte) (*Key, error) {
	if len(b) != Size {
		return nil, fmt.Errorf("key of %d bytes, want %d", len(b), Size)
	}
	return newKey(b), nil
}

// Generate returns a new random key.
func Generate() *Key {
	b := make([]byte, Size)
	_, _ = rand.Read(b) // never fails: it crashes the program instead (Go 1.24+)
	defer clear(b)
	return newKey(b)
}

// WriteNew writes k to a new file at path (mode 0600), durably; it fails if
// the file exists. It is how a rotation hands the operator the new key.
func WriteNew(path string, k *Key) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("root key: %s exists", path)
	}
	if err := writeKeyFile(path, k.secret[:]); err != nil {
		return err
	}
	got, err := load(path)
	if err != nil {
		return err
	}
	if got.id != k.id {
		return fmt.Errorf("root key: %s holds another key (written concurrently?)", path)
	}
	return nil
}

// FromEnv decodes a root key given as standard base64 (padded or not) of
// Size bytes, as main reads it from an environment variable. Errors never
// include the value.
func FromEnv(value string) (*Key, error) {
	value = strings.TrimSpace(value)
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(value)
	}
	if err != nil {
		return nil, errors.New("root key from environment: not valid base64")
	}
	if len(b) != Size {
		return nil, fmt.Errorf("root key from environment: decodes to %d bytes, want %d", len(b), Size)
	}
	return newKey(b), nil
}
