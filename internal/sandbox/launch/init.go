package launch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/stratus-cloud/stratus/internal/sandbox/seccomp"
)

// initArg0 is the argv[0] the launcher gives the re-executed binary; Main recognises it.
const initArg0 = "stratus-sandbox-init"

// Descriptors the launcher passes to init.
const (
	configFD = 3 // read end of a pipe carrying initConfig as JSON, closed after it
	statusFD = 4 // write end of a pipe: empty at exec means success, else an error text
)

// initConfig is everything init needs to assemble the environment.
type initConfig struct {
	Root       string `json:"-"` // empty directory the root tmpfs is mounted on (passed as argv[1])
	Hostname   string
	CodeDir    string
	RuntimeDir string
	LayerDirs  []string
	LoopDev    string // block device holding the formatted /tmp filesystem
	Args       []string
	Env        []string
	Dir        string
	UID, GID   int
	NoFile     uint64
}

// Main runs the sandbox init when args (normally os.Args) say this process was started
// by a Launcher, and returns false otherwise. cmd/stratus must call it first thing in
// main, before any other work:
//
//	if launch.Main(os.Args) { return } // never returns true in practice: init execs or exits
//
// Test binaries that start environments call it from TestMain the same way.
func Main(args []string) (handled bool) {
	if len(args) == 0 || args[0] != initArg0 {
		return false
	}
	// Everything from here to execve must happen on one thread: no_new_privs, the
	// capability sets and the seccomp filter are per-thread and survive execve only on
	// the thread that calls it.
	runtime.LockOSThread()
	status := os.NewFile(statusFD, "status")
	var root string
	if len(args) > 1 {
		root = args[1]
	}
	err := runInit(root)
	fmt.Fprintf(status, "%v", err)
	os.Exit(1)
	return true
}

func runInit(root string) error {
	unix.CloseOnExec(statusFD)
	// Everything that does not depend on the Spec is done before the config arrives, so
	// that a prestarted init has it ready.
	if err := prepareRoot(root); err != nil {
		return err
	}
	if err := loopbackUp(); err != nil {
		return err
	}
	cfgFile := os.NewFile(configFD, "config")
	b, err := io.ReadAll(cfgFile)
	cfgFile.Close()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var c initConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("decode config: %w", err)
	}
	c.Root = root
	if err := finishRoot(&c); err != nil {
		return err
	}
	if err := unix.Sethostname([]byte(c.Hostname)); err != nil {
		return fmt.Errorf("sethostname: %w", err)
	}
	if err := enterRoot(&c); err != nil {
		return err
	}
	if err := dropPrivileges(&c); err != nil {
		return err
	}
	// Nothing of the launcher's may cross execve: mark every descriptor above stderr
	// close-on-exec (the status pipe included, whose closing tells the launcher exec worked).
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range: %w", err)
	}
	if err := seccomp.Install(); err != nil {
		return err
	}
	err = syscall.Exec(c.Args[0], c.Args, c.Env)
	return fmt.Errorf("exec %s: %w", c.Args[0], err)
}

// mountErr wraps a mount failure with what was being mounted.
func mount(src, dst, fstype string, flags uintptr, data string) error {
	if err := unix.Mount(src, dst, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on %s (%s): %w", src, dst, fstype, err)
	}
	return nil
}

// bindRO bind-mounts src on dst read-only, nosuid and nodev, keeping any flag the source
// mount locks (noexec, for instance).
func bindRO(src, dst string) error {
	if err := mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return err
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV)
	var st unix.Statfs_t
	if err := unix.Statfs(dst, &st); err == nil {
		if st.Flags&unix.ST_NOEXEC != 0 {
			flags |= unix.MS_NOEXEC
		}
		if st.Flags&unix.ST_NOATIME != 0 {
			flags |= unix.MS_NOATIME
		}
		if st.Flags&unix.ST_NODIRATIME != 0 {
			flags |= unix.MS_NODIRATIME
		}
		if st.Flags&unix.ST_RELATIME != 0 {
			flags |= unix.MS_RELATIME
		}
	}
	return mount("", dst, "", flags, "")
}

