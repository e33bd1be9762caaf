// Package crashtest simulates power loss under SQLite for tests: a VFS that
// keeps what fsync made durable and can drop everything else. It is for
// tests of the store and of what is built on it (queues that promise not to
// lose what they acknowledged), never for production.
package crashtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ncruces/go-sqlite3/vfs"
)

// VFS is a SQLite VFS over the operating system's that can simulate a
// power loss. Writes reach the real files at once, so that SQLite, its
// locks and its shared memory behave as usual, but VFS also keeps, per
// file, the image that an fsync has made durable and the writes made since.
// PowerOff (or the write chosen by CutAfterWrites) makes every later file
// operation fail; Restore then puts on disk
// what a machine would find after the power came back: the durable images,
// plus (if asked) a random subset of the writes that were never synced.
//
// Simplifications, each on the lenient side of a real disk but not for the
// database: a write is lost or kept whole (SQLite's pages are the unit it
// writes, and it checksums WAL frames, so torn pages are its own problem);
// a file's directory entry becomes durable with its first sync (SQLite
// syncs the directory of a new WAL; Open syncs that of a new database);
// deletions are durable at once. The WAL index (-shm) is not tracked: SQLite
// rebuilds it from the WAL whenever the first connection opens the database.
type VFS struct {
	base vfs.VFSFilename

	mu    sync.Mutex
	files map[string]*crashState // by path; guarded by mu
	off   bool                   // guarded by mu; the power is off
	// unsynced counts, at PowerOff, the writes and truncations that no sync
	// had made durable.
	unsynced int           // guarded by mu
	writes   int           // guarded by mu; writes to tracked files so far
	cutAfter int           // guarded by mu; if > 0, the power fails right after this write
	down     chan struct{} // closed when the power goes off
}

// crashState is what the disk holds of one file.
type crashState struct {
	exists  bool      // the file survives a power loss
	image   []byte    // its content as of the last sync
	pending []crashOp // changes since, in order
	writes  int       // all writes to the file, for the tests' logs
}

// crashOp is a write (data at off) or a truncation (to size).
type crashOp struct {
	off      int64
	data     []byte
	truncate bool
}

var errPowerOff = errors.New("crashvfs: the power is off")

// New returns a VFS over the operating system's, with the power on.
func New() *VFS {
	return &VFS{
		base:  vfs.Find("").(vfs.VFSFilename),
		files: map[string]*crashState{},
		down:  make(chan struct{}),
	}
}

// Down is closed when the power goes off.
func (c *VFS) Down() <-chan struct{} { return c.down }

// Unsynced counts, once the power is off, the writes and truncations no sync
// made durable.
func (c *VFS) Unsynced() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unsynced
}

// CutAfterWrites arranges for the power to fail right after the n-th write
// to a tracked file: the write reaches the page cache, nothing after it does.
func (c *VFS) CutAfterWrites(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cutAfter = n
}

func (c *VFS) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, flags, err := c.base.Open(name, flags)
	if err != nil {
		return nil, flags, err
	}
	return &crashFile{File: f, vfs: c}, flags, nil
}

func (c *VFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return nil, flags, errPowerOff
	}
	path := name.String()
	if path != "" && c.files[path] == nil {
		// A file that is on disk before we see it is taken as durable.
		st := &crashState{}
		if b, err := os.ReadFile(path); err == nil {
			st.exists, st.image = true, b
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, flags, err
		}
		c.files[path] = st
	}
	f, flags, err := c.base.OpenFilename(name, flags)
	if err != nil {
		return nil, flags, err
	}
	return &crashFile{File: f, vfs: c, path: path}, flags, nil
}

func (c *VFS) Delete(name string, syncDir bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return errPowerOff
	}
	if err := c.base.Delete(name, syncDir); err != nil {
		return err
	}
	if st := c.files[name]; st != nil {
		*st = crashState{writes: st.writes}
	}
	return nil
}

func (c *VFS) Access(name string, flags vfs.AccessFlag) (bool, error) {
	return c.base.Access(name, flags)
}

func (c *VFS) FullPathname(name string) (string, error) {
	return c.base.FullPathname(name)
}

// PowerOff cuts the power: from now on every file operation fails, and
// nothing more reaches the disk.
func (c *VFS) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powerOffLocked()
}

