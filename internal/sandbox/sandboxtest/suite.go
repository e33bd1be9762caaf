// Package sandboxtest is the conformance suite every sandbox.Launcher implementation
// must pass. It runs real hostile programs inside environments (a Go program built by the
// suite, and /bin/sh scripts) and asserts that each attack is contained, as issue 3's
// hostile-function list requires.
//
// It is for tests only. Implementations call Run from their own test with a constructor;
// the test binary must be able to start environments (normally root on Linux). Without
// that capability the suite skips with the reason, except under CI=true, where it fails.
package sandboxtest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sandbox"
)

//go:embed testdata/hostile/main.go
var hostileSource []byte

// Limits the suite gives its environments.
const (
	memoryBytes = 128 << 20
	pidLimit    = 64
	tmpBytes    = sandbox.MinTmpBytes
)

// Skip skips t with reason, or fails it under CI=true, where every capability the suite
// needs must be present.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("sandbox capability missing under CI=true: %s", reason)
	}
	t.Skipf("skipping sandbox tests: %s", reason)
}

// Syncbuf is a bytes.Buffer safe for a writer goroutine and a reading test.
type Syncbuf struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *Syncbuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Syncbuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *Syncbuf) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// suite holds what the subtests share.
type suite struct {
	l       sandbox.Launcher
	codeDir string // holds the hostile binary
	seq     int
	mu      sync.Mutex // guards seq
}

// BuildHostile compiles the hostile program into dir and returns its path there.
func BuildHostile(t testing.TB, dir string) string {
	t.Helper()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "main.go"), hostileSource, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module hostile\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, "hostile"), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hostile program: %v\n%s", err, out)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return "/var/task/hostile"
}

func (s *suite) id(t *testing.T) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return fmt.Sprintf("t%d-%s", s.seq, strings.Trim(name, "-"))
}

func (s *suite) spec(t *testing.T, args ...string) sandbox.Spec {
	return sandbox.Spec{
		ID: s.id(t), CodeDir: s.codeDir, Args: args, Env: []string{"PATH=/usr/bin:/bin", "HOME=/tmp"},
		MemoryBytes: memoryBytes, PIDs: pidLimit, TmpBytes: tmpBytes,
	}
}

// start starts sp and registers a cleanup that kills and releases the environment.
func (s *suite) start(t *testing.T, sp sandbox.Spec) sandbox.Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := s.l.Start(ctx, sp)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		_ = e.Kill()
		if _, err := e.Wait(); err != nil {
			t.Errorf("release environment: %v", err)
		}
	})
	return e
}

// wait waits for e to exit within d.
func wait(t *testing.T, e sandbox.Env, d time.Duration) int {
	t.Helper()
	type result struct {
		code int
		err  error
	}
	ch := make(chan result, 1)
	go func() { c, err := e.Wait(); ch <- result{c, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Errorf("wait: %v", r.err)
		}
		return r.code
	case <-time.After(d):
		_ = e.Kill()
		<-ch
		t.Fatalf("environment still running after %v", d)
		return -1
	}
}

// run runs args to completion and returns the exit code and combined output.
func (s *suite) run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out Syncbuf
	sp := s.spec(t, args...)
	sp.Stdout, sp.Stderr = &out, &out
	e := s.start(t, sp)
	code := wait(t, e, 20*time.Second)
	return code, out.String()
}

// contained runs one hostile attack and asserts it reports containment.
func (s *suite) contained(t *testing.T, attack string, args ...string) string {
	t.Helper()
	var out Syncbuf
	sp := s.spec(t, append([]string{"/var/task/hostile", attack}, args...)...)
	sp.Stdout, sp.Stderr = &out, &out
	sp.CPUMillis = 2000 // some attacks walk the whole tree; don't make them crawl
	code := wait(t, s.start(t, sp), 20*time.Second)
	if code != 0 || strings.Contains(out.String(), "ESCAPED") || !strings.Contains(out.String(), "contained") {
		t.Fatalf("attack %s not contained (exit %d):\n%s", attack, code, out.String())
	}
	return out.String()
}

