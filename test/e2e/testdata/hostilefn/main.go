// Command hostilefn is a provided.al2023 Lambda function, written with
// github.com/aws/aws-lambda-go, that tries to break out of its execution
// environment. The end-to-end isolation tests build it into a bootstrap, deploy it
// through the Lambda API and invoke it with events {"attack": "name", ...}.
//
// It judges nothing itself: each attack answers with a report of what it tried
// (each system call or file operation with its errno) and what it saw (paths,
// descriptors, devices, values), and the test decides whether that is contained.
// Attacks that end the environment (memhog, spin, exit) never answer.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sys/unix"
)

// event is what the test sends. Only the fields an attack uses are set.
type event struct {
	Attack  string   `json:"attack"`
	Nonce   string   `json:"nonce"`   // echo: returned as is
	Ports   []int    `json:"ports"`   // loopback: host ports to try on 127.0.0.1
	Paths   []string `json:"paths"`   // rootfs: host paths that must not exist here
	Marker  string   `json:"marker"`  // rootfs: a file name the test wrote on the host
	Path    string   `json:"path"`    // plant, peek: a file
	Content string   `json:"content"` // plant: what to write
	Needles []string `json:"needles"` // snoop: secrets to look for
	Seconds float64  `json:"seconds"` // flood: how long
}

// attempt is one operation the attack tried.
type attempt struct {
	What  string `json:"what"`
	OK    bool   `json:"ok"`              // the operation succeeded
	Errno string `json:"errno,omitempty"` // e.g. "EPERM", when it failed with an errno
	Error string `json:"error,omitempty"`
}

// report is the function's answer.
type report struct {
	Attack   string            `json:"attack"`
	Attempts []attempt         `json:"attempts,omitempty"`
	Seen     []string          `json:"seen,omitempty"`
	Values   map[string]string `json:"values,omitempty"`
	Count    int64             `json:"count,omitempty"`
	Errno    string            `json:"errno,omitempty"`
	Error    string            `json:"error,omitempty"`
}

func (r *report) try(what string, err error) {
	a := attempt{What: what, OK: err == nil}
	if err != nil {
		a.Error = err.Error()
		a.Errno = errnoName(err)
	}
	r.Attempts = append(r.Attempts, a)
}

func (r *report) set(k, v string) {
	if r.Values == nil {
		r.Values = map[string]string{}
	}
	r.Values[k] = v
}

func (r *report) fail(err error) {
	r.Error = err.Error()
	r.Errno = errnoName(err)
}

func errnoName(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
		return strconv.Itoa(int(e))
	}
	return ""
}

// environment is what the function learned when its process started.
type environment struct {
	boot     string   // random, new in every process: tells environments apart
	bornFDs  []string // "fd -> target" for the descriptors the process was started with
	invokes  int
	hostname string
}

func main() {
	var b [8]byte
	rand.Read(b[:])
	env := &environment{boot: hex.EncodeToString(b[:]), bornFDs: openFDs()}
	lambda.Start(func(ctx context.Context, ev event) (*report, error) {
		env.invokes++
		r := &report{Attack: ev.Attack}
		attack, ok := attackFor(ev.Attack)
		if !ok {
			return nil, fmt.Errorf("unknown attack %q", ev.Attack)
		}
		attack(ctx, env, ev, r)
		return r, nil
	})
}

// attackFor returns the code of the attack an event names.
func attackFor(name string) (func(context.Context, *environment, event, *report), bool) {
	switch name {
	case "echo":
		return echo, true
	case "identity":
		return identity, true
	case "cpu-share":
		return cpuShare, true
	case "forks":
		return forks, true
	case "memhog":
		return memhog, true
	case "exit":
		return exit, true
	case "flood":
		return flood, true
	case "spin":
		return spin, true
	case "fill-tmp":
		return fillTmp, true
	case "fds-exhaust":
		return fdsExhaust, true
	case "namespaces":
		return namespaces, true
	case "mount":
		return mount, true
	case "cgroup":
		return cgroup, true
	case "proc":
		return procWrites, true
	case "trace":
		return trace, true
	case "kill-all":
		return killAll, true
	case "kernel":
		return kernel, true
	case "dev":
		return dev, true
	case "fds":
		return fds, true
	case "sockets":
		return sockets, true
	case "rawsocket":
		return rawSocket, true
	case "hostname":
		return hostname, true
	case "rootfs":
		return rootfs, true
	case "loopback":
		return loopback, true
	case "plant":
		return plant, true
	case "peek":
		return peek, true
	case "snoop":
		return snoop, true
	}
	return nil, false
}

