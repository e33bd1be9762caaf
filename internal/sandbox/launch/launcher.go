package launch

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stratus-cloud/stratus/internal/sandbox"
	"github.com/stratus-cloud/stratus/internal/sandbox/cgroup"
)

// Config configures a Launcher.
type Config struct {
	// StateDir holds the launcher's working files (the /tmp filesystem templates and an
	// empty mount point). It must be on a disk filesystem, not tmpfs, and private to this
	// launcher.
	StateDir string
	// InitPath is the executable re-executed as each environment's init; it must call
	// Main first thing. Empty means this process's own executable (/proc/self/exe).
	InitPath string
	// CgroupRoot is where the cgroup filesystems are mounted; empty means /sys/fs/cgroup.
	CgroupRoot string
	// StaleParent, if set, says which other directories beside CgroupParent
	// belong to launchers that are gone (a server killed with SIGKILL leaves
	// its parent behind); New removes them.
	StaleParent func(name string) bool
	// CgroupParent names the directory, inside this process's own cgroup, that holds the
	// environments' groups; empty means "stratus".
	CgroupParent string
	// Prestart is how many init processes, and how many default-size /tmp disks, are
	// kept ready so that Start does not pay for creating them; 0 means 2, negative none.
	// Each ready init costs a few MB of memory (an idle Go process).
	Prestart int
}

// Launcher starts environments with the project's own launcher. It implements
// sandbox.Launcher. Close kills every environment still running.
type Launcher struct {
	cfg    Config
	root   string // empty directory each environment mounts its root tmpfs on
	cg     *cgroup.Hierarchy
	disks  *tmpDisks
	hostNS *os.File // this process's network namespace, restored after Listen

	warm       chan *prestarted // ready inits, filled by refill
	kick       chan struct{}    // wakes refill after a Start took something
	stop       chan struct{}    // closed by Close to stop refill
	refillDone chan struct{}    // closed when refill has returned

	seq atomic.Int64 // numbers cgroups

	mu     sync.Mutex      // guards envs, closed
	envs   map[string]*env // live environments by ID; nil while one is starting
	closed bool
}

var _ sandbox.Launcher = (*Launcher)(nil)

// New checks the host can run environments (root, namespaces, cgroups, loop devices) and
// returns a Launcher.
func New(cfg Config) (*Launcher, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("launch: StateDir is required")
	}
	if cfg.InitPath == "" {
		cfg.InitPath = "/proc/self/exe"
	}
	if cfg.CgroupRoot == "" {
		cfg.CgroupRoot = "/sys/fs/cgroup"
	}
	if cfg.CgroupParent == "" {
		cfg.CgroupParent = "stratus"
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("launch: environments need root (namespaces, mounts, cgroups)")
	}
	var st unix.Statfs_t
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	if err := unix.Statfs(cfg.StateDir, &st); err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	if st.Type == unix.TMPFS_MAGIC {
		return nil, fmt.Errorf("launch: state dir %s is on tmpfs; /tmp images must be disk-backed", cfg.StateDir)
	}
	root := filepath.Join(cfg.StateDir, "root")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	cg, err := cgroup.Detect(cfg.CgroupRoot, cfg.CgroupParent)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	cg.RemoveStale(liveGroup)
	if cfg.StaleParent != nil {
		cg.RemoveStaleParents(cfg.StaleParent)
	}
	keep := cfg.Prestart
	if keep == 0 {
		keep = 2
	}
	keep = max(keep, 0)
	disks, err := newTmpDisks(filepath.Join(cfg.StateDir, "disks"), sandbox.DefaultTmpBytes, keep)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	hostNS, err := os.Open("/proc/self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	l := &Launcher{cfg: cfg, root: root, cg: cg, disks: disks, hostNS: hostNS, envs: map[string]*env{},
		warm: make(chan *prestarted, keep), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), refillDone: make(chan struct{})}
	if keep > 0 {
		go l.refill()
	} else {
		close(l.refillDone)
	}
	return l, nil
}

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (l *Launcher) normalize(s *sandbox.Spec) error {
	if !validID.MatchString(s.ID) {
		return fmt.Errorf("launch: invalid environment id %q", s.ID)
	}
	if s.CodeDir == "" || !filepath.IsAbs(s.CodeDir) {
		return errors.New("launch: CodeDir must be an absolute path")
	}
	for _, d := range append([]string{s.RuntimeDir}, s.LayerDirs...) {
		if d != "" && (!filepath.IsAbs(d) || strings.ContainsAny(d, ":,\\")) {
			return fmt.Errorf("launch: invalid layer or runtime dir %q", d)
		}
	}
	if len(s.Args) == 0 || !filepath.IsAbs(s.Args[0]) {
		return errors.New("launch: Args[0] must be an absolute path")
	}
	if s.MemoryBytes <= 0 {
		return errors.New("launch: MemoryBytes is required")
	}
	if s.CPUMillis == 0 {
		s.CPUMillis = sandbox.CPUForMemory(s.MemoryBytes)
	}
	if s.PIDs == 0 {
		s.PIDs = sandbox.DefaultPIDs
	}
	if s.TmpBytes == 0 {
		s.TmpBytes = sandbox.DefaultTmpBytes
	}
	if s.TmpBytes < sandbox.MinTmpBytes || s.TmpBytes > sandbox.MaxTmpBytes {
		return fmt.Errorf("launch: TmpBytes %d outside %d..%d", s.TmpBytes, int64(sandbox.MinTmpBytes), int64(sandbox.MaxTmpBytes))
	}
	if s.UID == 0 {
		s.UID = sandbox.DefaultUID
	}
	if s.GID == 0 {
		s.GID = sandbox.DefaultGID
	}
	if s.UID < 0 || s.GID < 0 {
		return errors.New("launch: UID and GID must be unprivileged")
	}
	if s.Stdout == nil {
		s.Stdout = io.Discard
	}
	if s.Stderr == nil {
		s.Stderr = io.Discard
	}
	return nil
}

