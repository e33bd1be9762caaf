package sandbox

import (
	"context"
	"errors"
	"io"
	"net"
)

// Spec describes one execution environment. Paths are host paths; the launcher mounts
// them read-only at the places AWS Lambda uses.
type Spec struct {
	ID         string   // unique among live environments: names the cgroup, the hostname and state files; [A-Za-z0-9_-], at most 64 bytes
	CodeDir    string   // host directory mounted read-only at /var/task (required)
	LayerDirs  []string // host directories merged in order at /opt, read-only; a later layer wins on conflicts, as AWS extracts layers in order
	RuntimeDir string   // optional host directory mounted read-only at /var/runtime

	Args []string // program and arguments, resolved inside the environment (Args[0] must be an absolute path)
	Env  []string // the whole environment of the process ("K=V")
	Dir  string   // working directory inside the environment; /var/task when empty

	MemoryBytes int64 // hard memory limit with no swap; exceeding it OOM-kills the environment (required)
	CPUMillis   int64 // CPU bandwidth in thousandths of a CPU; 0 means in proportion to memory as AWS does (1,769 MB = 1 vCPU)
	PIDs        int64 // maximum number of tasks; 0 means DefaultPIDs
	TmpBytes    int64 // size of the private disk-backed /tmp; 0 means DefaultTmpBytes

	Stdout, Stderr io.Writer // receive the process's output; nil discards it. A slow writer slows the process, nothing is buffered beyond a pipe.

	UID, GID int // the unprivileged identity the process runs as; 0 means DefaultUID / DefaultGID (root is refused)

	// Listen names TCP addresses (e.g. "127.0.0.1:9001") to listen on inside the
	// environment's network namespace before the process starts, so that it can
	// connect at once; Env.Listeners returns them in this order. The caller owns
	// them.
	Listen []string
}

// Defaults for the zero values of Spec, matching AWS Lambda.
const (
	DefaultPIDs     = 1024
	DefaultTmpBytes = 512 << 20
	MinTmpBytes     = 512 << 20
	MaxTmpBytes     = 10 << 30
	DefaultUID      = 993 // Lambda's sbx_user1051
	DefaultGID      = 990
	NoFileLimit     = 1024 // RLIMIT_NOFILE inside, as on Lambda
)

// CPUForMemory returns the CPU share AWS gives a function with memoryBytes of memory:
// one full vCPU at 1,769 MB, in proportion below and above.
func CPUForMemory(memoryBytes int64) int64 {
	m := memoryBytes * 1000 / (1769 << 20)
	if m < 10 {
		m = 10
	}
	return m
}

// Launcher starts execution environments.
//
// Start may be called concurrently from many goroutines. It returns once the process
// named by Spec.Args has been executed inside a fully assembled environment, or an
// error with nothing left behind. Cancelling ctx aborts a Start in progress; it has no
// effect on an Env already returned (use Env.Kill).
type Launcher interface {
	Start(ctx context.Context, s Spec) (Env, error)
}

// Env is one running execution environment.
//
// Its methods are safe for concurrent use. Kill and Wait may each be called any number
// of times; after the first Wait returns every resource of the environment (processes,
// cgroup, mounts, /tmp storage, namespaces) has been released, and Listen, Freeze and Thaw
// return ErrExited.
type Env interface {
	// Listen opens a listener inside the environment's network namespace; the calling
	// process owns it. The namespace has loopback only, so addr is normally
	// "127.0.0.1:9001" (the Runtime API) or another loopback port. network is "tcp" or "tcp4".
	Listen(network, addr string) (net.Listener, error)

	// Listeners returns the listeners Spec.Listen asked for, in order.
	Listeners() []net.Listener

	// Freeze stops every process of the environment (no CPU at all) and returns once they
	// are stopped; Thaw resumes them.
	Freeze() error
	Thaw() error

	// MemoryPeak returns the most memory the environment has used, in bytes.
	MemoryPeak() (int64, error)

	// SyncOutput returns once everything the environment wrote to its stdout and
	// stderr before the call has been handed to Spec.Stdout and Spec.Stderr.
	SyncOutput()

	// OOMKilled reports whether the kernel killed a process of the environment for
	// exceeding its memory limit.
	OOMKilled() bool

	// Kill kills every process of the environment (frozen or not). It does not wait:
	// call Wait to release the resources.
	Kill() error

	// Done is closed once the environment's first process has exited and its
	// resources are released: Wait no longer blocks.
	Done() <-chan struct{}

	// Wait waits for the environment's first process to exit, kills whatever it left
	// behind, releases all resources and returns the exit code (128+signal when killed
	// by a signal). err reports only a failure to release.
	Wait() (exitCode int, err error)
}

// ErrExited is returned by operations on an environment that has already ended.
var ErrExited = errors.New("sandbox: environment has exited")
