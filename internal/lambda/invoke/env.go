package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda/runtimeapi"
	"github.com/stratus-cloud/stratus/internal/sandbox"
)

// env is one execution environment of one function version.
type env struct {
	id      string
	key     string
	sb      sandbox.Env
	rt      *runtimeapi.Server
	lns     []net.Listener
	log     *logWriter
	initDur time.Duration
	initErr []byte // the runtime's /init/error payload, if it failed to initialize
	// credsExpire is when the role credentials in its environment expire.
	credsExpire time.Time

	mu          sync.Mutex // guards the fields below
	busy        bool
	frozen      bool
	used        time.Time
	freezeTimer *time.Timer
	destroyed   bool
	reportInit  bool // the next REPORT line carries Init Duration
}

// wake makes an idle environment ready for an invocation.
func (e *env) wake() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.destroyed {
		return sandbox.ErrExited
	}
	e.busy = true
	if e.freezeTimer != nil {
		e.freezeTimer.Stop()
		e.freezeTimer = nil
	}
	if e.frozen {
		if err := e.sb.Thaw(); err != nil {
			return err
		}
		e.frozen = false
	}
	return nil
}

// idleSince marks the environment idle and freezes it after delay unless it is
// woken before.
func (e *env) idleSince(now time.Time, delay time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.busy = false
	e.used = now
	e.freezeTimer = time.AfterFunc(delay, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if !e.busy && !e.frozen && !e.destroyed {
			if e.sb.Freeze() == nil {
				e.frozen = true
			}
		}
	})
}

func (e *env) lastUsed() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.used
}

// destroy shuts the environment down and releases everything. Safe to call more
// than once.
func (e *env) destroy() {
	e.mu.Lock()
	if e.destroyed {
		e.mu.Unlock()
		return
	}
	e.destroyed = true
	if e.freezeTimer != nil {
		e.freezeTimer.Stop()
	}
	e.mu.Unlock()
	if e.rt != nil {
		e.rt.Close()
	}
	for _, l := range e.lns {
		l.Close()
	}
	if e.sb != nil {
		e.sb.Kill()
		e.sb.Wait()
	}
}

// run hands inv to the runtime and waits for its result. healthy reports whether
// the environment may serve another invocation.
func (e *env) run(ctx context.Context, f *Function, inv Invocation, cold bool) (*Result, bool) {
	start := time.Now()
	deadline := start.Add(f.Timeout)
	e.log.start(inv.RequestID, f.Version)
	ictx, cancel := context.WithDeadline(ctx, deadline)
	res, err := e.rt.Invoke(ictx, runtimeapi.Invocation{
		RequestID: inv.RequestID, Deadline: deadline, FunctionARN: inv.InvokedARN,
		TraceID: inv.TraceID, ClientContext: inv.ClientContext, Payload: inv.Payload,
	})
	cancel()
	dur := time.Since(start)
	e.sb.SyncOutput() // what the function printed before answering is this invocation's
	e.log.flushPartial()

	healthy := true
	var out *Result
	switch {
	case err == nil:
		out = &Result{Payload: res.Payload}
		if res.FunctionError != "" {
			out.FunctionError = "Unhandled"
		}
	case errors.Is(err, runtimeapi.ErrTimeout):
		healthy = false
		out = &Result{FunctionError: "Unhandled", Payload: errorDoc("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.RequestID, f.Timeout.Seconds()))}
		e.log.line(fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.RequestID, f.Timeout.Seconds()))
	default:
		// The runtime went away during the invocation: it crashed or was killed
		// by the memory limit.
		healthy = false
		e.sb.Kill()
		code, _ := e.sb.Wait()
		typ := "Runtime.ExitError"
		if e.sb.OOMKilled() {
			typ = "Runtime.OutOfMemory"
		}
		msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.RequestID, exitStatus(code))
		out = &Result{FunctionError: "Unhandled", Payload: errorDoc(typ, msg)}
		e.log.line(msg)
	}
	peak, _ := e.sb.MemoryPeak()
	var initDur time.Duration
	if cold {
		initDur = e.initDur
	}
	e.log.finish(inv.RequestID, dur, f, peak, initDur, cold)
	out.LogTail = e.log.tail(inv.Tail)
	return out, healthy
}

// exitStatus words an exit code as Go's os.ProcessState does, as AWS reports
// it: "exit status 3", "signal: killed".
func exitStatus(code int) string {
	if code > 128 && code < 128+65 {
		return "signal: " + syscall.Signal(code-128).String()
	}
	return fmt.Sprintf("exit status %d", code)
}

func errorDoc(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{typ, msg})
	return b
}

// billedMs rounds a duration up to whole milliseconds, as AWS bills.
func billedMs(d time.Duration) int64 {
	return int64(math.Ceil(float64(d) / float64(time.Millisecond)))
}
