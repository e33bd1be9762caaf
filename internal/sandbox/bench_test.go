package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sandbox"
	"github.com/stratus-cloud/stratus/internal/sandbox/launch"
	"github.com/stratus-cloud/stratus/internal/sandbox/sandboxtest"
)

// These benchmarks print figures for docs/sandbox.md; the lead moves them to bench/.
//
//	go test ./internal/sandbox -run '^$' -bench . -benchtime 200x

func TestMain(m *testing.M) {
	if launch.Main(os.Args) {
		return
	}
	os.Exit(m.Run())
}

func newLauncher(b *testing.B) *launch.Launcher {
	b.Helper()
	if os.Geteuid() != 0 {
		sandboxtest.Skip(b, "not root")
	}
	l, err := launch.New(launch.Config{StateDir: b.TempDir(), CgroupParent: "stratus-bench"})
	if err != nil {
		sandboxtest.Skip(b, err.Error())
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// firstByte signals the first write.
type firstByte struct {
	once sync.Once
	ch   chan time.Time
}

func (f *firstByte) Write(p []byte) (int, error) {
	f.once.Do(func() { f.ch <- time.Now() })
	return len(p), nil
}

func report(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	p50, p99 := d[len(d)/2], d[len(d)*99/100]
	b.ReportMetric(float64(p50.Microseconds()), "p50-us")
	b.ReportMetric(float64(p99.Microseconds()), "p99-us")
	b.Logf("%s over %d: p50 %v, p99 %v (%d cores)", name, len(d), p50, p99, numCPU())
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

// BenchmarkColdStart measures Start to the first byte the process writes: /bin/echo, a
// dynamically linked program, in a complete environment (all namespaces, root, /tmp disk,
// cgroup, seccomp).
//
// Starts run back to back, so the launcher's pool of prestarted inits is mostly empty;
// BenchmarkColdStartPaced leaves it time to refill, as between real cold starts.
func BenchmarkColdStart(b *testing.B) { benchColdStart(b, 0) }

// BenchmarkColdStartPaced is BenchmarkColdStart with 20 ms between starts.
func BenchmarkColdStartPaced(b *testing.B) { benchColdStart(b, 20*time.Millisecond) }

func benchColdStart(b *testing.B, pause time.Duration) {
	l := newLauncher(b)
	code := b.TempDir()
	durs := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		fb := &firstByte{ch: make(chan time.Time, 1)}
		start := time.Now()
		e, err := l.Start(context.Background(), sandbox.Spec{
			ID: "bench-" + strconv.Itoa(i), CodeDir: code, Args: []string{"/bin/echo", "x"},
			MemoryBytes: 128 << 20, Stdout: fb,
		})
		if err != nil {
			b.Fatal(err)
		}
		durs = append(durs, (<-fb.ch).Sub(start))
		if _, err := e.Wait(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(pause)
	}
	report(b, fmt.Sprintf("own launcher: Start to first byte, %v between starts", pause), durs)
}

// BenchmarkColdStartCrun measures the same with crun from the distribution: an OCI
// bundle whose root is a read-only bind of the host's /usr, with the same namespaces.
// It is the peer the launcher was chosen against.
func BenchmarkColdStartCrun(b *testing.B) {
	runtimeBin, err := exec.LookPath("crun")
	if err != nil {
		b.Skip("crun not installed (apt-get install crun)")
	}
	// crun 1.8 refuses hybrid cgroup hosts ("drop all controllers from cgroupv2"), even
	// with --cgroup-manager=disabled; benchOCI skips with that message there.
	benchOCI(b, runtimeBin, "--cgroup-manager=disabled")
}

// BenchmarkColdStartRunc is BenchmarkColdStartCrun with runc.
func BenchmarkColdStartRunc(b *testing.B) {
	runtimeBin, err := exec.LookPath("runc")
	if err != nil {
		b.Skip("runc not installed (apt-get install runc)")
	}
	benchOCI(b, runtimeBin)
}

func benchOCI(b *testing.B, runtimeBin string, globalArgs ...string) {
	if os.Geteuid() != 0 {
		sandboxtest.Skip(b, "not root")
	}
	bundle := b.TempDir()
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"usr", "proc", "dev", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for _, l := range []string{"bin", "lib", "lib64", "sbin"} {
		os.Symlink("usr/"+l, filepath.Join(rootfs, l))
	}
	spec := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"user": map[string]any{"uid": 993, "gid": 990}, "args": []string{"/bin/echo", "x"},
			"env": []string{"PATH=/usr/bin"}, "cwd": "/", "noNewPrivileges": true,
			"rlimits":      []map[string]any{{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}},
			"capabilities": map[string]any{},
		},
		"root":     map[string]any{"path": "rootfs", "readonly": true},
		"hostname": "bench",
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "mode=755", "size=64k"}},
			{"destination": "/usr", "type": "bind", "source": "/usr", "options": []string{"rbind", "ro", "nosuid", "nodev"}},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "nodev"}},
		},
		"linux": map[string]any{
			"namespaces": []map[string]any{{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}},
			"resources": map[string]any{
				"memory": map[string]any{"limit": 128 << 20},
				"pids":   map[string]any{"limit": 1024},
			},
			"maskedPaths":   []string{"/proc/kcore", "/proc/keys", "/proc/timer_list"},
			"readonlyPaths": []string{"/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	js, _ := json.Marshal(spec)
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), js, 0o644); err != nil {
		b.Fatal(err)
	}
	durs := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		fb := &firstByte{ch: make(chan time.Time, 1)}
		args := append(slices.Clone(globalArgs), "run", "--bundle", bundle, fmt.Sprintf("bench-%d-%d", os.Getpid(), i))
		cmd := exec.Command(runtimeBin, args...)
		cmd.Stdout = fb
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case t := <-fb.ch:
			durs = append(durs, t.Sub(start))
			if err := <-done; err != nil {
				b.Fatalf("%s: %v: %s", runtimeBin, err, stderr.String())
			}
		case err := <-done:
			if strings.Contains(stderr.String(), "hybrid mode not supported") {
				b.Skipf("%s cannot run on this host: %s", runtimeBin, strings.TrimSpace(stderr.String()))
			}
			b.Fatalf("%s exited without output: %v: %s", runtimeBin, err, stderr.String())
		}
	}
	report(b, filepath.Base(runtimeBin)+": run to first byte", durs)
}