// hostSystemDirs are the host directories the root is assembled from. On merged-/usr
// systems (Debian 12) /bin, /lib, /lib64 and /sbin are symlinks into /usr and are
// reproduced as symlinks.
var hostSystemDirs = [...]string{"/usr", "/bin", "/sbin", "/lib", "/lib64"}

// Files generated for /etc.
func etcFiles(c *initConfig) map[string]string {
	return map[string]string{
		"passwd":        fmt.Sprintf("root:x:0:0:root:/root:/usr/sbin/nologin\nsbx_user1051:x:%d:%d::/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", c.UID, c.GID),
		"group":         fmt.Sprintf("root:x:0:\nsbx_user1051:x:%d:\nnogroup:x:65534:\n", c.GID),
		"hosts":         fmt.Sprintf("127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost\n", c.Hostname),
		"hostname":      c.Hostname + "\n",
		"nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
		"resolv.conf":   "nameserver 127.0.0.1\n",
	}
}

// prepareRoot assembles the parts of the root that are the same for every environment:
// the tmpfs root, the host's system directories, /etc's fixed files, /dev and /proc.
func prepareRoot(r string) error {
	if r == "" {
		return errors.New("no root directory given")
	}
	// Nothing done here may propagate back to the host.
	if err := mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	if err := mount("tmpfs", r, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=1m,nr_inodes=512"); err != nil {
		return err
	}
	for _, d := range []string{"etc", "dev", "proc", "tmp", "var/task", "var/runtime", "opt"} {
		if err := os.MkdirAll(filepath.Join(r, d), 0o755); err != nil {
			return err
		}
	}
	for _, d := range hostSystemDirs {
		fi, err := os.Lstat(d)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		dst := filepath.Join(r, d)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(d)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, dst); err != nil {
				return err
			}
		case fi.IsDir():
			if err := os.Mkdir(dst, 0o755); err != nil {
				return err
			}
			if err := bindRO(d, dst); err != nil {
				return err
			}
		}
	}
	etc := filepath.Join(r, "etc")
	if err := os.Symlink("/usr/share/zoneinfo/UTC", filepath.Join(etc, "localtime")); err != nil {
		return err
	}
	// The dynamic linker's cache and Debian's alternatives symlinks name only paths under
	// /usr; without them some binaries would not start.
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		if err := os.WriteFile(filepath.Join(etc, "ld.so.cache"), b, 0o644); err != nil {
			return err
		}
	}
	if fi, err := os.Stat("/etc/alternatives"); err == nil && fi.IsDir() {
		dst := filepath.Join(etc, "alternatives")
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		if err := bindRO("/etc/alternatives", dst); err != nil {
			return err
		}
	}
	if err := buildDev(filepath.Join(r, "dev")); err != nil {
		return err
	}
	return mountProc(r)
}

// finishRoot adds what the Spec decides: /etc's identity files, the code, runtime and
// layers, and /tmp.
func finishRoot(c *initConfig) error {
	r := c.Root
	etc := filepath.Join(r, "etc")
	for name, content := range etcFiles(c) {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := bindRO(c.CodeDir, filepath.Join(r, "var/task")); err != nil {
		return err
	}
	if c.RuntimeDir != "" {
		if err := bindRO(c.RuntimeDir, filepath.Join(r, "var/runtime")); err != nil {
			return err
		}
	}
	if err := mountLayers(c.LayerDirs, filepath.Join(r, "opt")); err != nil {
		return err
	}
	tmp := filepath.Join(r, "tmp")
	if err := mount(c.LoopDev, tmp, "ext4", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOATIME, "noinit_itable"); err != nil {
		return err
	}
	if err := unix.Chmod(tmp, 0o1777); err != nil {
		return fmt.Errorf("chmod /tmp: %w", err)
	}
	_ = os.Remove(filepath.Join(tmp, "lost+found"))
	return nil
}

// mountLayers merges layers at dst, later layers over earlier ones as AWS extracts them
// in order: one layer is a bind mount, several an overlay without an upper directory
// (which overlayfs makes read-only).
func mountLayers(layers []string, dst string) error {
	switch len(layers) {
	case 0:
		return nil
	case 1:
		return bindRO(layers[0], dst)
	}
	lower := make([]string, 0, len(layers))
	for i := len(layers) - 1; i >= 0; i-- { // overlayfs: leftmost lowerdir is on top
		lower = append(lower, layers[i])
	}
	return mount("overlay", dst, "overlay", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "lowerdir="+strings.Join(lower, ":"))
}

// devNodes are the only device nodes an environment gets.
var devNodes = [...]struct {
	name         string
	major, minor uint32
}{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
}

func buildDev(dev string) error {
	if err := mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64"); err != nil {
		return err
	}
	for _, n := range devNodes {
		p := filepath.Join(dev, n.name)
		if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return fmt.Errorf("mknod %s: %w", p, err)
		}
		if err := unix.Chmod(p, 0o666); err != nil { // mknod is subject to the umask
			return err
		}
	}
	pts := filepath.Join(dev, "pts")
	if err := os.Mkdir(pts, 0o755); err != nil {
		return err
	}
	if err := mount("devpts", pts, "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return err
	}
	for name, target := range map[string]string{
		"ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	return nil
}