// hostname gives an environment a neutral name in the style of Lambda's, derived from its ID.
func hostname(id string) string {
	h := sha256.Sum256([]byte(id))
	return "169.254." + strconv.Itoa(int(h[0])) + "." + strconv.Itoa(int(h[1]))
}

// Start implements sandbox.Launcher.
func (l *Launcher) Start(ctx context.Context, s sandbox.Spec) (sandbox.Env, error) {
	if err := l.normalize(&s); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errors.New("launch: launcher is closed")
	}
	if _, dup := l.envs[s.ID]; dup {
		l.mu.Unlock()
		return nil, fmt.Errorf("launch: environment %q already exists", s.ID)
	}
	l.envs[s.ID] = nil // reserve the ID while starting
	l.mu.Unlock()

	e := &env{l: l, id: s.ID, done: make(chan struct{})}
	defer l.kickRefill()
	if err := e.start(ctx, &s); err != nil {
		e.cleanup()
		l.forget(e)
		return nil, err
	}
	l.mu.Lock()
	closed := l.closed
	l.envs[s.ID] = e
	l.mu.Unlock()
	go e.reap()
	if closed { // Close ran while this environment was starting
		_ = e.Kill()
		_, _ = e.Wait()
		return nil, errors.New("launch: launcher is closed")
	}
	return e, nil
}

func (l *Launcher) forget(e *env) {
	l.mu.Lock()
	delete(l.envs, e.id)
	l.mu.Unlock()
}

// Close kills every live environment, waits for each to be released, and removes the
// launcher's working files. Start fails after Close.
func (l *Launcher) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.stop)
	live := make([]*env, 0, len(l.envs))
	for _, e := range l.envs {
		live = append(live, e)
	}
	l.mu.Unlock()
	var errs []error
	for _, e := range live {
		if e == nil { // still starting; its Start will fail or finish on its own
			continue
		}
		_ = e.Kill()
		if _, err := e.Wait(); err != nil {
			errs = append(errs, err)
		}
	}
	<-l.refillDone
	for len(l.warm) > 0 {
		(<-l.warm).discard()
	}
	errs = append(errs, l.disks.close(), l.hostNS.Close())
	l.cg.RemoveParent()
	return errors.Join(errs...)
}

// env is one environment started by a Launcher.
type env struct {
	l  *Launcher
	id string

	// Set by start, read-only afterwards.
	init      *prestarted
	cmd       *exec.Cmd
	cg        *cgroup.Group
	netns     *os.File       // the environment's network namespace, kept open for Listen
	listeners []net.Listener // opened by start for Spec.Listen, owned by the caller

	done chan struct{} // closed by reap once everything is released

	// Written by reap before done is closed, read after.
	exitCode   int
	releaseErr error
	peak       int64
	oom        bool
}

