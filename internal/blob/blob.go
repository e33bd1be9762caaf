package blob

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sealer seals data keys under the root key; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext, associatedData []byte) []byte
	Open(sealed, associatedData []byte) ([]byte, error)
}

// Digest is the SHA-256 of a blob's plaintext.
type Digest [sha256.Size]byte

// String returns the digest in lowercase hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// Base64 returns the digest in standard base64, as Lambda's CodeSha256 has it.
func (d Digest) Base64() string { return base64.StdEncoding.EncodeToString(d[:]) }

// ParseDigest parses the hex form made by String.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(d) {
		return d, fmt.Errorf("parse digest %q: not %d hex bytes", s, len(d))
	}
	copy(d[:], b)
	return d, nil
}

// ErrNotFound is returned (wrapped) by Open and Delete for a digest that is not stored.
var ErrNotFound = errors.New("blob not found")

// ErrCorrupt is returned (wrapped) by reads of a blob file that fails authentication
// or whose plaintext does not match its digest.
var ErrCorrupt = errors.New("blob is corrupt")

const (
	magic     = "SBLB1\n"
	chunkSize = 64 << 10
	keySize   = 32
	tagSize   = 16
	nonceSize = 12
	// keyAD binds sealed data keys to this store's format.
	keyAD = "stratus/blob/v1"
)

// Store keeps blobs under one directory. It is safe for concurrent use: all state
// is in the filesystem and every write is a rename.
type Store struct {
	dir  string
	seal Sealer
	now  func() time.Time
}

// Options configures a Store.
type Options struct {
	// Dir is the blob directory (DATA_DIR/blobs); it is created if missing.
	Dir string
	// Sealer seals each blob's data key.
	Sealer Sealer
	// Now is the clock used by Sweep's grace period; nil means time.Now.
	Now func() time.Time
}

// Open returns a Store over opts.Dir, creating the directory (mode 0700).
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" || opts.Sealer == nil {
		return nil, errors.New("open blob store: dir and sealer are required")
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{dir: opts.Dir, seal: opts.Sealer, now: opts.Now}, nil
}

func (s *Store) path(d Digest) string {
	h := d.String()
	return filepath.Join(s.dir, h[:2], h)
}

// Put stores the plaintext read from r and returns its digest and size. A blob
// already stored is not written again (its file's time is refreshed so a
// concurrent Sweep's grace period protects it).
func (s *Store) Put(ctx context.Context, r io.Reader) (Digest, int64, error) {
	var d Digest
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return d, 0, fmt.Errorf("put blob: %w", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := s.encrypt(ctx, tmp, io.TeeReader(r, h))
	if err != nil {
		return d, 0, fmt.Errorf("put blob: %w", err)
	}
	copy(d[:], h.Sum(nil))
	if err := tmp.Sync(); err != nil {
		return d, 0, fmt.Errorf("put blob: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return d, 0, fmt.Errorf("put blob: %w", err)
	}
	final := s.path(d)
	if _, err := os.Stat(final); err == nil {
		now := s.now()
		if err := os.Chtimes(final, now, now); err != nil {
			return d, 0, fmt.Errorf("put blob: touch: %w", err)
		}
		os.Remove(tmp.Name())
		tmp = nil
		return d, n, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return d, 0, fmt.Errorf("put blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return d, 0, fmt.Errorf("put blob: rename: %w", err)
	}
	tmp = nil
	if err := syncDir(filepath.Dir(final)); err != nil {
		return d, 0, fmt.Errorf("put blob: %w", err)
	}
	return d, n, nil
}

// encrypt writes the header and the sealed chunks of r to w and returns the
// plaintext size.
func (s *Store) encrypt(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return 0, err
	}
	sealedKey := s.seal.Seal(key, []byte(keyAD))
	hdr := make([]byte, 0, len(magic)+2+len(sealedKey))
	hdr = append(hdr, magic...)
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(sealedKey)))
	hdr = append(hdr, sealedKey...)
	if _, err := w.Write(hdr); err != nil {
		return 0, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return 0, err
	}
	// Read one chunk ahead to know which chunk is the last.
	cur := make([]byte, chunkSize)
	next := make([]byte, chunkSize)
	out := make([]byte, 0, chunkSize+tagSize)
	n, err := io.ReadFull(r, cur)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, err
	}
	var total int64
	for i := uint64(0); ; i++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		var m int
		last := n < chunkSize
		if !last {
			m, err = io.ReadFull(r, next)
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				return 0, err
			}
			last = m == 0
		}
		out = aead.Seal(out[:0], nonce(i, last), cur[:n], nil)
		if _, err := w.Write(out); err != nil {
			return 0, err
		}
		total += int64(n)
		if last {
			return total, nil
		}
		cur, next, n = next, cur, m
	}
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// nonce is the chunk index, big-endian in 11 bytes, and 1 on the last chunk.
func nonce(i uint64, last bool) []byte {
	n := make([]byte, nonceSize)
	binary.BigEndian.PutUint64(n[3:11], i)
	if last {
		n[11] = 1
	}
	return n
}

