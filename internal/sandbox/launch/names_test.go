package launch

import (
	"os"
	"testing"
)

func TestLiveGroup(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"a group of this process is live", groupName(os.Getpid(), 3), true},
		{"a group of a process that does not exist is stale", groupName(1<<22+1, 3), false},
		{"a group of init is live", groupName(1, 1), true},
		{"a directory not named by the launcher is left alone", "something-else", true},
		{"a malformed pid is left alone", "env-x-1", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := liveGroup(c.in); got != c.want {
				t.Errorf("liveGroup(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestHostnameIsNeutralAndStable(t *testing.T) {
	a, b := hostname("fn-1"), hostname("fn-1")
	if a != b || a[:8] != "169.254." {
		t.Errorf("hostname = %q, %q; want a stable 169.254.x.y name", a, b)
	}
	if h, _ := os.Hostname(); h == a {
		t.Errorf("hostname equals the host's")
	}
}