func (e *env) start(ctx context.Context, s *sandbox.Spec) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	loopDev, err := e.l.disks.take(s.TmpBytes)
	if err != nil {
		return fmt.Errorf("launch: /tmp: %w", err)
	}
	defer loopDev.Close() // once init has mounted it; auto-clear detaches it when unmounted

	w, err := e.l.takeInit()
	if err != nil {
		return err
	}
	e.init, e.cmd, e.cg = w, w.cmd, w.cg
	// Limit the group before init reads its config and does anything.
	if err := e.cg.SetLimits(cgroup.Limits{MemoryBytes: s.MemoryBytes, PIDs: s.PIDs, CPUMillis: s.CPUMillis}); err != nil {
		return fmt.Errorf("launch: %w", err)
	}
	e.netns = w.netns
	for _, addr := range s.Listen {
		ln, err := e.Listen("tcp", addr)
		if err != nil {
			for _, l := range e.listeners {
				l.Close()
			}
			e.listeners = nil
			return err
		}
		e.listeners = append(e.listeners, ln)
	}
	w.copyOutput(s.Stdout, s.Stderr)
	cfgW, statR := w.cfgW, w.statR
	cfg, err := json.Marshal(initConfig{
		Hostname: hostname(s.ID),
		CodeDir:  s.CodeDir, RuntimeDir: s.RuntimeDir, LayerDirs: s.LayerDirs,
		LoopDev: loopDev.Name(), Args: s.Args, Env: s.Env, Dir: s.Dir,
		UID: s.UID, GID: s.GID, NoFile: sandbox.NoFileLimit,
	})
	if err != nil {
		return err
	}
	if _, err := cfgW.Write(cfg); err != nil {
		return fmt.Errorf("launch: send config: %w", err)
	}
	cfgW.Close()

	stop := context.AfterFunc(ctx, func() { statR.SetReadDeadline(time.Now()) })
	defer stop()
	msg, err := io.ReadAll(statR) // EOF without a message: execve succeeded
	if err != nil {
		return fmt.Errorf("launch: wait for init: %w", errors.Join(err, ctx.Err()))
	}
	if len(msg) > 0 {
		return fmt.Errorf("launch: init: %s", msg)
	}
	return nil
}

// cleanup releases what start acquired, after a failed start or once the process exited.
func (e *env) cleanup() error {
	var errs []error
	if e.cmd != nil && e.cmd.Process != nil {
		_ = e.cmd.Process.Kill()
		if e.cg != nil {
			_ = e.cg.Thaw()
		}
		_ = e.cmd.Wait()
	}
	if e.init != nil {
		e.init.release()
	}
	if e.cg != nil {
		if n, err := e.cg.OOMKills(); err == nil {
			e.oom = n > 0
		}
		if p, err := e.cg.MemoryPeak(); err == nil {
			e.peak = p
		}
		// The PID namespace died with its init, but be certain before removing the group.
		errs = append(errs, e.cg.Kill(), e.cg.Destroy())
	}
	return errors.Join(errs...)
}

// reap is the environment's one goroutine: it waits for init to exit, then releases
// everything. It ends when the process does (Kill makes that happen).
func (e *env) reap() {
	err := e.cmd.Wait()
	e.exitCode = exitCode(e.cmd.ProcessState, err)
	e.releaseErr = e.cleanup()
	e.l.forget(e)
	close(e.done)
}

func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func (e *env) exited() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// Listeners implements sandbox.Env.
func (e *env) Listeners() []net.Listener { return e.listeners }

// Listen implements sandbox.Env by creating the socket on a thread that has temporarily
// entered the environment's network namespace.
func (e *env) Listen(network, addr string) (net.Listener, error) {
	if e.exited() {
		return nil, sandbox.ErrExited
	}
	runtime.LockOSThread()
	if err := unix.Setns(int(e.netns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("launch: enter network namespace: %w", err)
	}
	// A prestarted init brings lo up on its own, but perhaps not yet: doing it
	// here too (idempotent) lets a listener exist before the process starts.
	lerr := loopbackUp()
	var ln net.Listener
	if lerr == nil {
		ln, lerr = net.Listen(network, addr)
	}
	if err := unix.Setns(int(e.l.hostNS.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the wrong namespace: leave it locked so the runtime
		// discards it when this goroutine returns.
		if ln != nil {
			ln.Close()
		}
		return nil, fmt.Errorf("launch: leave network namespace: %w", err)
	}
	runtime.UnlockOSThread()
	if lerr != nil {
		return nil, fmt.Errorf("launch: listen in environment: %w", lerr)
	}
	return ln, nil
}

func (e *env) Freeze() error {
	if e.exited() {
		return sandbox.ErrExited
	}
	return e.cg.Freeze()
}

func (e *env) Thaw() error {
	if e.exited() {
		return sandbox.ErrExited
	}
	return e.cg.Thaw()
}

func (e *env) MemoryPeak() (int64, error) {
	if e.exited() {
		return e.peak, nil
	}
	return e.cg.MemoryPeak()
}

// Done implements sandbox.Env.
func (e *env) Done() <-chan struct{} { return e.done }

// SyncOutput implements sandbox.Env.
func (e *env) SyncOutput() { e.init.syncOutput() }

func (e *env) OOMKilled() bool {
	if e.exited() {
		return e.oom
	}
	n, err := e.cg.OOMKills()
	return err == nil && n > 0
}

// Kill kills init, which takes the whole PID namespace with it, and thaws the group so a
// frozen environment can die.
func (e *env) Kill() error {
	if e.exited() {
		return nil
	}
	if err := e.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("launch: kill: %w", err)
	}
	return e.cg.Thaw()
}

func (e *env) Wait() (int, error) {
	<-e.done
	return e.exitCode, e.releaseErr
}
