package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/ncruces/go-sqlite3/driver"
	// The "adiantum" VFS (page encryption) for Options.Key.
	_ "github.com/ncruces/go-sqlite3/vfs/adiantum"
)

// EncryptingVFS is the SQLite VFS an Options.Key opens the database with.
// Adiantum rather than AES-XTS: on this code path (Go, no AES-XTS
// assembly) it costs less per page, and pages are decrypted at every read
// after another connection's write.
const EncryptingVFS = "adiantum"

// KeySize is the size of an Options.Key (Adiantum's key).
const KeySize = 32

// plainHeader starts every SQLite database file that is not encrypted.
var plainHeader = []byte("SQLite format 3\x00")

// encryptInPlace turns the plaintext database at path, if there is one, into
// an encrypted one under key: VACUUM INTO a new encrypted file (a consistent
// copy, WAL included), then the new file replaces the old, durably. A crash
// before the rename leaves the plaintext database as it was.
func encryptInPlace(ctx context.Context, path string, key []byte) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	head := make([]byte, len(plainHeader))
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || !bytes.Equal(head, plainHeader) {
		return nil // empty, or already encrypted
	}
	tmp := path + ".encrypting"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	src, err := driver.Open((&url.URL{Scheme: "file", OmitHost: true, Path: path}).String())
	if err != nil {
		return fmt.Errorf("encrypt database: %w", err)
	}
	q := url.Values{}
	q.Set("vfs", EncryptingVFS)
	q.Set("hexkey", hex.EncodeToString(key))
	dst := (&url.URL{Scheme: "file", OmitHost: true, Path: tmp, RawQuery: q.Encode()}).String()
	_, err = src.ExecContext(ctx, `VACUUM INTO ?`, dst)
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("encrypt database: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("encrypt database: %w", err)
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("encrypt database: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
