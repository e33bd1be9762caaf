package dataplane

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/stratus-cloud/stratus/internal/blob"
)

// codeCache keeps extracted code and layer zips as directories named by the
// zip's digest. Extraction happens once per digest, into a temporary
// directory renamed into place, so a directory that exists is complete.
// Modes are normalized as Lambda requires (files world-readable, directories
// and executables world-executable) because environments read them as an
// unprivileged user.
type codeCache struct {
	dir     string
	extract func(ctx context.Context, d blob.Digest, dir string) error

	mu      sync.Mutex // guards pending
	pending map[blob.Digest]*extraction
}

type extraction struct {
	done chan struct{}
	err  error
}

// newCodeCache empties dir (the cache does not outlive a server run: extracted
// code is plaintext) and returns a cache over it.
func newCodeCache(dir string, extract func(ctx context.Context, d blob.Digest, dir string) error) (*codeCache, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("code cache: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("code cache: %w", err)
	}
	return &codeCache{dir: dir, extract: extract, pending: map[blob.Digest]*extraction{}}, nil
}

// path returns the directory holding d's files, extracting it first if needed.
func (c *codeCache) path(ctx context.Context, d blob.Digest) (string, error) {
	p := filepath.Join(c.dir, d.String())
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	c.mu.Lock()
	x, running := c.pending[d]
	if !running {
		x = &extraction{done: make(chan struct{})}
		c.pending[d] = x
	}
	c.mu.Unlock()
	if running {
		select {
		case <-x.done:
			return p, x.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	x.err = c.fill(ctx, d, p)
	c.mu.Lock()
	delete(c.pending, d)
	c.mu.Unlock()
	close(x.done)
	return p, x.err
}

func (c *codeCache) fill(ctx context.Context, d blob.Digest, p string) error {
	if _, err := os.Stat(p); err == nil {
		return nil // another extraction finished between the check and the claim
	}
	tmp, err := os.MkdirTemp(c.dir, ".extract-")
	if err != nil {
		return fmt.Errorf("code cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := c.extract(ctx, d, tmp); err != nil {
		return err
	}
	if err := normalizeModes(tmp); err != nil {
		return fmt.Errorf("code cache: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("code cache: %w", err)
	}
	return nil
}

// normalizeModes makes every file readable and every directory and executable
// file traversable by all, without ever adding write permission.
func normalizeModes(root string) error {
	return filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := de.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm()&^0o022 | 0o444
		if de.IsDir() || mode&0o111 != 0 {
			mode |= 0o555
		}
		return os.Chmod(p, mode)
	})
}