// BenchmarkFreezeThaw measures one Freeze and one Thaw of an idle environment.
func BenchmarkFreezeThaw(b *testing.B) {
	l := newLauncher(b)
	e, err := l.Start(context.Background(), sandbox.Spec{ID: "bench-freeze", CodeDir: b.TempDir(),
		Args: []string{"/bin/sleep", "600"}, MemoryBytes: 128 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { e.Kill(); e.Wait() }()
	var freeze, thaw []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := e.Freeze(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := e.Thaw(); err != nil {
			b.Fatal(err)
		}
		freeze, thaw = append(freeze, t1.Sub(t0)), append(thaw, time.Since(t1))
	}
	report(b, "Thaw", thaw)
	report(b, "Freeze", freeze)
}

// BenchmarkIdleOverhead starts idle environments (each running /bin/sleep) and reports
// the unreclaimable host memory each costs, the process included (see usedMemory), next to the private memory of the same process run
// on the host. Other work on the machine makes the figure noisy; it is an upper bound on
// the overhead beyond the process.
func BenchmarkIdleOverhead(b *testing.B) {
	l := newLauncher(b)
	const n = 64
	code := b.TempDir()
	// One measurement whatever b.N is: 64 environments are the sample.
	{
		hostSleep := exec.Command("/bin/sleep", "600")
		if err := hostSleep.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		own := private(b, hostSleep.Process.Pid)
		hostSleep.Process.Kill()
		hostSleep.Wait()

		before := usedMemory(b)
		var envs []sandbox.Env
		for i := 0; i < n; i++ {
			e, err := l.Start(context.Background(), sandbox.Spec{ID: "idle-" + strconv.Itoa(i), CodeDir: code,
				Args: []string{"/bin/sleep", "600"}, MemoryBytes: 128 << 20})
			if err != nil {
				b.Fatal(err)
			}
			envs = append(envs, e)
		}
		time.Sleep(200 * time.Millisecond)
		per := (usedMemory(b) - before) / n
		var charged int64
		for _, e := range envs {
			p, _ := e.MemoryPeak()
			charged += p
			e.Kill()
			e.Wait()
		}
		b.ReportMetric(float64(per)/1024, "host-KiB/env")
		b.Logf("idle environment: %d KiB of host memory each, process included (over %d); the process alone on the host: %d KiB private; charged to its cgroup: %d KiB",
			per/1024, n, own/1024, charged/n/1024)
	}
}

// private returns the private (anonymous and dirty) memory of pid: what one more copy
// of the process costs.
func private(b *testing.B, pid int) int64 {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(string(s), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == "Private_Clean:" || f[0] == "Private_Dirty:") {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			total += v * 1024
		}
	}
	return total
}

// usedMemory is the memory the kernel cannot reclaim: anonymous and shared memory,
// slab, kernel stacks, page tables and per-CPU allocations, in bytes. (Page cache is left
// out: it is shared and reclaimable, and other work on the machine moves it.)
func usedMemory(b *testing.B) int64 {
	s, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		b.Fatal(err)
	}
	var used int64
	for _, line := range strings.Split(string(s), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "AnonPages:", "Shmem:", "Slab:", "KernelStack:", "PageTables:", "Percpu:":
			used += v
		}
	}
	return used * 1024
}