func echo(_ context.Context, env *environment, ev event, r *report) {
	r.set("echo", ev.Nonce)
	r.set("boot", env.boot)
	r.set("invokes", strconv.Itoa(env.invokes))
}

// identity reports the process's credentials, capabilities, no_new_privs and
// seccomp mode from /proc/self/status.
func identity(_ context.Context, _ *environment, _ event, r *report) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		r.fail(err)
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp":
			r.set(k, strings.Join(strings.Fields(v), " "))
		}
	}
	// The namespaces it runs in, for the test to compare with the host's.
	for _, ns := range []string{"mnt", "pid", "ipc", "uts", "net"} {
		if link, err := os.Readlink("/proc/self/ns/" + ns); err == nil {
			r.set("ns/"+ns, link)
		}
	}
}

// cpuShare spins for one second of wall time and reports the CPU time it got,
// in milliseconds: the environment's CPU bandwidth, in proportion to memory.
func cpuShare(_ context.Context, _ *environment, _ event, r *report) {
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	x := 0
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		for i := 0; i < 10000; i++ {
			x += i
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	r.set("cpu-ms", strconv.FormatInt(cpu.Milliseconds(), 10))
	r.set("sink", strconv.Itoa(x%2))
}

// forks starts processes until the kernel refuses, then kills and reaps them.
func forks(_ context.Context, _ *environment, _ event, r *report) {
	var pids []int
	var err error
	for len(pids) < 100000 {
		var pid int
		pid, err = syscall.ForkExec("/bin/sleep", []string{"sleep", "60"}, &syscall.ProcAttr{})
		if err != nil {
			break
		}
		pids = append(pids, pid)
	}
	r.Count = int64(len(pids))
	if err != nil {
		r.fail(err)
	}
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	for _, p := range pids {
		var ws syscall.WaitStatus
		syscall.Wait4(p, &ws, 0, nil)
	}
}

// memhog allocates and touches memory until it is killed.
func memhog(_ context.Context, _ *environment, _ event, r *report) {
	var keep [][]byte
	for {
		b := make([]byte, 8<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
		r.Count = int64(len(keep)) * 8 << 20
	}
}

// exit ends the runtime process in the middle of the invocation.
func exit(_ context.Context, _ *environment, _ event, _ *report) {
	os.Exit(3)
}

// flood writes one endless line to stdout for ev.Seconds (2 by default), then
// answers how much it wrote.
func flood(_ context.Context, _ *environment, ev event, r *report) {
	d := time.Duration(ev.Seconds * float64(time.Second))
	if d <= 0 {
		d = 2 * time.Second
	}
	chunk := bytes.Repeat([]byte("flood-"), 64<<10/6)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		n, err := os.Stdout.Write(chunk)
		r.Count += int64(n)
		if err != nil {
			r.fail(err)
			break
		}
	}
	os.Stdout.Write([]byte("\nflood done\n"))
}

// spin burns every CPU it can, forever.
func spin(_ context.Context, _ *environment, _ event, _ *report) {
	for i := 0; i < runtime.NumCPU(); i++ {
		go func() {
			for x := 0; ; x++ {
				_ = x * x
			}
		}()
	}
	for x := 0; ; x++ {
		_ = x * x
	}
}

// fillTmp writes /tmp full, reports how far it got, and removes the file.
func fillTmp(_ context.Context, _ *environment, _ event, r *report) {
	f, err := os.Create("/tmp/fill")
	if err != nil {
		r.fail(err)
		return
	}
	defer os.Remove("/tmp/fill")
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		n, err := f.Write(chunk)
		r.Count += int64(n)
		if err != nil {
			r.fail(err)
			return
		}
	}
}

