package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fake returns a hierarchy over plain directories: the files a kernel would provide are
// created by the writes themselves, which is enough to check what is written and parsed.
func fake(t *testing.T, v2 bool) *Hierarchy {
	dir := t.TempDir()
	h := &Hierarchy{v2: v2, parent: map[string]string{}}
	if v2 {
		h.parent[""] = dir
		return h
	}
	for _, c := range v1Controllers {
		h.parent[c] = filepath.Join(dir, c)
		if err := os.Mkdir(h.parent[c], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLimitsAreWrittenAsTheKernelExpects(t *testing.T) {
	lim := Limits{MemoryBytes: 128 << 20, PIDs: 64, CPUMillis: 250}
	t.Run("on cgroup v1 memory and memsw are the limit, pids.max and the CFS quota are set", func(t *testing.T) {
		h := fake(t, false)
		g, err := h.Create("env-1-1", lim)
		if err != nil {
			t.Fatal(err)
		}
		mem := filepath.Join(h.parent["memory"], "env-1-1")
		for file, want := range map[string]string{
			filepath.Join(mem, "memory.limit_in_bytes"):                    "134217728",
			filepath.Join(mem, "memory.memsw.limit_in_bytes"):              "134217728",
			filepath.Join(h.parent["pids"], "env-1-1", "pids.max"):         "64",
			filepath.Join(h.parent["cpu"], "env-1-1", "cpu.cfs_quota_us"):  "2500",
			filepath.Join(h.parent["cpu"], "env-1-1", "cpu.cfs_period_us"): "10000",
		} {
			if got := read(t, file); got != want {
				t.Errorf("%s = %q, want %q", file, got, want)
			}
		}
		if err := g.Add(42); err != nil {
			t.Fatal(err)
		}
		if got := read(t, filepath.Join(h.parent["freezer"], "env-1-1", "cgroup.procs")); got != "42" {
			t.Errorf("freezer cgroup.procs = %q", got)
		}
	})
	t.Run("on cgroup v2 memory.max, memory.swap.max, pids.max and cpu.max are set", func(t *testing.T) {
		h := fake(t, true)
		if _, err := h.Create("env-1-2", lim); err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(h.parent[""], "env-1-2")
		for file, want := range map[string]string{"memory.max": "134217728", "memory.swap.max": "0", "pids.max": "64", "cpu.max": "2500 10000"} {
			if got := read(t, filepath.Join(d, file)); got != want {
				t.Errorf("%s = %q, want %q", file, got, want)
			}
		}
	})
	t.Run("a name that could escape the parent is refused", func(t *testing.T) {
		h := fake(t, true)
		for _, name := range []string{"", "../x", "a/b", ".."} {
			if _, err := h.Create(name, lim); err == nil {
				t.Errorf("Create(%q) succeeded", name)
			}
		}
	})
}

func TestOOMKillsAndPeakAreParsed(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		name := map[bool]string{false: "cgroup v1 oom_control and max_usage_in_bytes", true: "cgroup v2 memory.events and memory.peak"}[v2]
		t.Run("the OOM kill count and peak are read from "+name, func(t *testing.T) {
			h := fake(t, v2)
			g, err := h.Create("env-1-3", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			events, peak := "memory.oom_control", "memory.max_usage_in_bytes"
			content := "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"
			if v2 {
				events, peak = "memory.events", "memory.peak"
				content = "low 0\nhigh 0\nmax 7\noom 3\noom_kill 3\noom_group_kill 0\n"
			}
			d := g.dir("memory")
			os.WriteFile(filepath.Join(d, events), []byte(content), 0o644)
			os.WriteFile(filepath.Join(d, peak), []byte("1048576\n"), 0o644)
			if n, err := g.OOMKills(); err != nil || n != 3 {
				t.Errorf("OOMKills = %d, %v; want 3", n, err)
			}
			if p, err := g.MemoryPeak(); err != nil || p != 1<<20 {
				t.Errorf("MemoryPeak = %d, %v; want 1 MiB", p, err)
			}
		})
	}
}

func TestOwnGroupsNamesEveryControllerOfProcSelfCgroup(t *testing.T) {
	m, err := ownGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(read(t, "/proc/self/cgroup")), "\n") {
		parts := strings.SplitN(line, ":", 3)
		for _, c := range strings.Split(parts[1], ",") {
			if got, ok := m[c]; !ok || got != parts[2] {
				t.Errorf("controller %q: got %q, %v; want %q", c, got, ok, parts[2])
			}
		}
	}
}

func TestCFSBandwidthKeepsAShortPeriodAndTheKernelsMinimumQuota(t *testing.T) {
	for _, c := range []struct{ millis, period, quota int64 }{
		{1000, 10000, 10000}, // one CPU
		{2000, 10000, 20000},
		{250, 10000, 2500},
		{100, 10000, 1000},
		{72, 13889, 1000}, // 128 MB: the period grows so the quota stays at 1 ms
	} {
		if p, q := cfsBandwidth(c.millis); p != c.period || q != c.quota {
			t.Errorf("cfsBandwidth(%d) = %d, %d; want %d, %d", c.millis, p, q, c.period, c.quota)
		}
	}
}
