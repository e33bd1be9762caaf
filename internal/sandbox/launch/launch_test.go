package launch

import (
	"os"
	"path/filepath"
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
	t.Run("no cgroup of an environment, nor the launcher's parent group, remains", func(t *testing.T) {
		for _, dir := range l.cg.ParentDirs() {
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				entries, _ := os.ReadDir(dir)
				t.Errorf("parent group %s remains after Close (holding %d entries)", dir, len(entries))
				_ = os.Remove(dir)
			}
		}
	})
}