// Paths under /proc hidden or made read-only as OCI runtimes do.
var (
	procMasked   = [...]string{"kcore", "keys", "timer_list", "sched_debug", "latency_stats", "kallsyms"}
	procReadOnly = [...]string{"sys", "sysrq-trigger", "bus", "fs", "irq", "asound", "acpi", "scsi"}
)

func mountProc(r string) error {
	proc := filepath.Join(r, "proc")
	if err := mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return err
	}
	null := filepath.Join(r, "dev/null")
	for _, p := range procMasked {
		if err := mount(null, filepath.Join(proc, p), "", unix.MS_BIND, ""); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	for _, p := range procReadOnly {
		if err := bindRO(filepath.Join(proc, p), filepath.Join(proc, p)); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	return nil
}

// loopbackUp brings up lo, the only interface of the new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback: get flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback: up: %w", err)
	}
	return nil
}

// enterRoot makes the assembled tree the root, drops the host's, seals the root read-only
// and replaces descriptors that still refer to host files.
func enterRoot(c *initConfig) error {
	if err := unix.Chdir(c.Root); err != nil {
		return err
	}
	// pivot_root(".", ".") stacks the old root under the new one; detaching "." then
	// removes the old root without needing a directory for it.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := mount("", "/", "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return err
	}
	dir := c.Dir
	if dir == "" {
		dir = "/var/task"
	}
	if err := unix.Chdir(dir); err != nil {
		return fmt.Errorf("chdir %s: %w", dir, err)
	}
	null, err := unix.Open("/dev/null", unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	if err := unix.Dup2(null, 0); err != nil {
		return err
	}
	return unix.Close(null)
}

// dropPrivileges sets the limits, clears every capability set and switches to the
// unprivileged identity.
func dropPrivileges(c *initConfig) error {
	for _, l := range []struct {
		res int
		v   uint64
	}{{unix.RLIMIT_NOFILE, c.NoFile}, {unix.RLIMIT_CORE, 0}} {
		// syscall.Setrlimit, not unix: it tells the runtime not to restore its own
		// RLIMIT_NOFILE at exec.
		if err := syscall.Setrlimit(l.res, &syscall.Rlimit{Cur: l.v, Max: l.v}); err != nil {
			return fmt.Errorf("setrlimit %d: %w", l.res, err)
		}
	}
	for capability := 0; ; capability++ {
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(capability), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break
		}
		if err != nil {
			return fmt.Errorf("drop bounding capability %d: %w", capability, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setresgid(c.GID, c.GID, c.GID); err != nil {
		return fmt.Errorf("setresgid: %w", err)
	}
	if err := syscall.Setresuid(c.UID, c.UID, c.UID); err != nil {
		return fmt.Errorf("setresuid: %w", err)
	}
	// A non-root uid clears the permitted and effective sets; clear the inheritable set too.
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	// Changing credentials cleared the parent-death signal; the environment must still die
	// with the launcher.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("set parent-death signal: %w", err)
	}
	return nil
}