// fdsExhaust opens descriptors until the kernel refuses, then closes them (the
// runtime client needs descriptors to answer).
func fdsExhaust(_ context.Context, _ *environment, _ event, r *report) {
	var fds []int
	for len(fds) < 1<<20 {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			r.fail(err)
			break
		}
		fds = append(fds, fd)
	}
	r.Count = int64(len(fds))
	for _, fd := range fds {
		syscall.Close(fd)
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		r.set("soft", strconv.FormatUint(lim.Cur, 10))
		r.set("hard", strconv.FormatUint(lim.Max, 10))
	}
}

// sys makes a system call and returns its error. Pointers converted to uintptr
// in its argument list stay valid for the call (go:uintptrescapes). A child
// created by a clone that should have failed exits at once.
//
//go:uintptrescapes
func sys(nr uintptr, a ...uintptr) error {
	var args [6]uintptr
	copy(args[:], a)
	r1, _, e := syscall.RawSyscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5])
	if e != 0 {
		return e
	}
	if nr == syscall.SYS_CLONE && r1 == 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return nil
}

// cs returns s as a NUL-terminated C string.
func cs(s string) *byte {
	b := append([]byte(s), 0)
	return &b[0]
}

const atFDCWD = uintptr(^uint(0)>>32<<32 | 0xffffff9c) // AT_FDCWD as an unsigned register value

// namespaces tries to enter new namespaces or join others.
func namespaces(_ context.Context, _ *environment, _ event, r *report) {
	runtime.LockOSThread() // never unlocked: if anything succeeded, the thread dies with the goroutine
	for _, ns := range []struct {
		name string
		flag uintptr
	}{
		{"user", unix.CLONE_NEWUSER}, {"mount", unix.CLONE_NEWNS}, {"net", unix.CLONE_NEWNET},
		{"pid", unix.CLONE_NEWPID}, {"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC},
		{"cgroup", unix.CLONE_NEWCGROUP}, {"time", unix.CLONE_NEWTIME},
	} {
		r.try("unshare "+ns.name, sys(syscall.SYS_UNSHARE, ns.flag))
		r.try("clone into a new "+ns.name+" namespace", sys(syscall.SYS_CLONE, ns.flag|uintptr(syscall.SIGCHLD)))
	}
	for _, p := range []string{"/proc/self/ns/mnt", "/proc/self/ns/net", "/proc/self/ns/pid", "/proc/self/ns/user", "/proc/1/ns/mnt"} {
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			r.try("open "+p, err)
			continue
		}
		r.try("setns "+p, sys(unix.SYS_SETNS, uintptr(fd), 0))
		syscall.Close(fd)
	}
}

// mount tries every way of mounting something.
func mount(_ context.Context, _ *environment, _ event, r *report) {
	runtime.LockOSThread()
	os.MkdirAll("/tmp/m", 0o755)
	r.try("mount tmpfs", syscall.Mount("tmpfs", "/tmp/m", "tmpfs", 0, ""))
	r.try("mount proc", syscall.Mount("proc", "/tmp/m", "proc", 0, ""))
	r.try("mount sysfs", syscall.Mount("sysfs", "/tmp/m", "sysfs", 0, ""))
	r.try("mount cgroup v1", syscall.Mount("cgroup", "/tmp/m", "cgroup", 0, "memory"))
	r.try("mount cgroup2", syscall.Mount("cgroup2", "/tmp/m", "cgroup2", 0, ""))
	r.try("bind mount /", syscall.Mount("/", "/tmp/m", "", syscall.MS_BIND|syscall.MS_REC, ""))
	r.try("remount / read-write", syscall.Mount("", "/", "", syscall.MS_REMOUNT|syscall.MS_BIND, ""))
	r.try("remount /var/task read-write", syscall.Mount("", "/var/task", "", syscall.MS_REMOUNT|syscall.MS_BIND, ""))
	r.try("make / shared", syscall.Mount("", "/", "", syscall.MS_SHARED|syscall.MS_REC, ""))
	r.try("umount /proc", syscall.Unmount("/proc", syscall.MNT_DETACH))
	r.try("umount /tmp", syscall.Unmount("/tmp", 0))
	r.try("pivot_root", sys(syscall.SYS_PIVOT_ROOT, uintptr(unsafe.Pointer(cs("/tmp"))), uintptr(unsafe.Pointer(cs("/tmp/m")))))
	r.try("fsopen", sys(unix.SYS_FSOPEN, uintptr(unsafe.Pointer(cs("tmpfs"))), 0))
	r.try("open_tree clone", sys(unix.SYS_OPEN_TREE, atFDCWD, uintptr(unsafe.Pointer(cs("/"))), unix.OPEN_TREE_CLONE))
	r.try("move_mount", sys(unix.SYS_MOVE_MOUNT, atFDCWD, uintptr(unsafe.Pointer(cs("/tmp"))), atFDCWD, uintptr(unsafe.Pointer(cs("/tmp/m"))), 0))
	mattr := unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}
	r.try("mount_setattr / read-write", sys(unix.SYS_MOUNT_SETATTR, atFDCWD, uintptr(unsafe.Pointer(cs("/"))), 0, uintptr(unsafe.Pointer(&mattr)), unsafe.Sizeof(mattr)))
	r.try("chroot", syscall.Chroot("/tmp"))
}

func writeFile(p, s string) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// cgroup tries the release_agent escape and writes to cgroup control files.
func cgroup(_ context.Context, _ *environment, _ event, r *report) {
	for _, p := range []string{
		"/sys/fs/cgroup/release_agent", "/sys/fs/cgroup/notify_on_release",
		"/sys/fs/cgroup/memory/release_agent", "/sys/fs/cgroup/memory/notify_on_release",
		"/sys/fs/cgroup/pids/release_agent", "/sys/fs/cgroup/cgroup.procs",
		"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max",
	} {
		r.try("write "+p, writeFile(p, "1"))
	}
	for _, p := range []string{"/sys", "/sys/fs/cgroup"} {
		if _, err := os.Stat(p); err == nil {
			r.Seen = append(r.Seen, p)
		}
	}
}

// procWrites tries the kernel's writable /proc knobs.
func procWrites(_ context.Context, _ *environment, _ event, r *report) {
	for _, p := range []string{
		"/proc/sys/kernel/hostname", "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe",
		"/proc/sys/vm/drop_caches", "/proc/sys/net/ipv4/ip_forward", "/proc/sysrq-trigger",
		"/proc/self/oom_score_adj", "/proc/self/setgroups", "/proc/self/uid_map",
	} {
		v := "1"
		if strings.HasSuffix(p, "oom_score_adj") {
			v = "-1000" // lowering needs CAP_SYS_RESOURCE
		}
		r.try("write "+p, writeFile(p, v))
	}
	for _, p := range []string{"/proc/kcore", "/proc/kallsyms", "/proc/keys", "/proc/kmsg"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		b := make([]byte, 64)
		f.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _ := f.Read(b)
		f.Close()
		if n > 0 && !allZeroAddresses(b[:n]) {
			r.Seen = append(r.Seen, fmt.Sprintf("read %d bytes of %s", n, p))
		}
	}
}

// allZeroAddresses reports whether b looks like kallsyms with addresses hidden
// (every address 0000000000000000), which is harmless.
func allZeroAddresses(b []byte) bool {
	return bytes.HasPrefix(b, []byte("0000000000000000 "))
}

// startChild starts /bin/sleep and returns its pid.
func startChild() (int, error) {
	return syscall.ForkExec("/bin/sleep", []string{"sleep", "30"}, &syscall.ProcAttr{})
}

func reap(pid int) syscall.WaitStatus {
	syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, 0, nil)
	return ws
}

// trace tries ptrace and cross-process memory access on everything in reach.
func trace(_ context.Context, _ *environment, _ event, r *report) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r.set("pid", strconv.Itoa(os.Getpid()))
	r.set("ppid", strconv.Itoa(os.Getppid()))
	targets := map[string]int{"itself": os.Getpid()}
	if os.Getpid() != 1 {
		targets["pid 1"] = 1
	}
	if ppid := os.Getppid(); ppid != 0 { // 0: the parent is outside the PID namespace
		targets["the parent"] = ppid
	}
	child, err := startChild()
	if err == nil {
		targets["its own child"] = child
		defer reap(child)
	} else {
		r.try("start a child to trace", err)
	}
	buf := make([]byte, 64)
	local := unix.Iovec{Base: &buf[0], Len: 64}
	remote := unix.Iovec{Base: &buf[0], Len: 64}
	for name, pid := range targets {
		if name != "itself" {
			err := sys(syscall.SYS_PTRACE, syscall.PTRACE_ATTACH, uintptr(pid))
			r.try("ptrace attach to "+name, err)
			if err == nil {
				sys(syscall.SYS_PTRACE, syscall.PTRACE_DETACH, uintptr(pid), 0, 0)
			}
			r.try("ptrace seize of "+name, sys(syscall.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, 0))
		}
		r.try("process_vm_readv of "+name, sys(unix.SYS_PROCESS_VM_READV, uintptr(pid),
			uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0))
		r.try("process_vm_writev of "+name, sys(unix.SYS_PROCESS_VM_WRITEV, uintptr(pid),
			uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0))
		if name != "itself" {
			f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
			if err == nil {
				_, err = f.ReadAt(buf, 0x400000)
				f.Close()
			}
			r.try("read /proc/"+strconv.Itoa(pid)+"/mem of "+name, err)
		}
	}
	r.try("ptrace traceme", sys(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME))
}

// killAll starts a child and sends SIGKILL to every process it may signal
// (kill -9 -1), then reports how the child ended.
func killAll(_ context.Context, _ *environment, _ event, r *report) {
	child, err := startChild()
	if err != nil {
		r.fail(err)
		return
	}
	r.try("kill -9 -1", syscall.Kill(-1, syscall.SIGKILL))
	done := make(chan syscall.WaitStatus, 1)
	go func() {
		var ws syscall.WaitStatus
		syscall.Wait4(child, &ws, 0, nil)
		done <- ws
	}()
	select {
	case ws := <-done:
		if ws.Signaled() {
			r.set("child", "killed by "+unix.SignalName(ws.Signal()))
		} else {
			r.set("child", "exited "+strconv.Itoa(ws.ExitStatus()))
		}
	case <-time.After(2 * time.Second):
		r.set("child", "still running")
		reap(child)
	}
}

// kernel tries the system calls that reach into the kernel itself.
func kernel(_ context.Context, _ *environment, _ event, r *report) {
	os.WriteFile("/tmp/module.ko", []byte("\x7fELF not really a module"), 0o644)
	modFD, _ := syscall.Open("/tmp/module.ko", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	defer syscall.Close(modFD)
	// A software CPU clock counter on the process itself: allowed to anyone by
	// perf_event_paranoid 2, so only the sandbox can refuse it.
	attr := make([]byte, 128)
	attr[0] = 1   // PERF_TYPE_SOFTWARE
	attr[4] = 128 // size
	// A one-element array map: allowed without privilege unless the sandbox refuses it.
	bpfAttr := make([]byte, 128)
	bpfAttr[0], bpfAttr[4], bpfAttr[8], bpfAttr[12] = unix.BPF_MAP_TYPE_ARRAY, 4, 4, 1
	handle := make([]byte, 128)
	handle[0] = 8 // handle_bytes
	logBuf := make([]byte, 4096)
	// Every call is harmless should it succeed: no module by that name, a null
	// kexec image, reboot's LINUX_REBOOT_CMD_CAD_OFF.
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"init_module", func() error {
			return sys(unix.SYS_INIT_MODULE, uintptr(unsafe.Pointer(cs("x"))), 1, uintptr(unsafe.Pointer(cs(""))))
		}},
		{"finit_module", func() error { return sys(unix.SYS_FINIT_MODULE, uintptr(modFD), uintptr(unsafe.Pointer(cs(""))), 0) }},
		{"delete_module", func() error {
			return sys(unix.SYS_DELETE_MODULE, uintptr(unsafe.Pointer(cs("iso_no_such_module"))), unix.O_NONBLOCK)
		}},
		{"kexec_load", func() error { return sys(unix.SYS_KEXEC_LOAD, 0, 0, 0, 0) }},
		{"kexec_file_load", func() error {
			return sys(unix.SYS_KEXEC_FILE_LOAD, uintptr(modFD), uintptr(modFD), 1, uintptr(unsafe.Pointer(cs(""))), 0)
		}},
		{"bpf map create", func() error { return sys(unix.SYS_BPF, unix.BPF_MAP_CREATE, uintptr(unsafe.Pointer(&bpfAttr[0])), 128) }},
		{"bpf prog load", func() error { return sys(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&bpfAttr[0])), 128) }},
		{"perf_event_open", func() error {
			return sys(unix.SYS_PERF_EVENT_OPEN, uintptr(unsafe.Pointer(&attr[0])), 0, ^uintptr(0), ^uintptr(0), 0)
		}},
		{"keyctl get session keyring", func() error {
			return sys(unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID, ^uintptr(2) /* KEY_SPEC_SESSION_KEYRING = -3 */, 1)
		}},
		{"keyctl join session keyring", func() error { return sys(unix.SYS_KEYCTL, unix.KEYCTL_JOIN_SESSION_KEYRING, 0) }},
		{"add_key", func() error {
			return sys(unix.SYS_ADD_KEY, uintptr(unsafe.Pointer(cs("user"))), uintptr(unsafe.Pointer(cs("k"))), uintptr(unsafe.Pointer(cs("v"))), 1, ^uintptr(1) /* KEY_SPEC_PROCESS_KEYRING = -2 */)
		}},
		{"request_key", func() error {
			return sys(unix.SYS_REQUEST_KEY, uintptr(unsafe.Pointer(cs("user"))), uintptr(unsafe.Pointer(cs("k"))), 0, 0)
		}},
		{"open_by_handle_at", func() error { return sys(unix.SYS_OPEN_BY_HANDLE_AT, atFDCWD, uintptr(unsafe.Pointer(&handle[0])), 0) }},
		{"userfaultfd", func() error { return sys(unix.SYS_USERFAULTFD, unix.O_CLOEXEC) }},
		{"reboot", func() error { return sys(syscall.SYS_REBOOT, 0xfee1dead, 672274793, 0) }},
		{"swapon", func() error { return sys(syscall.SYS_SWAPON, uintptr(unsafe.Pointer(cs("/tmp/module.ko"))), 0) }},
		{"syslog read all", func() error {
			return sys(syscall.SYS_SYSLOG, 3, uintptr(unsafe.Pointer(&logBuf[0])), uintptr(len(logBuf)))
		}},
	} {
		r.try(c.name, c.call())
	}
}

// dev lists every node under /dev and tries to make new ones.
func dev(_ context.Context, _ *environment, _ event, r *report) {
	filepath.WalkDir("/dev", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		switch t := d.Type(); {
		case t&fs.ModeDevice != 0 || t&fs.ModeCharDevice != 0:
			r.Seen = append(r.Seen, "device "+p)
		case t&(fs.ModeSocket|fs.ModeNamedPipe) != 0:
			r.Seen = append(r.Seen, "special "+p)
		}
		return nil
	})
	r.try("mknod /dev/mem as a character device in /tmp", syscall.Mknod("/tmp/mem", syscall.S_IFCHR|0o666, 1<<8|1))
	r.try("mknod a block device in /tmp", syscall.Mknod("/tmp/sda", syscall.S_IFBLK|0o666, 8<<8))
	r.try("mknod in /dev", syscall.Mknod("/dev/x", syscall.S_IFCHR|0o666, 1<<8|3))
	for _, p := range []string{"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/loop0", "/dev/mapper/control"} {
		f, err := os.Open(p)
		if err == nil {
			f.Close()
		}
		r.try("open "+p, err)
	}
}

// openFDs returns "fd -> target" for every open descriptor. It probes each
// number with fcntl rather than reading /proc/self/fd with the os package,
// which would open descriptors of its own (a directory, the runtime's poller).
func openFDs() []string {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<16 {
		lim.Cur = 1 << 16
	}
	var out []string
	for fd := 0; fd < int(lim.Cur); fd++ {
		if _, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); e != 0 {
			continue
		}
		target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if err != nil {
			target = "error: " + err.Error()
		}
		out = append(out, strconv.Itoa(fd)+" -> "+target)
	}
	return out
}