// Run runs the conformance suite against the launchers newLauncher returns. newLauncher
// is called once; it should call Skip when the host cannot run environments.
func Run(t *testing.T, newLauncher func(t *testing.T) sandbox.Launcher) {
	before := hostState(t)
	s := &suite{l: newLauncher(t), codeDir: t.TempDir()}
	BuildHostile(t, s.codeDir)

	t.Run("the process runs as the unprivileged user with no capabilities, no_new_privs and seccomp", func(t *testing.T) {
		_, out := s.run(t, "/var/task/hostile", "identity")
		for _, want := range []string{
			"Uid:\t993\t993\t993\t993", "Gid:\t990\t990\t990\t990", "Groups:\t \n",
			"CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
			"CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("Done is closed when the process exits, and SyncOutput delivers what it printed", func(t *testing.T) {
		var out Syncbuf
		sp := s.spec(t, "/bin/sh", "-c", "echo printed; exec sleep 30")
		sp.Stdout = &out
		e := s.start(t, sp)
		deadline := time.Now().Add(10 * time.Second)
		for e.SyncOutput(); !strings.Contains(out.String(), "printed"); e.SyncOutput() {
			if time.Now().After(deadline) {
				t.Fatalf("output %q", out.String())
			}
			time.Sleep(time.Millisecond)
		}
		select {
		case <-e.Done():
			t.Fatal("Done closed while the process runs")
		default:
		}
		_ = e.Kill()
		select {
		case <-e.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("Done not closed 10s after Kill")
		}
		if code, _ := e.Wait(); code != 128+9 {
			t.Errorf("exit code %d, want 137", code)
		}
	})
	t.Run("the root is read-only and holds only the system directories, /etc, /dev, /proc, /tmp, /var and /opt", func(t *testing.T) {
		_, out := s.run(t, "/bin/sh", "-c", "ls -1 /; cat /etc/passwd; touch /x 2>&1; touch /var/task/x 2>&1; touch /usr/x 2>&1; echo ok > /tmp/ok && cat /tmp/ok; stat -c %a /tmp; pwd")
		for _, want := range []string{"bin\ndev\netc\nlib\nlib64\nopt\nproc\nsbin\ntmp\nusr\nvar\n", "sbx_user1051:x:993:990",
			"touch: cannot touch '/x': Read-only file system", "touch: cannot touch '/var/task/x': Read-only file system",
			"touch: cannot touch '/usr/x': Read-only file system", "ok\n1777\n/var/task\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("layers are merged read-only at /opt with later layers on top", func(t *testing.T) {
		l1, l2 := t.TempDir(), t.TempDir()
		for dir, files := range map[string]map[string]string{l1: {"a": "one", "b": "one"}, l2: {"b": "two"}} {
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		var out Syncbuf
		sp := s.spec(t, "/bin/sh", "-c", "cat /opt/a /opt/b; echo; touch /opt/c 2>&1")
		sp.LayerDirs, sp.Stdout, sp.Stderr = []string{l1, l2}, &out, &out
		wait(t, s.start(t, sp), 10*time.Second)
		if got := out.String(); !strings.Contains(got, "onetwo\n") || !strings.Contains(got, "Read-only file system") {
			t.Errorf("got %q, want layer a=one, b=two, and /opt read-only", got)
		}
	})
	t.Run("a fork bomb stops at the PID limit", func(t *testing.T) {
		_, out := s.run(t, "/var/task/hostile", "forks")
		m := regexp.MustCompile(`started (\d+): (.*)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no result:\n%s", out)
		}
		if n, _ := strconv.Atoi(m[1]); n >= pidLimit || n == 0 {
			t.Errorf("started %d processes, want between 1 and the limit %d", n, pidLimit)
		}
		if !strings.Contains(m[2], "resource temporarily unavailable") {
			t.Errorf("fork failed with %q, want EAGAIN", m[2])
		}
		// A real shell fork bomb: killed promptly, and the next environment starts.
		e := s.start(t, s.spec(t, "/bin/sh", "-c", "b() { b | b & }; b; sleep 30"))
		time.Sleep(300 * time.Millisecond)
		if err := e.Kill(); err != nil {
			t.Fatal(err)
		}
		wait(t, e, 10*time.Second)
		if code, out := s.run(t, "/bin/echo", "alive"); code != 0 || out != "alive\n" {
			t.Errorf("next environment: exit %d, %q", code, out)
		}
	})
	t.Run("a memory hog is OOM-killed inside its cgroup and the host is fine", func(t *testing.T) {
		var out Syncbuf
		sp := s.spec(t, "/var/task/hostile", "memhog")
		sp.Stdout = &out
		e := s.start(t, sp)
		code := wait(t, e, 20*time.Second)
		if code != 128+9 {
			t.Errorf("exit %d, want 137 (SIGKILL)", code)
		}
		if !e.OOMKilled() {
			t.Error("OOMKilled() = false")
		}
		peak, err := e.MemoryPeak()
		if err != nil || peak > memoryBytes+(1<<20) || peak < memoryBytes/2 {
			t.Errorf("MemoryPeak() = %d, %v; want about the limit %d", peak, err, memoryBytes)
		}
		if !strings.Contains(out.String(), "allocated 64 MiB") || strings.Contains(out.String(), "allocated 136 MiB") {
			t.Errorf("hog allocated an unexpected amount:\n%s", lastLines(out.String(), 3))
		}
	})
	t.Run("a stdout flood is bounded by the writer and never buffered by the sandbox", func(t *testing.T) {
		w := &limitWriter{limit: 4 << 20}
		sp := s.spec(t, "/var/task/hostile", "flood")
		sp.Stdout = w
		var errOut Syncbuf
		sp.Stderr = &errOut
		e := s.start(t, sp)
		code := wait(t, e, 10*time.Second)
		if n := w.written(); n > 4<<20 {
			t.Errorf("writer got %d bytes past its limit", n)
		}
		if code == 0 {
			t.Errorf("flooder exited 0; want it stopped by the broken pipe (stderr %q)", errOut.String())
		}
	})
	t.Run("a CPU spinner stops when frozen, resumes when thawed and dies when killed", func(t *testing.T) {
		var out Syncbuf
		sp := s.spec(t, "/var/task/hostile", "spin")
		sp.Stdout = &out
		e := s.start(t, sp)
		time.Sleep(100 * time.Millisecond)
		if err := e.Freeze(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // let the copier drain the pipe
		frozenAt := out.Len()
		time.Sleep(200 * time.Millisecond)
		if grew := out.Len() - frozenAt; grew != 0 {
			t.Errorf("frozen environment wrote %d bytes", grew)
		}
		if err := e.Thaw(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if out.Len() == frozenAt {
			t.Error("thawed environment wrote nothing")
		}
		if err := e.Freeze(); err != nil { // Kill must work on a frozen environment too
			t.Fatal(err)
		}
		start := time.Now()
		if err := e.Kill(); err != nil {
			t.Fatal(err)
		}
		if code := wait(t, e, 5*time.Second); code != 128+9 {
			t.Errorf("exit %d, want 137", code)
		}
		t.Logf("kill of a frozen spinner took %v", time.Since(start))
		if err := e.Freeze(); !errors.Is(err, sandbox.ErrExited) {
			t.Errorf("Freeze after exit = %v, want ErrExited", err)
		}
	})
	t.Run("filling /tmp past its size gets ENOSPC at the size", func(t *testing.T) {
		_, out := s.run(t, "/var/task/hostile", "fill-tmp")
		m := regexp.MustCompile(`wrote (\d+): (.*)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no result:\n%s", out)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		if !strings.Contains(m[2], "no space left on device") {
			t.Errorf("write failed with %q, want ENOSPC", m[2])
		}
		if n > tmpBytes || n < tmpBytes*9/10 {
			t.Errorf("wrote %d bytes, want close to and at most %d", n, tmpBytes)
		}
	})
	t.Run("file descriptors stop at RLIMIT_NOFILE 1024", func(t *testing.T) {
		_, out := s.run(t, "/bin/sh", "-c", "ulimit -n; ulimit -Hn; /var/task/hostile fds-exhaust")
		if !strings.HasPrefix(out, "1024\n1024\n") || !regexp.MustCompile(`opened 10[012]\d: too many open files`).MatchString(out) {
			t.Errorf("got:\n%s", out)
		}
	})
	for _, a := range []struct{ name, attack string }{
		{"unshare, clone with namespace flags and setns fail", "namespaces"},
		{"mounting anything fails", "mount"},
		{"writes to cgroup release_agent and notify_on_release fail", "cgroup"},
		{"writes to /proc/sys and /proc/sysrq-trigger fail", "proc"},
		{"ptrace and process_vm_readv of anything fail", "trace"},
		{"module loading, kexec, bpf, perf_event_open, keyctl and open_by_handle_at fail", "kernel"},
		{"/dev holds only the allowed nodes and mknod fails", "dev"},
		{"/proc/self/fd and /proc/self/cwd lead nowhere on the host", "fds"},
		{"no host socket files are reachable", "sockets"},
		{"raw and packet sockets fail", "rawsocket"},
		{"the network namespace has only loopback, up", "interfaces"},
	} {
		t.Run(a.name, func(t *testing.T) { s.contained(t, a.attack) })
	}
	t.Run("kill -9 -1 kills only the environment's own processes", func(t *testing.T) {
		var other Syncbuf
		sp := s.spec(t, "/var/task/hostile", "spin")
		sp.Stdout = &other
		bystander := s.start(t, sp)
		host := exec.Command("/bin/sleep", "30")
		if err := host.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { host.Process.Kill(); host.Wait() }()
		_, out := s.run(t, "/bin/sh", "-c", "sleep 30 & kill -9 -1; wait $!; echo status $?")
		if !strings.Contains(out, "status 137") {
			t.Errorf("the environment's own child was not killed: %q", out)
		}
		n := other.Len()
		time.Sleep(300 * time.Millisecond) // the spinner has 7% of a CPU: wait a few CFS periods
		if other.Len() == n {
			t.Error("another environment stopped")
		}
		if err := host.Process.Signal(syscall.Signal(0)); err != nil {
			t.Errorf("host process: %v", err)
		}
		if err := bystander.Freeze(); err != nil {
			t.Errorf("the other environment: %v", err)
		}
	})
	t.Run("the hostname shows nothing of the host", func(t *testing.T) {
		host, _ := os.Hostname()
		_, out := s.run(t, "/bin/sh", "-c", "hostname; cat /etc/hostname; cat /proc/sys/kernel/hostname")
		if host != "" && strings.Contains(out, host) {
			t.Errorf("hostname output %q contains the host's name %q", out, host)
		}
		if lines := strings.Fields(out); len(lines) != 3 || lines[0] != lines[1] || lines[0] != lines[2] {
			t.Errorf("inconsistent hostnames: %q", out)
		}
	})
	t.Run("another environment's /tmp and processes are not visible", func(t *testing.T) {
		var a Syncbuf
		spA := s.spec(t, "/bin/sh", "-c", "echo secret > /tmp/secret-of-a; echo ready; sleep 30")
		spA.Stdout = &a
		s.start(t, spA)
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(a.String(), "ready") && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		_, out := s.run(t, "/bin/sh", "-c", "ls -A /tmp; /var/task/hostile ps")
		if strings.Contains(out, "secret") || strings.Contains(out, "sleep") {
			t.Errorf("saw the other environment:\n%s", out)
		}
		if !strings.Contains(out, "pid 1: /bin/sh") {
			t.Errorf("own processes missing:\n%s", out)
		}
	})
	t.Run("nothing on the host's loopback is reachable but Env.Listen's listener is, at 127.0.0.1:9001", func(t *testing.T) {
		hostLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer hostLn.Close()
		var hostConns sync.WaitGroup
		hostConns.Add(1)
		go func() {
			defer hostConns.Done()
			for {
				c, err := hostLn.Accept()
				if err != nil {
					return
				}
				c.Write([]byte("HOST"))
				c.Close()
			}
		}()
		defer hostConns.Wait()
		defer hostLn.Close()

		var out Syncbuf
		// The second connect retries while refused: the listener opens after Start returns.
		sp := s.spec(t, "/bin/sh", "-c", "/var/task/hostile connect "+hostLn.Addr().String()+"; /var/task/hostile connect 127.0.0.1:9001 retry")
		sp.Stdout, sp.Stderr = &out, &out
		e := s.start(t, sp)
		ln, err := e.Listen("tcp", "127.0.0.1:9001")
		if err != nil {
			t.Fatalf("Listen: %v", err)
		}
		defer ln.Close()
		var served sync.WaitGroup
		served.Add(1)
		go func() {
			defer served.Done()
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("RUNTIME-API"))
			c.Close()
		}()
		wait(t, e, 10*time.Second)
		ln.Close()
		served.Wait()
		got := out.String()
		if strings.Contains(got, "HOST") {
			t.Errorf("reached the host's loopback:\n%s", got)
		}
		if !strings.Contains(got, "connect error") {
			t.Errorf("host loopback connect did not fail:\n%s", got)
		}
		if !strings.Contains(got, "connected: RUNTIME-API") {
			t.Errorf("Env.Listen listener not reachable from inside:\n%s", got)
		}
	})
	t.Run("environments start concurrently and each is released", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out Syncbuf
				sp := s.spec(t, "/bin/echo", "hi")
				sp.Stdout = &out
				e, err := s.l.Start(context.Background(), sp)
				if err != nil {
					errs <- err.Error()
					return
				}
				if code, err := e.Wait(); code != 0 || err != nil || out.String() != "hi\n" {
					errs <- fmt.Sprintf("exit %d, %v, %q", code, err, out.String())
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
	t.Run("a start that fails leaves nothing behind and reports why", func(t *testing.T) {
		sp := s.spec(t, "/var/task/does-not-exist")
		if _, err := s.l.Start(context.Background(), sp); err == nil || !strings.Contains(err.Error(), "does-not-exist") {
			t.Errorf("Start = %v, want an error naming the missing program", err)
		}
	})
	t.Run("nothing is left on the host after the environments end and the launcher is closed", func(t *testing.T) {
		// Earlier subtests' cleanups have run; close the launcher if it can be (it may keep
		// resources ready for the next Start) and compare the host with how it was.
		if c, ok := s.l.(io.Closer); ok {
			if err := c.Close(); err != nil {
				t.Errorf("close launcher: %v", err)
			}
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			after := hostState(t)
			diff := before.diff(after)
			if diff == "" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("left behind: %s", diff)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// limitWriter accepts limit bytes, then fails every write.
type limitWriter struct {
	mu    sync.Mutex // guards n
	n     int
	limit int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n+len(p) > w.limit {
		return 0, io.ErrShortWrite
	}
	w.n += len(p)
	return len(p), nil
}

func (w *limitWriter) written() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// state is what an environment could leave behind on the host.
type state struct {
	mounts int      // lines in /proc/self/mountinfo
	loops  []string // attached loop devices with their backing files
}

func hostState(t *testing.T) state {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	st := state{mounts: bytes.Count(b, []byte("\n"))}
	devs, _ := filepath.Glob("/sys/block/loop*/loop/backing_file")
	for _, d := range devs {
		f, _ := os.ReadFile(d)
		st.loops = append(st.loops, filepath.Base(filepath.Dir(filepath.Dir(d)))+"="+strings.TrimSpace(string(f)))
	}
	return st
}

func (s state) diff(after state) string {
	var out []string
	if after.mounts != s.mounts {
		out = append(out, fmt.Sprintf("mounts %d -> %d", s.mounts, after.mounts))
	}
	had := map[string]bool{}
	for _, l := range s.loops {
		had[l] = true
	}
	for _, l := range after.loops {
		if !had[l] {
			out = append(out, "loop device "+l)
		}
	}
	return strings.Join(out, "; ")
}