// Has reports whether d is stored.
func (s *Store) Has(d Digest) bool {
	_, err := os.Stat(s.path(d))
	return err == nil
}

// Open returns a reader of d's plaintext. Its Read returns an error wrapping
// ErrCorrupt if the file was tampered with, at the latest at the end of the
// plaintext, so read to io.EOF before trusting what was read. Returns an error
// wrapping ErrNotFound if d is not stored.
func (s *Store) Open(d Digest) (io.ReadCloser, error) {
	f, err := os.Open(s.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	rd, err := s.reader(f, d)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return rd, nil
}

// ReadAll returns d's whole plaintext, verified.
func (s *Store) ReadAll(d Digest) ([]byte, error) {
	rc, err := s.Open(d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (s *Store) reader(f *os.File, d Digest) (*reader, error) {
	hdr := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(f, hdr); err != nil || string(hdr[:len(magic)]) != magic {
		return nil, fmt.Errorf("header: %w", ErrCorrupt)
	}
	sealedKey := make([]byte, binary.BigEndian.Uint16(hdr[len(magic):]))
	if _, err := io.ReadFull(f, sealedKey); err != nil {
		return nil, fmt.Errorf("header: %w", ErrCorrupt)
	}
	key, err := s.seal.Open(sealedKey, []byte(keyAD))
	if err != nil {
		return nil, fmt.Errorf("data key: %w: %w", ErrCorrupt, err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &reader{f: f, aead: aead, want: d, h: sha256.New(), buf: make([]byte, chunkSize+tagSize+1)}, nil
}

// reader decrypts a blob file chunk by chunk.
type reader struct {
	f    *os.File
	aead cipher.AEAD
	want Digest
	h    hash.Hash
	i    uint64
	buf  []byte // chunkSize+tagSize+1: a full chunk plus one byte to tell whether more follows
	have int    // bytes of buf read ahead from f
	out  bytes.Reader
	done bool
	err  error
}

func (r *reader) Read(p []byte) (int, error) {
	for r.out.Len() == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	return r.out.Read(p)
}

// next decrypts the next chunk into out.
func (r *reader) next() error {
	n, err := io.ReadFull(r.f, r.buf[r.have:])
	n += r.have
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	full := chunkSize + tagSize
	last := n <= full
	c := r.buf[:min(n, full)]
	plain, err := r.aead.Open(nil, nonce(r.i, last), c, nil)
	if err != nil {
		return fmt.Errorf("chunk %d: %w", r.i, ErrCorrupt)
	}
	r.i++
	r.h.Write(plain)
	r.out.Reset(plain)
	if last {
		r.done = true
		if !bytes.Equal(r.h.Sum(nil), r.want[:]) {
			r.out.Reset(nil)
			return fmt.Errorf("digest mismatch: %w", ErrCorrupt)
		}
		return nil
	}
	// Keep the byte read ahead.
	r.buf[0] = r.buf[full]
	r.have = 1
	return nil
}

func (r *reader) Close() error { return r.f.Close() }

// Delete removes d. Returns an error wrapping ErrNotFound if it is not stored.
func (s *Store) Delete(d Digest) error {
	err := os.Remove(s.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete blob %s: %w", d, err)
	}
	return syncDir(filepath.Dir(s.path(d)))
}

// Sweep deletes every blob not in live whose file is older than grace, and
// leftover temporary files older than grace, and returns how many blobs it
// deleted. The grace period protects blobs put but not yet referenced by their
// caller's committed state.
func (s *Store) Sweep(ctx context.Context, live map[Digest]bool, grace time.Duration) (int, error) {
	cutoff := s.now().Add(-grace)
	deleted := 0
	err := filepath.WalkDir(s.dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !info.ModTime().Before(cutoff) {
			return nil
		}
		if filepath.Base(filepath.Dir(path)) == "tmp" && strings.HasPrefix(e.Name(), "put-") {
			return os.Remove(path)
		}
		d, err := ParseDigest(e.Name())
		if err != nil || live[d] {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		deleted++
		return nil
	})
	if err != nil {
		return deleted, fmt.Errorf("sweep blobs: %w", err)
	}
	return deleted, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }
