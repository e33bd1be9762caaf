// Package seccomp builds and installs the classic-BPF system call filter that every
// Stratus execution environment runs under.
//
// The filter is written by hand in Go (no libseccomp, no cgo). It is a deny list on top
// of the other containment layers (no capabilities, no_new_privs, namespaces): the
// calls it refuses are those that reach kernel attack surface a function never needs
// (namespaces, mounts, tracing, modules, kexec, bpf, perf, keyrings, file handles,
// userfaultfd, raw IP and packet sockets, device nodes, terminal injection). clone3 gets
// ENOSYS so that libc falls back to clone, whose flags the filter can inspect.
// Anything that is not x86_64 (including the x32 ABI) kills the process.
//
// It is not a sandbox by itself and not a general seccomp library: it knows one policy.
package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Offsets into struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16 // args[i] at offArgs + 8*i; the low 32 bits come first on little-endian
)

const (
	auditArchX8664 = 0xc000003e
	x32SyscallBit  = 0x40000000
)

// Errno values returned to the caller.
const (
	errEPERM  = uint32(unix.EPERM)
	errENOSYS = uint32(unix.ENOSYS)
)

// denied are the system calls refused with EPERM whatever their arguments.
var denied = []uint32{
	unix.SYS_UNSHARE, unix.SYS_SETNS,
	unix.SYS_MOUNT, unix.SYS_UMOUNT2, unix.SYS_PIVOT_ROOT, unix.SYS_CHROOT,
	unix.SYS_FSOPEN, unix.SYS_FSCONFIG, unix.SYS_FSMOUNT, unix.SYS_FSPICK,
	unix.SYS_MOVE_MOUNT, unix.SYS_OPEN_TREE, unix.SYS_MOUNT_SETATTR,
	unix.SYS_PTRACE, unix.SYS_PROCESS_VM_READV, unix.SYS_PROCESS_VM_WRITEV,
	unix.SYS_KCMP, unix.SYS_PIDFD_GETFD,
	unix.SYS_KEXEC_LOAD, unix.SYS_KEXEC_FILE_LOAD,
	unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE, unix.SYS_DELETE_MODULE,
	unix.SYS_CREATE_MODULE, unix.SYS_QUERY_MODULE, unix.SYS_GET_KERNEL_SYMS,
	unix.SYS_BPF, unix.SYS_PERF_EVENT_OPEN,
	unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
	unix.SYS_OPEN_BY_HANDLE_AT, unix.SYS_NAME_TO_HANDLE_AT,
	unix.SYS_SWAPON, unix.SYS_SWAPOFF, unix.SYS_REBOOT, unix.SYS_SYSLOG,
	unix.SYS_USERFAULTFD, unix.SYS_ACCT, unix.SYS_QUOTACTL, unix.SYS_LOOKUP_DCOOKIE,
	unix.SYS_SETTIMEOFDAY, unix.SYS_CLOCK_SETTIME, unix.SYS_CLOCK_ADJTIME, unix.SYS_ADJTIMEX,
	unix.SYS_IOPL, unix.SYS_IOPERM, unix.SYS_VHANGUP, unix.SYS_NFSSERVCTL, unix.SYS_USELIB,
	unix.SYS__SYSCTL, unix.SYS_PERSONALITY,
	unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
	unix.SYS_FANOTIFY_INIT,
}

// namespaceFlags are the clone flags that create namespaces.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

// Terminal ioctls that inject input or reach the console.
const (
	ioctlTIOCSTI   = 0x5412
	ioctlTIOCLINUX = 0x541c
)

// program assembles instructions with symbolic jump targets.
type program struct {
	insns  []unix.SockFilter
	labels map[string]int
	fixups []fixup
}

type fixup struct {
	at           int
	jt, jf       string
	jtSet, jfSet bool
	always       bool // BPF_JA: the target goes in K
}

func (p *program) emit(code uint16, k uint32) {
	p.insns = append(p.insns, unix.SockFilter{Code: code, K: k})
}

// jump emits a conditional jump; an empty label means "fall through".
func (p *program) jump(code uint16, k uint32, jt, jf string) {
	p.fixups = append(p.fixups, fixup{at: len(p.insns), jt: jt, jf: jf, jtSet: jt != "", jfSet: jf != ""})
	p.emit(code, k)
}

// always emits an unconditional jump.
func (p *program) always(label string) {
	p.fixups = append(p.fixups, fixup{at: len(p.insns), jt: label, always: true})
	p.emit(unix.BPF_JMP|unix.BPF_JA, 0)
}

func (p *program) label(name string) { p.labels[name] = len(p.insns) }

