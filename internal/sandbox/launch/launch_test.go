package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sandbox"
	"github.com/stratus-cloud/stratus/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) {
	if Main(os.Args) {
		return
	}
	os.Exit(m.Run())
}

// newLauncher returns a launcher under a fresh cgroup parent, or skips (fails under CI).
func newLauncher(t *testing.T, parent string) *Launcher {
	t.Helper()
	if os.Geteuid() != 0 {
		sandboxtest.Skip(t, "not root")
	}
	l, err := New(Config{StateDir: t.TempDir(), CgroupParent: parent})
	if err != nil {
		sandboxtest.Skip(t, err.Error())
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close launcher: %v", err)
		}
	})
	return l
}

func TestConformance(t *testing.T) {
	parent := "stratus-test-" + filepath.Base(t.TempDir())
	var l *Launcher
	sandboxtest.Run(t, func(t *testing.T) sandbox.Launcher {
		l = newLauncher(t, parent)
		return l
	})
	t.Run("no cgroup of an environment remains", func(t *testing.T) {
		for _, dir := range l.cg.ParentDirs() {
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.IsDir() {
					t.Errorf("cgroup %s remains", filepath.Join(dir, e.Name()))
				}
			}
			if err := os.Remove(dir); err != nil && !strings.Contains(err.Error(), "no such") {
				t.Errorf("remove test parent group: %v", err)
			}
		}
	})
}
