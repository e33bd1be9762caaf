package launch

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// output copies one of an environment's output pipes to the Spec's writer.
// Every read and its write happen under mu, one chunk at a time, so that sync
// can deliver everything the environment wrote before sync was called: the
// bytes still in the pipe are counted and read under the same lock.
type output struct {
	f   *os.File
	dst io.Writer

	mu  sync.Mutex // guards buf and the reads
	buf []byte
}

const outputChunk = 64 << 10

func newOutput(f *os.File, dst io.Writer) *output {
	return &output{f: f, dst: dst, buf: make([]byte, outputChunk)}
}

// run copies until the write end is closed everywhere, then closes the read end.
func (o *output) run() {
	defer o.f.Close()
	rc, err := o.f.SyscallConn()
	if err != nil {
		_, _ = io.Copy(o.dst, o.f)
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		// Drain until EAGAIN: the poller is edge-triggered.
		for {
			n, err := o.chunk(int(fd), outputChunk)
			switch {
			case errors.Is(err, unix.EAGAIN):
				return false
			case errors.Is(err, unix.EINTR):
			case err != nil || n == 0:
				return true // end of file, or a broken pipe
			}
		}
	})
}

// chunk reads at most max bytes and writes them to dst, under mu. A failing
// writer ends the copy: run closes the read end and the environment's next
// write gets EPIPE, so a writer bounds what an environment may print.
func (o *output) chunk(fd, max int) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := unix.Read(fd, o.buf[:min(max, len(o.buf))])
	if n > 0 {
		if _, werr := o.dst.Write(o.buf[:n]); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// sync delivers to dst everything written to the pipe before it was called.
func (o *output) sync() {
	rc, err := o.f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		o.mu.Lock()
		defer o.mu.Unlock()
		pending, err := unix.IoctlGetInt(int(fd), unix.TIOCINQ)
		for err == nil && pending > 0 {
			n, rerr := unix.Read(int(fd), o.buf[:min(pending, len(o.buf))])
			if n <= 0 || (rerr != nil && rerr != syscall.EINTR) {
				return
			}
			if _, err := o.dst.Write(o.buf[:n]); err != nil {
				return
			}
			pending -= n
		}
	})
}