func (p *program) resolve() ([]unix.SockFilter, error) {
	for _, f := range p.fixups {
		if f.always {
			target, ok := p.labels[f.jt]
			if !ok {
				return nil, fmt.Errorf("seccomp: undefined label %q", f.jt)
			}
			p.insns[f.at].K = uint32(target - f.at - 1)
			continue
		}
		for _, side := range []struct {
			set   bool
			name  string
			field *uint8
		}{{f.jtSet, f.jt, &p.insns[f.at].Jt}, {f.jfSet, f.jf, &p.insns[f.at].Jf}} {
			if !side.set {
				continue
			}
			target, ok := p.labels[side.name]
			if !ok {
				return nil, fmt.Errorf("seccomp: undefined label %q", side.name)
			}
			off := target - f.at - 1
			if off < 0 || off > 255 {
				return nil, fmt.Errorf("seccomp: jump to %q out of range (%d)", side.name, off)
			}
			*side.field = uint8(off)
		}
	}
	return p.insns, nil
}

const (
	ldW  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	jset = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	jge  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	andK = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K
	ret  = unix.BPF_RET | unix.BPF_K
)

// Filter returns the policy as a BPF program for SECCOMP_SET_MODE_FILTER.
func Filter() ([]unix.SockFilter, error) {
	p := &program{labels: map[string]int{}}
	p.emit(ldW, offArch)
	p.jump(jeq, auditArchX8664, "", "kill")
	p.emit(ldW, offNr)
	p.jump(jge, x32SyscallBit, "kill", "")
	// The unconditional deny list: on a match jump to the shared EPERM return (resolve
	// fails if the list ever grows past the 8-bit jump range).
	for _, nr := range denied {
		p.jump(jeq, nr, "eperm", "")
	}
	p.jump(jeq, unix.SYS_CLONE3, "enosys", "")
	p.jump(jeq, unix.SYS_CLONE, "clone", "")
	p.jump(jeq, unix.SYS_MKNOD, "mknod", "")
	p.jump(jeq, unix.SYS_MKNODAT, "mknodat", "")
	p.jump(jeq, unix.SYS_SOCKET, "socket", "")
	p.jump(jeq, unix.SYS_IOCTL, "ioctl", "")
	p.emit(ret, unix.SECCOMP_RET_ALLOW)

	p.label("clone") // clone(flags, ...) on x86_64: flags is args[0]
	p.emit(ldW, offArgs)
	p.jump(jset, namespaceFlags, "eperm", "allow")

	p.label("mknod") // mknod(path, mode, dev)
	p.emit(ldW, offArgs+8)
	p.always("mknodmode")
	p.label("mknodat") // mknodat(dirfd, path, mode, dev)
	p.emit(ldW, offArgs+16)
	p.label("mknodmode")
	p.emit(andK, unix.S_IFMT)
	p.jump(jeq, unix.S_IFCHR, "eperm", "")
	p.jump(jeq, unix.S_IFBLK, "eperm", "allow")

	p.label("socket") // socket(domain, type, protocol): no packet sockets, no raw IP
	p.emit(ldW, offArgs)
	p.jump(jeq, unix.AF_PACKET, "eperm", "")
	p.jump(jeq, unix.AF_INET, "sockettype", "")
	p.jump(jeq, unix.AF_INET6, "sockettype", "allow")
	p.label("sockettype")
	p.emit(ldW, offArgs+8)
	p.emit(andK, 0xf) // strip SOCK_NONBLOCK and SOCK_CLOEXEC
	p.jump(jeq, unix.SOCK_RAW, "eperm", "")
	p.jump(jeq, unix.SOCK_PACKET, "eperm", "allow")

	p.label("ioctl") // ioctl(fd, request, ...)
	p.emit(ldW, offArgs+8)
	p.jump(jeq, ioctlTIOCSTI, "eperm", "")
	p.jump(jeq, ioctlTIOCLINUX, "eperm", "allow")

	p.label("allow")
	p.emit(ret, unix.SECCOMP_RET_ALLOW)
	p.label("eperm")
	p.emit(ret, unix.SECCOMP_RET_ERRNO|errEPERM)
	p.label("enosys")
	p.emit(ret, unix.SECCOMP_RET_ERRNO|errENOSYS)
	p.label("kill")
	p.emit(ret, unix.SECCOMP_RET_KILL_PROCESS)
	return p.resolve()
}

// Install sets no_new_privs and loads the filter for the calling thread. The caller
// must have locked its OS thread and must execve from that same thread: the filter is
// not synchronised to the process's other threads, and it is inherited across execve.
func Install() error {
	if runtime.GOARCH != "amd64" {
		return errors.New("seccomp: only x86_64 is supported")
	}
	insns, err := Filter()
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("seccomp: set no_new_privs: %w", err)
	}
	prog := unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
	if _, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog))); errno != 0 {
		return fmt.Errorf("seccomp: load filter: %w", errno)
	}
	runtime.KeepAlive(insns)
	return nil
}
