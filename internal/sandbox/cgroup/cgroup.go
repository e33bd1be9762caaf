// Package cgroup creates, limits, freezes, measures and removes the control group of one
// Stratus execution environment, on cgroup v1 (the memory, pids, cpu and freezer
// hierarchies, as on hybrid hosts) or on a pure cgroup v2 host.
//
// Groups are created beneath the calling process's own group in each hierarchy (under a
// parent directory named by the caller, "stratus" by default), so limits placed on the
// server also bound its environments. It is not a general cgroup library: it knows the
// handful of files an execution environment needs.
package cgroup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Limits are the resource bounds of one group. Zero means "no limit" for each field.
type Limits struct {
	MemoryBytes int64 // hard limit on memory, swap excluded (swap is always 0)
	PIDs        int64 // maximum number of tasks
	CPUMillis   int64 // CPU bandwidth in thousandths of a CPU (1000 = one full CPU)
}

// v1Controllers are the v1 hierarchies an environment is placed in.
var v1Controllers = []string{"memory", "pids", "cpu", "freezer"}

// Hierarchy describes where the cgroup filesystems are mounted and where new groups go.
type Hierarchy struct {
	v2     bool
	parent map[string]string // v1: controller → absolute parent dir; v2: "" → parent dir
}

// Detect inspects root (normally /sys/fs/cgroup) and /proc/self/cgroup and returns the
// hierarchy new groups are created in, under a directory named parentName inside the
// calling process's own group.
func Detect(root, parentName string) (*Hierarchy, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return nil, fmt.Errorf("cgroup: statfs %s: %w", root, err)
	}
	own, err := ownGroups()
	if err != nil {
		return nil, err
	}
	h := &Hierarchy{parent: map[string]string{}}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		h.v2 = true
		h.parent[""] = filepath.Join(root, own[""], parentName)
		if err := os.MkdirAll(h.parent[""], 0o755); err != nil {
			return nil, fmt.Errorf("cgroup: %w", err)
		}
		// Controllers must be enabled on the way down; the server's own group holds
		// processes, so only the parent directory's subtree can be delegated here.
		ctl := []byte("+memory +pids +cpu")
		_ = os.WriteFile(filepath.Join(root, own[""], "cgroup.subtree_control"), ctl, 0)
		if err := os.WriteFile(filepath.Join(h.parent[""], "cgroup.subtree_control"), ctl, 0); err != nil {
			return nil, fmt.Errorf("cgroup: enable controllers: %w", err)
		}
		return h, nil
	}
	for _, c := range v1Controllers {
		mount := filepath.Join(root, c)
		if _, err := os.Stat(filepath.Join(mount, "cgroup.procs")); err != nil {
			return nil, fmt.Errorf("cgroup: v1 controller %s not mounted at %s", c, mount)
		}
		h.parent[c] = filepath.Join(mount, own[c], parentName)
		if err := os.MkdirAll(h.parent[c], 0o755); err != nil {
			return nil, fmt.Errorf("cgroup: %w", err)
		}
	}
	return h, nil
}

// ownGroups reads /proc/self/cgroup: controller name → path ("" for the v2 entry).
func ownGroups() (map[string]string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, nil
}

// V2 reports whether the hierarchy is the unified (v2) one.
func (h *Hierarchy) V2() bool { return h.v2 }

// Group is one environment's control group. Its methods are safe for concurrent use
// (each is a handful of independent file writes and reads), except that nothing may run
// concurrently with Destroy.
type Group struct {
	v2   bool
	dirs map[string]string // v1: controller → dir; v2: "" → dir
}

// Create makes the group name with the given limits. On error nothing is left behind.
func (h *Hierarchy) Create(name string, lim Limits) (*Group, error) {
	if name == "" || strings.ContainsAny(name, "/.") {
		return nil, fmt.Errorf("cgroup: invalid group name %q", name)
	}
	g := &Group{v2: h.v2, dirs: map[string]string{}}
	for c, p := range h.parent {
		d := filepath.Join(p, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			g.Destroy()
			return nil, fmt.Errorf("cgroup: %w", err)
		}
		g.dirs[c] = d
	}
	if err := g.SetLimits(lim); err != nil {
		g.Destroy()
		return nil, err
	}
	return g, nil
}