func (c *VFS) powerOffLocked() {
	if c.off {
		return
	}
	c.off = true
	for _, st := range c.files {
		c.unsynced += len(st.pending)
	}
	close(c.down)
}

// Writes reports how many writes each tracked file has had, by base name.
func (c *VFS) Writes() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := map[string]int{}
	for path, st := range c.files {
		w[filepath.Base(path)] = st.writes
	}
	return w
}

// Restore writes to disk what survives the power loss: each file's durable
// image, plus the unsynced changes for which keep returns true (in their
// order). Call it after closing everything that used the VFS.
func (c *VFS) Restore(keep func() bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.off {
		return errors.New("crashvfs: restore with the power on")
	}
	for path, st := range c.files {
		if !st.exists {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			continue
		}
		img := st.image
		for _, op := range st.pending {
			if keep() {
				img = op.apply(img)
			}
		}
		if err := os.WriteFile(path, img, 0o644); err != nil {
			return fmt.Errorf("crashvfs: restore %s: %w", path, err)
		}
	}
	return nil
}

// apply returns img with op applied; it may reuse img's memory.
func (op crashOp) apply(img []byte) []byte {
	if op.truncate {
		if op.off <= int64(len(img)) {
			return img[:op.off]
		}
		return append(img, make([]byte, op.off-int64(len(img)))...)
	}
	if end := op.off + int64(len(op.data)); end > int64(len(img)) {
		img = append(img, make([]byte, end-int64(len(img)))...)
	}
	copy(img[op.off:], op.data)
	return img
}

// crashFile is one open file of a VFS. Files without a path (SQLite's
// temporary files) are not tracked: nothing of them survives a restart.
type crashFile struct {
	vfs.File
	vfs  *VFS
	path string
}

func (f *crashFile) state() *crashState {
	if f.path == "" {
		return nil
	}
	return f.vfs.files[f.path]
}

func (f *crashFile) ReadAt(p []byte, off int64) (int, error) {
	f.vfs.mu.Lock()
	defer f.vfs.mu.Unlock()
	if f.vfs.off {
		return 0, errPowerOff
	}
	return f.File.ReadAt(p, off)
}

func (f *crashFile) WriteAt(p []byte, off int64) (int, error) {
	f.vfs.mu.Lock()
	defer f.vfs.mu.Unlock()
	if f.vfs.off {
		return 0, errPowerOff
	}
	n, err := f.File.WriteAt(p, off)
	if st := f.state(); st != nil && n > 0 {
		st.pending = append(st.pending, crashOp{off: off, data: append([]byte(nil), p[:n]...)})
		st.writes++
		f.vfs.writes++
		if f.vfs.writes == f.vfs.cutAfter {
			f.vfs.powerOffLocked()
		}
	}
	return n, err
}

func (f *crashFile) Truncate(size int64) error {
	f.vfs.mu.Lock()
	defer f.vfs.mu.Unlock()
	if f.vfs.off {
		return errPowerOff
	}
	err := f.File.Truncate(size)
	if st := f.state(); st != nil && err == nil {
		st.pending = append(st.pending, crashOp{off: size, truncate: true})
	}
	return err
}

// Sync makes every change to the file durable, whichever handle made it:
// fsync is per file, not per descriptor.
func (f *crashFile) Sync(flags vfs.SyncFlag) error {
	f.vfs.mu.Lock()
	defer f.vfs.mu.Unlock()
	if f.vfs.off {
		return errPowerOff
	}
	if err := f.File.Sync(flags); err != nil {
		return err
	}
	if st := f.state(); st != nil {
		for _, op := range st.pending {
			st.image = op.apply(st.image)
		}
		st.pending = nil
		st.exists = true
	}
	return nil
}

func (f *crashFile) Size() (int64, error) {
	f.vfs.mu.Lock()
	defer f.vfs.mu.Unlock()
	if f.vfs.off {
		return 0, errPowerOff
	}
	return f.File.Size()
}

// SharedMemory passes the WAL index through: without it SQLite would refuse
// WAL mode with more than one connection.
func (f *crashFile) SharedMemory() vfs.SharedMemory {
	if shm, ok := f.File.(vfs.FileSharedMemory); ok {
		return shm.SharedMemory()
	}
	return nil
}

var (
	_ vfs.VFSFilename      = (*VFS)(nil)
	_ vfs.FileSharedMemory = (*crashFile)(nil)
)