// fds reports the descriptors the process was started with, those open now,
// and where its working directory and root lead.
func fds(_ context.Context, env *environment, _ event, r *report) {
	for _, f := range env.bornFDs {
		r.Seen = append(r.Seen, "born "+f)
	}
	for _, f := range openFDs() {
		r.Seen = append(r.Seen, "now "+f)
	}
	for _, p := range []string{"/proc/self/cwd", "/proc/self/root", "/proc/1/cwd", "/proc/1/root"} {
		target, err := os.Readlink(p)
		if err != nil {
			target = "error: " + err.Error()
		}
		r.set(p, target)
		// Climbing from it must stay in the environment.
		for _, host := range []string{"root", "home", "work", "var/lib"} {
			if _, err := os.Stat(p + "/../../../../../" + host); err == nil {
				r.Seen = append(r.Seen, "reached /"+host+" through "+p)
			}
		}
	}
	wd, _ := os.Getwd()
	r.set("getwd", wd)
}

// walkRoot visits everything under / except /proc and /sys.
func walkRoot(visit func(p string, d fs.DirEntry)) {
	filepath.WalkDir("/", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p == "/proc" || p == "/sys" {
			return filepath.SkipDir
		}
		visit(p, d)
		return nil
	})
}

// sockets looks for Unix socket files anywhere (docker.sock, containerd, the
// launcher's own).
func sockets(_ context.Context, _ *environment, _ event, r *report) {
	n := 0
	walkRoot(func(p string, d fs.DirEntry) {
		n++
		if d.Type()&fs.ModeSocket != 0 || strings.HasSuffix(p, ".sock") {
			r.Seen = append(r.Seen, p)
		}
	})
	r.Count = int64(n)
	for _, p := range []string{"/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/systemd/private", "/var/run/dbus/system_bus_socket"} {
		c, err := net.DialTimeout("unix", p, time.Second)
		if err == nil {
			c.Close()
		}
		r.try("connect "+p, err)
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil { // the abstract namespace belongs to the network namespace
		err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: "@/containerd-shim"})
		syscall.Close(fd)
	}
	r.try("connect abstract @/containerd-shim", err)
}

// rawSocket tries raw and packet sockets.
func rawSocket(_ context.Context, _ *environment, _ event, r *report) {
	for _, s := range []struct {
		name         string
		dom, typ, pr int
	}{
		{"AF_INET SOCK_RAW ICMP", syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_ICMP},
		{"AF_INET SOCK_RAW TCP", syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_TCP},
		{"AF_INET6 SOCK_RAW ICMPv6", syscall.AF_INET6, syscall.SOCK_RAW, syscall.IPPROTO_ICMPV6},
		{"AF_PACKET SOCK_RAW", syscall.AF_PACKET, syscall.SOCK_RAW, 0x0300},
		{"AF_PACKET SOCK_DGRAM", syscall.AF_PACKET, syscall.SOCK_DGRAM, 0x0300},
	} {
		fd, err := syscall.Socket(s.dom, s.typ, s.pr)
		if err == nil {
			syscall.Close(fd)
		}
		r.try(s.name, err)
	}
}

// hostname reports every way a process learns its host's name.
func hostname(_ context.Context, _ *environment, _ event, r *report) {
	h, _ := os.Hostname()
	r.set("os.Hostname", h)
	for _, p := range []string{"/etc/hostname", "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname"} {
		b, err := os.ReadFile(p)
		if err != nil {
			r.set(p, "error: "+err.Error())
			continue
		}
		r.set(p, strings.TrimSpace(string(b)))
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		r.set("uname nodename", charsToString(u.Nodename[:]))
	}
	r.try("sethostname", syscall.Sethostname([]byte("pwned")))
}

func charsToString(c []int8) string {
	b := make([]byte, 0, len(c))
	for _, x := range c {
		if x == 0 {
			break
		}
		b = append(b, byte(x))
	}
	return string(b)
}