func (g *Group) dir(controller string) string {
	if g.v2 {
		return g.dirs[""]
	}
	return g.dirs[controller]
}

func (g *Group) write(controller, file, value string) error {
	p := filepath.Join(g.dir(controller), file)
	if err := os.WriteFile(p, []byte(value), 0); err != nil {
		return fmt.Errorf("cgroup: write %s: %w", p, err)
	}
	return nil
}

func (g *Group) read(controller, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(g.dir(controller), file))
	if err != nil {
		return "", fmt.Errorf("cgroup: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// cfsBandwidth returns the CFS period and quota, in microseconds, for a
// share of CPU in thousandths. The period is 10 ms, not the kernel's default
// 100 ms: a small function that exhausts its quota then waits at most about
// 10 ms, not 100 (a 128 MB function's p99 latency), for the same share. The
// kernel refuses quotas under 1 ms, so very small shares get a longer period.
func cfsBandwidth(cpuMillis int64) (period, quota int64) {
	period = 10000
	quota = cpuMillis * period / 1000
	if quota < 1000 {
		quota = 1000
		period = (1000*1000 + cpuMillis - 1) / cpuMillis
	}
	return period, quota
}

// SetLimits applies lim (zero fields are left as they are) and resets the memory peak.
//
// On cgroup v1, moving a task into a group (Add) can take a whole RCU grace period
// (about 10 ms) when no other move happened recently, while writing limits is cheap: so
// a launcher creates groups and moves processes into them ahead of time, and sets the
// limits when the environment is started.
func (g *Group) SetLimits(lim Limits) error {
	if !g.v2 {
		_ = g.write("memory", "memory.max_usage_in_bytes", "0") // reset the peak
	}
	if g.v2 {
		if lim.MemoryBytes > 0 {
			if err := g.write("", "memory.max", strconv.FormatInt(lim.MemoryBytes, 10)); err != nil {
				return err
			}
			if err := g.write("", "memory.swap.max", "0"); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if lim.PIDs > 0 {
			if err := g.write("", "pids.max", strconv.FormatInt(lim.PIDs, 10)); err != nil {
				return err
			}
		}
		if lim.CPUMillis > 0 {
			period, q := cfsBandwidth(lim.CPUMillis)
			if err := g.write("", "cpu.max", fmt.Sprintf("%d %d", q, period)); err != nil {
				return err
			}
		}
		return nil
	}
	if lim.MemoryBytes > 0 {
		v := strconv.FormatInt(lim.MemoryBytes, 10)
		if err := g.write("memory", "memory.limit_in_bytes", v); err != nil {
			return err
		}
		// memsw exists only with swap accounting; without it there is no swap to limit.
		if err := g.write("memory", "memory.memsw.limit_in_bytes", v); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		_ = g.write("memory", "memory.swappiness", "0")
	}
	if lim.PIDs > 0 {
		if err := g.write("pids", "pids.max", strconv.FormatInt(lim.PIDs, 10)); err != nil {
			return err
		}
	}
	if lim.CPUMillis > 0 {
		// A quota larger than the new period is refused: clear it first.
		period, q := cfsBandwidth(lim.CPUMillis)
		if err := g.write("cpu", "cpu.cfs_quota_us", "-1"); err != nil {
			return err
		}
		if err := g.write("cpu", "cpu.cfs_period_us", strconv.FormatInt(period, 10)); err != nil {
			return err
		}
		if err := g.write("cpu", "cpu.cfs_quota_us", strconv.FormatInt(q, 10)); err != nil {
			return err
		}
	}
	return nil
}

// Add moves process pid into the group (in every v1 hierarchy).
func (g *Group) Add(pid int) error {
	for c := range g.dirs {
		if err := g.write(c, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

// Freeze stops every task in the group and returns once they are all frozen.
func (g *Group) Freeze() error {
	if g.v2 {
		if err := g.write("", "cgroup.freeze", "1"); err != nil {
			return err
		}
		return g.waitFor("", "cgroup.events", "frozen 1")
	}
	if err := g.write("freezer", "freezer.state", "FROZEN"); err != nil {
		return err
	}
	return g.waitFor("freezer", "freezer.state", "FROZEN")
}

// Thaw resumes the group's tasks.
func (g *Group) Thaw() error {
	if g.v2 {
		return g.write("", "cgroup.freeze", "0")
	}
	return g.write("freezer", "freezer.state", "THAWED")
}

// waitFor polls file until it contains want, for at most a second.
func (g *Group) waitFor(controller, file, want string) error {
	deadline := time.Now().Add(time.Second)
	for {
		s, err := g.read(controller, file)
		if err != nil {
			return err
		}
		if strings.Contains(s, want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup: %s did not reach %q (is %q)", file, want, s)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// MemoryPeak returns the highest memory use the group has seen, in bytes.
func (g *Group) MemoryPeak() (int64, error) {
	file := "memory.max_usage_in_bytes"
	if g.v2 {
		file = "memory.peak"
	}
	s, err := g.read("memory", file)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// OOMKills returns how many tasks the kernel's OOM killer has killed in the group.
func (g *Group) OOMKills() (int64, error) {
	file := "memory.oom_control"
	if g.v2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(g.dir("memory"), file))
	if err != nil {
		return 0, fmt.Errorf("cgroup: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && k == "oom_kill" {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, nil
}

// Procs lists the processes in the group.
func (g *Group) Procs() ([]int, error) {
	s, err := g.read("pids", "cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// Kill sends SIGKILL to every task in the group and thaws it so the signal is delivered.
func (g *Group) Kill() error {
	if g.v2 {
		if err := g.write("", "cgroup.kill", "1"); err == nil {
			return nil
		}
	}
	// v1 has no cgroup.kill. The pids limit stops the group from forking faster than we
	// signal, so a few passes empty it.
	for pass := 0; pass < 100; pass++ {
		pids, err := g.Procs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			_ = unix.Kill(pid, syscall.SIGKILL)
		}
		if pass == 0 {
			_ = g.Thaw()
		}
		time.Sleep(time.Duration(pass) * 100 * time.Microsecond)
	}
	return g.Thaw()
}

// Destroy removes the group's directories, waiting briefly for exiting tasks to leave.
// It is safe to call more than once.
func (g *Group) Destroy() error {
	var errs []error
	for _, d := range g.dirs {
		deadline := time.Now().Add(2 * time.Second)
		for {
			err := unix.Rmdir(d)
			if err == nil || errors.Is(err, unix.ENOENT) {
				break
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("cgroup: remove %s: %w", d, err))
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	return errors.Join(errs...)
}

// RemoveStale removes the empty groups in the parent directories that keep reports
// belong to no live owner (for example those left by a launcher that was killed).
func (h *Hierarchy) RemoveStale(keep func(name string) bool) {
	for _, p := range h.parent {
		entries, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() && !keep(e.Name()) {
				_ = unix.Rmdir(filepath.Join(p, e.Name())) // fails, harmlessly, if not empty
			}
		}
	}
}

// RemoveStaleParents removes, beside this hierarchy's parent directories, the
// parents of other launchers that stale says are gone (their processes died
// with them), with the empty groups left in them. Directories still in use
// fail to be removed, harmlessly.
func (h *Hierarchy) RemoveStaleParents(stale func(name string) bool) {
	for _, p := range h.parent {
		dir, own := filepath.Dir(p), filepath.Base(p)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || e.Name() == own || !stale(e.Name()) {
				continue
			}
			sub := filepath.Join(dir, e.Name())
			if groups, err := os.ReadDir(sub); err == nil {
				for _, g := range groups {
					if g.IsDir() {
						_ = unix.Rmdir(filepath.Join(sub, g.Name()))
					}
				}
			}
			_ = unix.Rmdir(sub)
		}
	}
}

// RemoveParent removes the parent directories the hierarchy made its groups
// in; it fails, harmlessly, for a parent that still holds groups.
func (h *Hierarchy) RemoveParent() {
	for _, p := range h.parent {
		_ = unix.Rmdir(p)
	}
}

// ParentDirs returns the directories new groups are created in (one per v1 controller).
func (h *Hierarchy) ParentDirs() []string {
	out := make([]string, 0, len(h.parent))
	for _, d := range h.parent {
		out = append(out, d)
	}
	return out
}
