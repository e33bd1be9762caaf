package bench

// Reading what an idle execution environment costs: the memory its cgroup is
// charged, what the function's own process holds, and whether it is frozen.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/sandbox/cgroup"
)

// procMem is a process's resident memory from /proc/PID/status, in bytes.
type procMem struct {
	rss, anon, file, shmem int64
}

func (m *procMem) add(o procMem) {
	m.rss += o.rss
	m.anon += o.anon
	m.file += o.file
	m.shmem += o.shmem
}

func readProcMem(pid int) (procMem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	var m procMem
	fields := map[string]*int64{"VmRSS:": &m.rss, "RssAnon:": &m.anon, "RssFile:": &m.file, "RssShmem:": &m.shmem}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 {
			if dst, ok := fields[f[0]]; ok {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				*dst = kb << 10
			}
		}
	}
	return m, nil
}

func procComm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// groupMem is one environment cgroup as read at one moment.
type groupMem struct {
	name      string
	charged   int64            // memory.usage_in_bytes (v1) or memory.current (v2)
	kmem      int64            // memory.kmem.usage_in_bytes (v1, included in charged); -1 on v2
	stat      map[string]int64 // memory.stat
	frozen    bool
	fn        procMem // the function's process (its command is fnComm)
	others    procMem // every other process in the group
	fnProcs   int
	otherProc int
}

// isEnv reports whether the group runs the function, as opposed to holding a
// prestarted init that no environment has taken yet.
func (g groupMem) isEnv() bool { return g.fnProcs > 0 }

// readGroups reads every group under the launcher's cgroup parent. fnComm is the
// function process's command name.
func readGroups(h *cgroup.Hierarchy, fnComm string) ([]groupMem, error) {
	var memDir, freezerDir string
	for _, d := range h.ParentDirs() {
		switch {
		case h.V2():
			memDir, freezerDir = d, d
		case strings.Contains(d, "/memory/"):
			memDir = d
		case strings.Contains(d, "/freezer/"):
			freezerDir = d
		}
	}
	if memDir == "" {
		return nil, fmt.Errorf("no memory cgroup among %v", h.ParentDirs())
	}
	entries, err := os.ReadDir(memDir)
	if err != nil {
		return nil, err
	}
	var out []groupMem
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(memDir, e.Name())
		g := groupMem{name: e.Name(), kmem: -1, stat: map[string]int64{}}
		usage := "memory.usage_in_bytes"
		if h.V2() {
			usage = "memory.current"
		}
		if g.charged, err = readInt(filepath.Join(dir, usage)); err != nil {
			continue // the group went away meanwhile
		}
		if !h.V2() {
			g.kmem, _ = readInt(filepath.Join(dir, "memory.kmem.usage_in_bytes"))
		}
		if b, err := os.ReadFile(filepath.Join(dir, "memory.stat")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, " "); ok {
					g.stat[k], _ = strconv.ParseInt(v, 10, 64)
				}
			}
		}
		if freezerDir != "" {
			if h.V2() {
				b, _ := os.ReadFile(filepath.Join(freezerDir, e.Name(), "cgroup.freeze"))
				g.frozen = strings.TrimSpace(string(b)) == "1"
			} else {
				b, _ := os.ReadFile(filepath.Join(freezerDir, e.Name(), "freezer.state"))
				g.frozen = strings.TrimSpace(string(b)) == "FROZEN"
			}
		}
		procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		for _, f := range strings.Fields(string(procs)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			m, err := readProcMem(pid)
			if err != nil {
				continue
			}
			if procComm(pid) == fnComm {
				g.fn.add(m)
				g.fnProcs++
			} else {
				g.others.add(m)
				g.otherProc++
			}
		}
		out = append(out, g)
	}
	return out, nil
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

func kb(n int64) string { return fmt.Sprintf("%.0f KB", float64(n)/1024) }