// rootfs checks for host paths, searches the whole tree for a marker file the
// test wrote on the host, and tries to write everywhere outside /tmp.
func rootfs(_ context.Context, _ *environment, ev event, r *report) {
	for _, p := range ev.Paths {
		if _, err := os.Lstat(p); err == nil {
			r.Seen = append(r.Seen, "exists "+p)
		}
	}
	if ev.Marker != "" {
		walkRoot(func(p string, d fs.DirEntry) {
			r.Count++
			if d.Name() == ev.Marker {
				r.Seen = append(r.Seen, "marker "+p)
			}
		})
	}
	for _, p := range []string{"/iso-x", "/etc/iso-x", "/usr/iso-x", "/var/iso-x", "/var/task/iso-x", "/opt/iso-x", "/var/runtime/iso-x"} {
		err := os.WriteFile(p, []byte("x"), 0o644)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the directory itself does not exist (e.g. /var/runtime)
		}
		r.try("create "+p, err)
	}
	for _, p := range []string{"/etc/passwd", "/var/task/bootstrap"} {
		r.try("open "+p+" for writing", writeFile(p, "x"))
	}
	for _, p := range []string{"/", "/var/task", "/opt", "/usr", "/etc"} {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err != nil {
			r.set("statfs "+p, "error: "+err.Error())
			continue
		}
		r.set("readonly "+p, strconv.FormatBool(st.Flags&unix.ST_RDONLY != 0))
	}
	err := os.WriteFile("/tmp/iso-x", []byte("x"), 0o644)
	r.set("write /tmp", strconv.FormatBool(err == nil))
	os.Remove("/tmp/iso-x")
}

// loopback tries the host's loopback ports and calls the Stratus API through
// AWS_ENDPOINT_URL.
func loopback(ctx context.Context, _ *environment, ev event, r *report) {
	for _, port := range ev.Ports {
		for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]"} {
			addr := host + ":" + strconv.Itoa(port)
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				b := make([]byte, 16)
				c.SetReadDeadline(time.Now().Add(time.Second))
				n, _ := c.Read(b)
				c.Close()
				r.Seen = append(r.Seen, fmt.Sprintf("connected to %s: %q", addr, b[:n]))
			}
			r.try("connect "+addr, err)
		}
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	r.set("endpoint", endpoint)
	if endpoint == "" {
		return
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	if resp, err := hc.Get(endpoint + "/_stratus/health"); err != nil {
		r.set("health", "error: "+err.Error())
	} else {
		resp.Body.Close()
		r.set("health", strconv.Itoa(resp.StatusCode))
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		r.set("caller", "error: "+err.Error())
		return
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		r.set("caller", "error: "+err.Error())
		return
	}
	r.set("caller", *out.Arn)
}

// plant writes ev.Content to ev.Path (normally under /tmp).
func plant(_ context.Context, _ *environment, ev event, r *report) {
	r.try("write "+ev.Path, os.WriteFile(ev.Path, []byte(ev.Content), 0o600))
}

// peek reports whether ev.Path exists and what it holds.
func peek(_ context.Context, _ *environment, ev event, r *report) {
	b, err := os.ReadFile(ev.Path)
	r.set("exists", strconv.FormatBool(err == nil))
	r.set("content", string(b))
}

// snoop looks for the needles in /tmp, in every visible process's environment
// and command line, in the function's code and layers, and in its own
// environment, and lists what /tmp and /var/task hold.
func snoop(_ context.Context, _ *environment, ev event, r *report) {
	look := func(where string, b []byte) {
		for _, n := range ev.Needles {
			if n != "" && bytes.Contains(b, []byte(n)) {
				r.Seen = append(r.Seen, where+" holds "+n)
			}
		}
	}
	for _, dir := range []string{"/tmp", "/var/task", "/opt", "/var/runtime"} {
		var names []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return nil
			}
			names = append(names, strings.TrimPrefix(p, dir+"/"))
			look("name "+p, []byte(p))
			if d.Type().IsRegular() {
				if info, err := d.Info(); err == nil && info.Size() < 64<<20 {
					if b, err := os.ReadFile(p); err == nil {
						look(p, b)
					}
				}
			}
			return nil
		})
		r.set(dir, strings.Join(names, ","))
	}
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		pids = append(pids, e.Name())
		for _, f := range []string{"environ", "cmdline"} {
			if b, err := os.ReadFile("/proc/" + e.Name() + "/" + f); err == nil {
				look("/proc/"+e.Name()+"/"+f, b)
			}
		}
	}
	r.set("pids", strings.Join(pids, ","))
	look("os.Environ", []byte(strings.Join(os.Environ(), "\n")))
}
