// Package sandbox defines execution environments: isolated, resource-limited places where
// Lambda (and later ECS) runs user code.
//
// It holds the contract only: Spec describes an environment, Launcher starts one, Env
// controls it. The implementation is internal/sandbox/launch (the project's own launcher,
// re-executing the stratus binary as the environment's short-lived init); the conformance
// suite every implementation must pass is internal/sandbox/sandboxtest. This package does
// not know about Lambda's Runtime API, logs or invocations.
//
// # Choice of implementation, by measurement
//
// Cold start, from Start to the first byte the process writes (/bin/echo), 200 starts,
// 2-core Debian 12 VM, kernel 6.18, hybrid cgroups (see docs/sandbox.md):
//
//	own launcher, back to back        p50 3.9 ms   p99 9.8 ms
//	own launcher, 20 ms apart         p50 4.7 ms   p99 9.3 ms
//	runc 1.1 (tmpfs /tmp, no disk)    p50 17.6 ms  p99 43.4 ms
//	crun 1.8.1                        refuses hybrid cgroup hosts
//
// runc alone is above the whole 10 ms cold-start budget, and it does less than the
// launcher (no disk-backed /tmp, no seccomp filter), so environments are started by the
// project's own launcher. Freeze/Thaw cost p50 87/72 us; an idle environment costs about
// 450-580 KiB of unreclaimable host memory, its process included.
package sandbox
