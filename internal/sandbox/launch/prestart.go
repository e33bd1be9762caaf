package launch

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stratus-cloud/stratus/internal/sandbox/cgroup"
)

// prestarted is an init process already cloned into its new namespaces, with the Go
// runtime up, blocked reading its config. Starting one costs about 3 ms (clone, execve
// of the stratus binary, runtime and package initialisation); the launcher keeps a few
// ready so that Start pays none of it.
type prestarted struct {
	cmd     *exec.Cmd
	cg      *cgroup.Group // the process is already in it; limits are set by Start
	cfgW    *os.File      // config pipe, write end
	statR   *os.File      // status pipe, read end
	netns   *os.File      // the namespace Listen enters
	outR    *os.File      // stdout pipe, read end
	errR    *os.File      // stderr pipe, read end
	copiers sync.WaitGroup
	outputs []*output // set by copyOutput
}

// spawn starts an init process in new mount, PID, IPC, UTS and network namespaces. It
// runs in the launcher's own cgroup until Start moves it.
func (l *Launcher) spawn() (*prestarted, error) {
	w := &prestarted{}
	var child []*os.File // the ends the child gets, closed here once it has them
	defer func() {
		for _, f := range child {
			f.Close()
		}
	}()
	pipe := func(keepRead bool) (*os.File, error) {
		r, wr, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		if keepRead {
			child = append(child, wr)
			return r, nil
		}
		child = append(child, r)
		return wr, nil
	}
	var err error
	var files [4]*os.File
	if files[0], err = pipe(false); err == nil { // config: child reads
		if files[1], err = pipe(true); err == nil { // status: we read
			if files[2], err = pipe(true); err == nil { // stdout
				files[3], err = pipe(true) // stderr
			}
		}
	}
	if err != nil {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
		return nil, fmt.Errorf("launch: %w", err)
	}
	w.cfgW, w.statR, w.outR, w.errR = files[0], files[1], files[2], files[3]
	// child holds, in order: config read end, status write end, stdout and stderr write ends.
	w.cmd = &exec.Cmd{
		Path:       l.cfg.InitPath,
		Args:       []string{initArg0, l.root},
		Env:        []string{},
		Stdout:     child[2],
		Stderr:     child[3],
		ExtraFiles: []*os.File{child[0], child[1]}, // configFD, statusFD
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC |
				syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if err := w.cmd.Start(); err != nil {
		w.closeFiles()
		return nil, fmt.Errorf("launch: start init: %w", err)
	}
	if w.netns, err = os.Open(fmt.Sprintf("/proc/%d/ns/net", w.cmd.Process.Pid)); err != nil {
		w.discard()
		return nil, fmt.Errorf("launch: %w", err)
	}
	// The group is made and joined now, off Start's path (see cgroup.Group.SetLimits).
	// The process is blocked reading its config, so it has done nothing yet that the
	// environment's limits should have bounded.
	if w.cg, err = l.cg.Create(groupName(os.Getpid(), l.seq.Add(1)), cgroup.Limits{}); err != nil {
		w.discard()
		return nil, fmt.Errorf("launch: %w", err)
	}
	if err := w.cg.Add(w.cmd.Process.Pid); err != nil {
		w.discard()
		return nil, fmt.Errorf("launch: %w", err)
	}
	return w, nil
}

// groupName names the cgroup of an environment after the launcher's process, so that
// a later launcher can tell a dead one's leftovers from a live one's groups.
func groupName(pid int, seq int64) string {
	return "env-" + strconv.Itoa(pid) + "-" + strconv.FormatInt(seq, 10)
}

// liveGroup reports whether the group called name may belong to a live launcher.
func liveGroup(name string) bool {
	f := strings.Split(name, "-")
	if len(f) != 3 || f[0] != "env" {
		return true // not ours to judge
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil {
		return true
	}
	return pid == os.Getpid() || unix.Kill(pid, 0) != unix.ESRCH
}

// copyOutput starts the two goroutines that copy the process's output to the caller's
// writers. They end when every process of the environment has exited (or a writer
// fails, which closes the pipe and gives the writer EPIPE); release waits for them.
func (w *prestarted) copyOutput(stdout, stderr io.Writer) {
	w.outputs = []*output{newOutput(w.outR, stdout), newOutput(w.errR, stderr)}
	for _, o := range w.outputs {
		w.copiers.Add(1)
		go func() {
			defer w.copiers.Done()
			o.run()
		}()
	}
}

// syncOutput delivers what the environment has written so far to its writers.
func (w *prestarted) syncOutput() {
	for _, o := range w.outputs {
		o.sync()
	}
}

func (w *prestarted) closeFiles() {
	for _, f := range []*os.File{w.cfgW, w.statR, w.outR, w.errR, w.netns} {
		if f != nil {
			f.Close()
		}
	}
}

// release waits for the output copiers and closes the launcher's ends. The process must
// have been waited for.
func (w *prestarted) release() {
	w.copiers.Wait()
	w.closeFiles()
}

// discard kills an unused init and releases it.
func (w *prestarted) discard() {
	_ = w.cmd.Process.Kill()
	_ = w.cmd.Wait()
	w.closeFiles()
	if w.cg != nil {
		_ = w.cg.Destroy()
	}
}

// takeInit returns a prestarted init, or starts one now if none is ready.
func (l *Launcher) takeInit() (*prestarted, error) {
	select {
	case w := <-l.warm:
		return w, nil
	default:
		return l.spawn()
	}
}

// refill is the launcher's one background goroutine: it keeps the pool of prestarted
// inits and of attached default-size /tmp disks full until Close stops it.
func (l *Launcher) refill() {
	defer close(l.refillDone)
	for {
		progressed := false
		if len(l.warm) < cap(l.warm) {
			w, err := l.spawn()
			if err == nil {
				select {
				case l.warm <- w:
					progressed = true
				default:
					w.discard()
				}
			}
		}
		if l.disks.fillOne() {
			progressed = true
		}
		if progressed {
			select {
			case <-l.stop:
				return
			default:
				continue
			}
		}
		select {
		case <-l.stop:
			return
		case <-l.kick:
		case <-time.After(time.Second): // retry after errors
		}
	}
}

// kickRefill wakes the refill goroutine without blocking.
func (l *Launcher) kickRefill() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}
