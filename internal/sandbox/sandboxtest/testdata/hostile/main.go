// Command hostile tries to break out of an execution environment. The conformance suite
// builds it, mounts it as the function's code, and runs one subcommand per attack. Each
// attack prints "contained: ..." lines and exits 0 when every attempt failed, or prints
// "ESCAPED: ..." and exits 1.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

var escaped bool

func expectFail(what string, err error) {
	if err == nil {
		escaped = true
		fmt.Printf("ESCAPED: %s succeeded\n", what)
		return
	}
	fmt.Printf("contained: %s: %v\n", what, err)
}

func escape(format string, args ...any) {
	escaped = true
	fmt.Printf("ESCAPED: "+format+"\n", args...)
}

func errno(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func raw(nr uintptr, a ...uintptr) error {
	var args [6]uintptr
	copy(args[:], a)
	_, _, e := syscall.RawSyscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5])
	return errno(e)
}

func writeFile(p, s string) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(s)
	return err
}

func main() {
	if len(os.Args) < 2 {
		fmt.Println("usage: hostile attack [args]")
		os.Exit(2)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "namespaces":
		for _, f := range []struct {
			name string
			flag int
		}{{"user", syscall.CLONE_NEWUSER}, {"mount", syscall.CLONE_NEWNS}, {"net", syscall.CLONE_NEWNET}, {"pid", syscall.CLONE_NEWPID}, {"uts", syscall.CLONE_NEWUTS}} {
			expectFail("unshare "+f.name, syscall.Unshare(f.flag))
			expectFail("clone with new "+f.name+" namespace", raw(syscall.SYS_CLONE, uintptr(f.flag)|uintptr(syscall.SIGCHLD)))
		}
		for _, ns := range []string{"mnt", "net", "pid", "user"} {
			fd, err := syscall.Open("/proc/self/ns/"+ns, syscall.O_RDONLY, 0)
			if err != nil {
				fmt.Printf("contained: open ns %s: %v\n", ns, err)
				continue
			}
			expectFail("setns "+ns, raw(308 /* setns */, uintptr(fd), 0))
		}
	case "mount":
		os.Mkdir("/tmp/m", 0o755)
		expectFail("mount tmpfs", syscall.Mount("tmpfs", "/tmp/m", "tmpfs", 0, ""))
		expectFail("mount proc", syscall.Mount("proc", "/tmp/m", "proc", 0, ""))
		expectFail("mount cgroup", syscall.Mount("cgroup", "/tmp/m", "cgroup", 0, "memory"))
		expectFail("bind mount /", syscall.Mount("/", "/tmp/m", "", syscall.MS_BIND, ""))
		expectFail("remount / read-write", syscall.Mount("", "/", "", syscall.MS_REMOUNT, ""))
		expectFail("umount /proc", syscall.Unmount("/proc", syscall.MNT_DETACH))
		expectFail("pivot_root", raw(syscall.SYS_PIVOT_ROOT, ptr("/tmp"), ptr("/tmp/m")))
		expectFail("fsopen", raw(430 /* fsopen */, ptr("tmpfs"), 0))
		expectFail("open_tree", raw(428 /* open_tree */, uintptr(^uint(0)>>32<<32|0xffffff9c), ptr("/"), 0))
		expectFail("chroot", syscall.Chroot("/tmp"))
	case "cgroup":
		for _, p := range []string{"/sys/fs/cgroup/release_agent", "/sys/fs/cgroup/memory/release_agent",
			"/sys/fs/cgroup/notify_on_release", "/sys/fs/cgroup/memory/notify_on_release", "/sys/fs/cgroup/cgroup.procs"} {
			expectFail("write "+p, writeFile(p, "1"))
		}
		if _, err := os.Stat("/sys"); err == nil {
			escape("/sys is mounted")
		}
	case "proc":
		for _, p := range []string{"/proc/sys/kernel/hostname", "/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"} {
			expectFail("write "+p, writeFile(p, "1"))
		}
		for _, p := range []string{"/proc/kcore", "/proc/kallsyms", "/proc/keys"} {
			if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
				escape("read %d bytes of %s", len(b), p)
			}
		}
	case "trace":
		expectFail("ptrace attach to 1", raw(syscall.SYS_PTRACE, syscall.PTRACE_ATTACH, 1))
		expectFail("ptrace seize of parent", raw(syscall.SYS_PTRACE, 0x4206, uintptr(os.Getppid())))
		expectFail("ptrace traceme", raw(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME))
		buf := make([]byte, 8)
		local := syscall.Iovec{Base: &buf[0], Len: 8}
		remote := syscall.Iovec{Base: &buf[0], Len: 8}
		expectFail("process_vm_readv of 1", raw(310, 1, uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0))
		expectFail("process_vm_readv of self", raw(310, uintptr(os.Getpid()), uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0))
		expectFail("process_vm_writev of 1", raw(311, 1, uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0))
		if b, err := os.ReadFile("/proc/1/mem"); err == nil && len(b) > 0 {
			escape("read /proc/1/mem")
		}
	case "kernel":
		for _, c := range []struct {
			name string
			nr   uintptr
			args []uintptr
		}{
			{"init_module", 175, []uintptr{ptr("x"), 1, ptr("")}},
			{"finit_module", 313, []uintptr{0, ptr(""), 0}},
			{"delete_module", 176, []uintptr{ptr("loop"), 0}},
			{"kexec_load", 246, []uintptr{0, 0, 0, 0}},
			{"kexec_file_load", 320, []uintptr{0, 0, 0, ptr(""), 0}},
			{"bpf", 321, []uintptr{5 /* BPF_PROG_LOAD */, 0, 0}},
			{"perf_event_open", 298, []uintptr{0, 0, ^uintptr(0), ^uintptr(0), 0}},
			{"keyctl", 250, []uintptr{0 /* GET_KEYRING_ID */, ^uintptr(3) + 1, 0}},
			{"add_key", 248, []uintptr{ptr("user"), ptr("k"), ptr("v"), 1, ^uintptr(1) + 1}},
			{"request_key", 249, []uintptr{ptr("user"), ptr("k"), 0, 0}},
			{"open_by_handle_at", 304, []uintptr{uintptr(^uint(0)>>32<<32 | 0xffffff9c), 0, 0}},
			{"name_to_handle_at", 303, []uintptr{uintptr(^uint(0)>>32<<32 | 0xffffff9c), ptr("/"), 0, 0, 0}},
			{"userfaultfd", 323, []uintptr{0}},
			{"reboot", syscall.SYS_REBOOT, []uintptr{0xfee1dead, 672274793, 0x4321fedc}},
			{"swapon", syscall.SYS_SWAPON, []uintptr{ptr("/tmp/x"), 0}},
			{"syslog", syscall.SYS_SYSLOG, []uintptr{3, 0, 0}},
		} {
			expectFail(c.name, raw(c.nr, c.args...))
		}
	case "dev":
		allowed := map[string]bool{"/dev/null": true, "/dev/zero": true, "/dev/full": true, "/dev/random": true,
			"/dev/urandom": true, "/dev/tty": true, "/dev/pts/ptmx": true}
		filepath.WalkDir("/dev", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.Type()&(fs.ModeDevice|fs.ModeCharDevice) != 0 && !allowed[p] {
				escape("device node %s", p)
			}
			if d.Type()&(fs.ModeSocket|fs.ModeNamedPipe) != 0 {
				escape("special file %s", p)
			}
			return nil
		})
		expectFail("mknod char device", syscall.Mknod("/tmp/mem", syscall.S_IFCHR|0o666, 1<<8|1))
		expectFail("mknod block device", syscall.Mknod("/tmp/vda", syscall.S_IFBLK|0o666, 253<<8))
		expectFail("open /dev/mem", openErr("/dev/mem"))
		expectFail("open /dev/kmsg", openErr("/dev/kmsg"))
		fmt.Println("contained: /dev checked")
	case "fds":
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			escape("read /proc/self/fd: %v", err)
		}
		for _, e := range entries {
			n, _ := strconv.Atoi(e.Name())
			target, err := os.Readlink("/proc/self/fd/" + e.Name())
			if err != nil { // the descriptor ReadDir used, closed since
				continue
			}
			if n > 2 && !strings.HasPrefix(target, "/proc/") {
				escape("descriptor %d open on %s", n, target)
			}
			if strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "/proc/") && !strings.HasPrefix(target, "/dev/") {
				escape("descriptor %d reaches %s", n, target)
			}
			fmt.Printf("contained: fd %d -> %s\n", n, target)
		}
		for _, p := range []string{"/proc/self/cwd", "/proc/1/cwd", "/proc/self/root", "/proc/1/root"} {
			target, _ := os.Readlink(p)
			fmt.Printf("contained: %s -> %s\n", p, target)
			if target != "/" && target != "/var/task" {
				escape("%s points at %s", p, target)
			}
			// Walk up from it: must stay in the environment's root.
			if _, err := os.Stat(filepath.Join(p, "../../../../root")); err == nil {
				escape("reached a /root through %s", p)
			}
		}
		for _, p := range []string{"/root", "/home", "/var/lib", "/run", "/etc/shadow", "/etc/ssh", "/work"} {
			if _, err := os.Stat(p); err == nil {
				escape("host path %s is visible", p)
			}
		}
		for _, p := range []string{"/", "/var/task/x", "/opt/x", "/usr/x", "/etc/passwd", "/proc/x"} {
			expectFail("write "+p, os.WriteFile(p, []byte("x"), 0o644))
		}
	case "sockets":
		filepath.WalkDir("/", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if p == "/proc" || p == "/sys" {
				return filepath.SkipDir
			}
			if d.Type()&fs.ModeSocket != 0 || strings.HasSuffix(p, ".sock") {
				escape("socket file %s", p)
			}
			return nil
		})
		fmt.Println("contained: no socket files")
	case "rawsocket":
		for _, s := range []struct {
			name         string
			dom, typ, pr int
		}{{"raw ICMP", syscall.AF_INET, syscall.SOCK_RAW, 1}, {"raw IPv6", syscall.AF_INET6, syscall.SOCK_RAW, 58}, {"packet", syscall.AF_PACKET, syscall.SOCK_RAW, 0x0300}, {"packet dgram", syscall.AF_PACKET, syscall.SOCK_DGRAM, 0x0300}} {
			fd, err := syscall.Socket(s.dom, s.typ, s.pr)
			if err == nil {
				syscall.Close(fd)
			}
			expectFail(s.name+" socket", err)
		}
	case "interfaces":
		ifs, err := net.Interfaces()
		if err != nil {
			escape("interfaces: %v", err)
		}
		for _, i := range ifs {
			if i.Name != "lo" {
				escape("interface %s", i.Name)
			} else if i.Flags&net.FlagUp == 0 {
				escape("loopback is down")
			} else {
				fmt.Println("contained: only lo, up")
			}
		}
	case "connect": // connect addr [retry]: print what the server says, or the error
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		for deadline := time.Now().Add(3 * time.Second); err != nil && len(args) > 1 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
			c, err = net.DialTimeout("tcp", args[0], time.Second)
		}
		if err != nil {
			fmt.Printf("connect error: %v\n", err)
			os.Exit(3)
		}
		c.SetDeadline(time.Now().Add(2 * time.Second))
		b, _ := io.ReadAll(c)
		fmt.Printf("connected: %s\n", b)
	case "identity":
		b, _ := os.ReadFile("/proc/self/status")
		fmt.Print(string(b))
	case "fds-exhaust":
		n := 0
		var err error
		for ; n < 100000; n++ {
			var fd int
			if fd, err = syscall.Open("/dev/null", syscall.O_RDONLY, 0); err != nil {
				break
			}
			_ = fd
		}
		fmt.Printf("opened %d: %v\n", n, err)
	case "fill-tmp":
		f, err := os.Create("/tmp/fill")
		if err != nil {
			escape("create: %v", err)
			break
		}
		chunk := make([]byte, 1<<20)
		var total int64
		for {
			n, err := f.Write(chunk)
			total += int64(n)
			if err != nil {
				fmt.Printf("wrote %d: %v\n", total, err)
				break
			}
		}
		if err := f.Sync(); err == nil {
			fmt.Printf("synced %d\n", total)
		}
	case "memhog":
		var keep [][]byte
		for i := 0; ; i++ {
			b := make([]byte, 8<<20)
			for j := range b {
				if j%4096 == 0 {
					b[j] = 1
				}
			}
			keep = append(keep, b)
			fmt.Printf("allocated %d MiB\n", (i+1)*8)
		}
	case "forks": // count how many processes can be started
		n := 0
		var err error
		var pids []int
		for ; n < 100000; n++ {
			var pid int
			pid, err = syscall.ForkExec("/bin/sleep", []string{"sleep", "60"}, &syscall.ProcAttr{})
			if err != nil {
				break
			}
			pids = append(pids, pid)
		}
		fmt.Printf("started %d: %v\n", n, err)
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
	case "spin": // print a counter as fast as it can, forever
		w := bufio.NewWriter(os.Stdout)
		for i := 0; ; i++ {
			fmt.Fprintf(w, "%d\n", i)
			if i%100 == 0 {
				w.Flush()
			}
		}
	case "flood":
		buf := []byte(strings.Repeat("flood ", 10000))
		var total int
		for {
			n, err := os.Stdout.Write(buf)
			total += n
			if err != nil {
				fmt.Fprintf(os.Stderr, "stopped after %d: %v\n", total, err)
				os.Exit(4)
			}
		}
	case "ps":
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				b, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
				fmt.Printf("pid %s: %s\n", e.Name(), strings.ReplaceAll(string(b), "\x00", " "))
			}
		}
	default:
		fmt.Println("unknown attack", os.Args[1])
		os.Exit(2)
	}
	if escaped {
		os.Exit(1)
	}
}

func ptr(s string) uintptr {
	b := append([]byte(s), 0)
	return uintptr(unsafe.Pointer(&b[0]))
}

func openErr(p string) error {
	f, err := os.Open(p)
	if err == nil {
		f.Close()
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return err
	}
	return err
}
