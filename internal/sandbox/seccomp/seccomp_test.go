package seccomp

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// run interprets the classic-BPF subset the filter uses against one seccomp_data.
func run(t *testing.T, prog []unix.SockFilter, arch, nr uint32, args [6]uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.LittleEndian.PutUint32(data[0:], nr)
	binary.LittleEndian.PutUint32(data[4:], arch)
	for i, a := range args {
		binary.LittleEndian.PutUint64(data[16+8*i:], a)
	}
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case ldW:
			acc = binary.LittleEndian.Uint32(data[in.K:])
		case andK:
			acc &= in.K
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case jeq, jset, jge:
			var taken bool
			switch in.Code {
			case jeq:
				taken = acc == in.K
			case jset:
				taken = acc&in.K != 0
			case jge:
				taken = acc >= in.K
			}
			if taken {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case ret:
			return in.K
		default:
			t.Fatalf("unexpected instruction %#x at %d", in.Code, pc)
		}
	}
	t.Fatal("program fell off its end")
	return 0
}

func TestFilterDecisions(t *testing.T) {
	prog, err := Filter()
	if err != nil {
		t.Fatal(err)
	}
	allow := uint32(unix.SECCOMP_RET_ALLOW)
	eperm := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM))
	enosys := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS))
	kill := uint32(unix.SECCOMP_RET_KILL_PROCESS)
	cases := []struct {
		name string
		arch uint32
		nr   uint32
		args [6]uint64
		want uint32
	}{
		{"read is allowed", auditArchX8664, unix.SYS_READ, [6]uint64{}, allow},
		{"execve is allowed", auditArchX8664, unix.SYS_EXECVE, [6]uint64{}, allow},
		{"a 32-bit x86 call kills the process", 0x40000003, unix.SYS_READ, [6]uint64{}, kill},
		{"an x32 call kills the process", auditArchX8664, x32SyscallBit | unix.SYS_READ, [6]uint64{}, kill},
		{"unshare is refused", auditArchX8664, unix.SYS_UNSHARE, [6]uint64{}, eperm},
		{"setns is refused", auditArchX8664, unix.SYS_SETNS, [6]uint64{}, eperm},
		{"mount is refused", auditArchX8664, unix.SYS_MOUNT, [6]uint64{}, eperm},
		{"ptrace is refused", auditArchX8664, unix.SYS_PTRACE, [6]uint64{}, eperm},
		{"process_vm_readv is refused", auditArchX8664, unix.SYS_PROCESS_VM_READV, [6]uint64{}, eperm},
		{"bpf is refused", auditArchX8664, unix.SYS_BPF, [6]uint64{}, eperm},
		{"perf_event_open is refused", auditArchX8664, unix.SYS_PERF_EVENT_OPEN, [6]uint64{}, eperm},
		{"keyctl is refused", auditArchX8664, unix.SYS_KEYCTL, [6]uint64{}, eperm},
		{"open_by_handle_at is refused", auditArchX8664, unix.SYS_OPEN_BY_HANDLE_AT, [6]uint64{}, eperm},
		{"finit_module is refused", auditArchX8664, unix.SYS_FINIT_MODULE, [6]uint64{}, eperm},
		{"kexec_load is refused", auditArchX8664, unix.SYS_KEXEC_LOAD, [6]uint64{}, eperm},
		{"userfaultfd is refused", auditArchX8664, unix.SYS_USERFAULTFD, [6]uint64{}, eperm},
		{"clone3 reports ENOSYS so libc falls back to clone", auditArchX8664, unix.SYS_CLONE3, [6]uint64{}, enosys},
		{"clone of a thread is allowed", auditArchX8664, unix.SYS_CLONE, [6]uint64{unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND}, allow},
		{"clone with a new user namespace is refused", auditArchX8664, unix.SYS_CLONE, [6]uint64{unix.CLONE_NEWUSER}, eperm},
		{"clone with a new network namespace is refused", auditArchX8664, unix.SYS_CLONE, [6]uint64{unix.CLONE_NEWNET | uint64(unix.SIGCHLD)}, eperm},
		{"mknod of a fifo is allowed", auditArchX8664, unix.SYS_MKNOD, [6]uint64{0, unix.S_IFIFO | 0o600}, allow},
		{"mknod of a char device is refused", auditArchX8664, unix.SYS_MKNOD, [6]uint64{0, unix.S_IFCHR | 0o600}, eperm},
		{"mknodat of a block device is refused", auditArchX8664, unix.SYS_MKNODAT, [6]uint64{0, 0, unix.S_IFBLK | 0o600}, eperm},
		{"mknodat of a regular file is allowed", auditArchX8664, unix.SYS_MKNODAT, [6]uint64{0, 0, unix.S_IFREG | 0o600}, allow},
		{"a TCP socket is allowed", auditArchX8664, unix.SYS_SOCKET, [6]uint64{unix.AF_INET, unix.SOCK_STREAM | unix.SOCK_CLOEXEC}, allow},
		{"a raw IP socket is refused", auditArchX8664, unix.SYS_SOCKET, [6]uint64{unix.AF_INET, unix.SOCK_RAW | unix.SOCK_NONBLOCK}, eperm},
		{"a raw IPv6 socket is refused", auditArchX8664, unix.SYS_SOCKET, [6]uint64{unix.AF_INET6, unix.SOCK_RAW}, eperm},
		{"a netlink socket is allowed", auditArchX8664, unix.SYS_SOCKET, [6]uint64{unix.AF_NETLINK, unix.SOCK_RAW}, allow},
		{"a packet socket is refused", auditArchX8664, unix.SYS_SOCKET, [6]uint64{unix.AF_PACKET, unix.SOCK_DGRAM}, eperm},
		{"TIOCSTI is refused", auditArchX8664, unix.SYS_IOCTL, [6]uint64{0, ioctlTIOCSTI}, eperm},
		{"TCGETS is allowed", auditArchX8664, unix.SYS_IOCTL, [6]uint64{0, unix.TCGETS}, allow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, prog, c.arch, c.nr, c.args); got != c.want {
				t.Errorf("got %#x, want %#x", got, c.want)
			}
		})
	}
}

func TestEveryDeniedCallIsRefused(t *testing.T) {
	prog, err := Filter()
	if err != nil {
		t.Fatal(err)
	}
	for _, nr := range denied {
		if got := run(t, prog, auditArchX8664, nr, [6]uint64{}); got != uint32(unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM)) {
			t.Errorf("system call %d: got %#x, want EPERM", nr, got)
		}
	}
}
