// Package launch is the project's own sandbox.Launcher: it starts each execution
// environment by re-executing the stratus binary (or a test binary) as a short-lived init
// in new mount, PID, IPC, UTS and network namespaces, which assembles the root and execs
// the function's program as PID 1 of the environment.
//
// How an environment is built:
//
//   - Prestarted inits. The launcher keeps a few init processes already cloned into their
//     namespaces, with their Go runtime up, loopback up and the Spec-independent part of
//     the root mounted (tmpfs root, read-only binds of /usr and friends, /etc, /dev with
//     only null, zero, full, random, urandom, tty and pts/ptmx, /proc with OCI-style
//     masking), each already moved into its own cgroup (on cgroup v1 that move can cost
//     a 10 ms RCU grace period, so it is done ahead). Start then only writes the limits,
//     sends the Spec over a pipe and waits for exec.
//   - The init then binds /var/task, /var/runtime and /opt (an overlay for several
//     layers) read-only, mounts /tmp, sets the hostname, pivots into the new root and
//     seals it read-only, sets RLIMIT_NOFILE 1024, clears every capability set, switches
//     to the unprivileged uid/gid, marks every descriptor close-on-exec, sets
//     no_new_privs, loads the seccomp filter (internal/sandbox/seccomp) and execs.
//   - /tmp is a journal-less ext4 filesystem on an auto-clearing loop device: a sparse
//     copy of a per-size template made with mkfs.ext4 once. It is disk-backed, not
//     charged as memory, and full at its size. Its image file is unlinked at once, so it
//     vanishes with the environment's mount namespace; a few default-size devices are
//     kept attached and ready.
//   - Env.Listen enters the environment's network namespace on a locked thread, so the
//     calling process owns the listener.
//
// cmd/stratus must call Main first thing in main (see Main). The launcher needs root and
// a mkfs.ext4 (e2fsprogs). It is not a container runtime: no images, no OCI bundles, no
// user namespaces.
package launch
