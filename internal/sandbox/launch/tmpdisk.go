package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// tmpDisks hands out formatted ext4 image files for /tmp and attaches them to loop
// devices.
//
// Formatting a 512 MiB image with mkfs.ext4 takes about 36 ms here, far too slow for a
// cold start, but the result is almost all holes (about 400 KB of data). So each size is
// formatted once into a template, and each environment gets a sparse copy of it (only the
// data extents are copied, found with SEEK_DATA/SEEK_HOLE), which takes well under a
// millisecond. The image file is unlinked as soon as it is attached: the loop device keeps
// it alive, and the kernel frees its blocks when the environment's mount namespace goes
// away and the auto-clearing loop device detaches. Nothing remains to clean up.
type tmpDisks struct {
	dir  string // holds templates and, briefly, images being attached
	mkfs string // path of mkfs.ext4

	mu        sync.Mutex          // guards templates, seq
	templates map[int64]*template // by size
	seq       int

	loopMu sync.Mutex // serialises loop device allocation within this process

	defaultSize int64
	ready       chan *os.File // attached loop devices of defaultSize, waiting for an environment
}

type template struct {
	once sync.Once
	path string
	err  error
}

func newTmpDisks(dir string, defaultSize int64, keep int) (*tmpDisks, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tmp disks: %w", err)
	}
	mkfs, err := exec.LookPath("mkfs.ext4")
	for _, p := range []string{"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"} {
		if err == nil {
			break
		}
		if _, serr := os.Stat(p); serr == nil {
			mkfs, err = p, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tmp disks: mkfs.ext4 is needed (Debian package e2fsprogs): %w", err)
	}
	return &tmpDisks{dir: dir, mkfs: mkfs, templates: map[int64]*template{}, defaultSize: defaultSize, ready: make(chan *os.File, keep)}, nil
}

// template returns the path of a formatted image of size bytes, making it on first use.
func (d *tmpDisks) template(size int64) (string, error) {
	d.mu.Lock()
	t := d.templates[size]
	if t == nil {
		t = &template{path: filepath.Join(d.dir, "template-"+strconv.FormatInt(size, 10)+".img")}
		d.templates[size] = t
	}
	d.mu.Unlock()
	t.once.Do(func() {
		tmp := t.path + ".new"
		t.err = format(d.mkfs, tmp, size)
		if t.err == nil {
			t.err = os.Rename(tmp, t.path)
		}
		if t.err != nil {
			os.Remove(tmp)
		}
	})
	return t.path, t.err
}

// format makes an ext4 filesystem without a journal (it is scratch space that dies with
// the environment) in a new sparse file.
func format(mkfs, path string, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	out, err := exec.Command(mkfs, "-q", "-F", "-m", "0", "-O", "^has_journal",
		"-E", "lazy_itable_init=1,nodiscard", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mkfs.ext4: %w: %s", err, out)
	}
	return nil
}

// attach makes a fresh copy of the template for size, attaches it to a free loop device
// with auto-clear set, and returns the open loop device. The caller keeps it open until the
// filesystem is mounted, then closes it.
func (d *tmpDisks) attach(size int64) (*os.File, error) {
	tpl, err := d.template(size)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.seq++
	path := filepath.Join(d.dir, "tmp-"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(d.seq)+".img")
	d.mu.Unlock()
	img, err := sparseCopy(tpl, path, size)
	os.Remove(path) // the open descriptor, then the loop device, keep the file alive
	if err != nil {
		return nil, err
	}
	defer img.Close()
	return d.loop(img)
}

// sparseCopy copies only the data extents of src into a new file dst of the given size.
func sparseCopy(src, dst string, size int64) (*os.File, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := copyExtents(in, out, size); err != nil {
		out.Close()
		return nil, fmt.Errorf("copy tmp image: %w", err)
	}
	return out, nil
}

func copyExtents(in, out *os.File, size int64) error {
	if err := out.Truncate(size); err != nil {
		return err
	}
	ifd := int(in.Fd())
	var off int64
	for off < size {
		data, err := unix.Seek(ifd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) { // no data after off
			return nil
		}
		if err != nil {
			return err
		}
		hole, err := unix.Seek(ifd, data, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		if _, err := in.Seek(data, io.SeekStart); err != nil {
			return err
		}
		if _, err := out.Seek(data, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.CopyN(out, in, hole-data); err != nil {
			return err
		}
		off = hole
	}
	return nil
}

// loop attaches img to a free loop device.
func (d *tmpDisks) loop(img *os.File) (*os.File, error) {
	d.loopMu.Lock()
	defer d.loopMu.Unlock()
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("loop: %w", err)
	}
	defer ctl.Close()
	for attempt := 0; attempt < 16; attempt++ {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("loop: get free device: %w", err)
		}
		dev, err := os.OpenFile("/dev/loop"+strconv.Itoa(n), os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("loop: %w", err)
		}
		cfg := unix.LoopConfig{Fd: uint32(img.Fd())}
		cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR
		err = unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if !errors.Is(err, unix.EBUSY) { // EBUSY: another process took it first
			return nil, fmt.Errorf("loop: configure: %w", err)
		}
	}
	return nil, errors.New("loop: no free device after retries")
}

// take returns an attached loop device holding a fresh filesystem of size bytes: a
// prepared one when there is one, else one made now (about 1 ms).
func (d *tmpDisks) take(size int64) (*os.File, error) {
	if size == d.defaultSize {
		select {
		case dev := <-d.ready:
			return dev, nil
		default:
		}
	}
	return d.attach(size)
}

// fillOne prepares one default-size device if the pool has room, and reports whether it did.
func (d *tmpDisks) fillOne() bool {
	if len(d.ready) >= cap(d.ready) {
		return false
	}
	dev, err := d.attach(d.defaultSize)
	if err != nil {
		return false
	}
	select {
	case d.ready <- dev:
		return true
	default:
		dev.Close()
		return false
	}
}

// close detaches the prepared devices and removes the templates.
func (d *tmpDisks) close() error {
	for len(d.ready) > 0 {
		(<-d.ready).Close() // auto-clear detaches an unmounted device at last close
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for size, t := range d.templates {
		if err := os.Remove(t.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		delete(d.templates, size)
	}
	return errors.Join(errs...)
}
