package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	encbin "encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Names of the functions the isolation test deploys. All run the hostile
// function in testdata/hostilefn; the bystander is only ever asked to echo.
const (
	isoHostile   = "iso-hostile"   // most attacks; 1024 MB, 20 s, isoEphemeralMB of /tmp
	isoBystander = "iso-bystander" // the innocent function that must keep answering
	isoHog       = "iso-memhog"    // 128 MB, for the memory hog
	isoSpinner   = "iso-spin"      // 2 s timeout, for the CPU spinner
	isoSecret    = "iso-secret-a"  // holds secrets another function must not see
)

// Limits the test expects, as AWS Lambda documents them.
const (
	isoPIDLimit    = 1024      // processes and threads per execution environment
	isoNoFileLimit = 1024      // file descriptors
	isoMaxLogEvent = 256 << 10 // the largest CloudWatch Logs event
	isoMaxLogTail  = 4096      // the log tail Invoke returns with LogType Tail
	isoEphemeralMB = 640       // iso-hostile's /tmp; not the 512 MB default, to show the setting is applied
	isoSpinTimeout = 2         // iso-spin's timeout in seconds
	// isoFloodMemory is the most a stdout flood may add to the server's memory:
	// output is to be streamed to the log store with backpressure, not queued.
	isoFloodMemory = 256 << 20
)

// isoAttempt and isoReport mirror the hostile function's answer.
type isoAttempt struct {
	What  string `json:"what"`
	OK    bool   `json:"ok"`
	Errno string `json:"errno"`
	Error string `json:"error"`
}

type isoReport struct {
	Attack   string            `json:"attack"`
	Attempts []isoAttempt      `json:"attempts"`
	Seen     []string          `json:"seen"`
	Values   map[string]string `json:"values"`
	Count    int64             `json:"count"`
	Errno    string            `json:"errno"`
	Error    string            `json:"error"`
}

// isoResult is one invocation as the AWS CLI reported it.
type isoResult struct {
	FunctionError   string
	ExecutedVersion string
	LogTail         string
	Payload         string
	Report          isoReport // when FunctionError is empty
	ErrorType       string    // from the payload when FunctionError is set
	ErrorMessage    string
	Took            time.Duration
}

// isoLab is the server and the functions the attacks run against.
type isoLab struct {
	s      *server
	lambda *lambda.Client
	role   string
	code   []byte // the hostile function's zip
}

// TestIsolationOfHostileFunctions deploys a function that attacks its execution
// environment and invokes it through the real clients with one attack per event.
// Every attack must be contained, and after each one the server must still serve
// and another, innocent function must still answer.
func TestIsolationOfHostileFunctions(t *testing.T) {
	isoRequireSandbox(t)
	s := startServer(t)
	lab := &isoLab{s: s, role: s.lambdaRole("iso-role"), code: isoBuildHostile(t)}
	lab.lambda = lambda.NewFromConfig(s.sdkConfig(s.admin()))

	zipPath := filepath.Join(t.TempDir(), "hostile.zip")
	if err := os.WriteFile(zipPath, lab.code, 0o644); err != nil {
		t.Fatal(err)
	}
	fn := s.awsOK(s.admin(), "lambda", "create-function", "--function-name", isoHostile,
		"--runtime", "provided.al2023", "--handler", "bootstrap", "--role", lab.role,
		"--zip-file", "fileb://"+zipPath, "--memory-size", "1024", "--timeout", "20",
		"--ephemeral-storage", fmt.Sprintf("Size=%d", isoEphemeralMB))
	if es, _ := fn["EphemeralStorage"].(map[string]any); es["Size"] != float64(isoEphemeralMB) {
		t.Fatalf("create-function = %v", fn)
	}
	lab.waitActive(t, isoHostile)
	lab.create(t, isoBystander, 128, 5, nil, lab.code)
	lab.create(t, isoHog, 128, 10, nil, lab.code)
	lab.create(t, isoSpinner, 128, isoSpinTimeout, nil, lab.code)
	if v := s.awsOK(s.admin(), "lambda", "publish-version", "--function-name", isoHostile); v["Version"] != "1" {
		t.Fatalf("publish-version = %v", v)
	}
	bootBefore := lab.bystander(t)

	t.Run("the function runs as an unprivileged user with no capabilities, no_new_privs and seccomp", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "identity"})
		uid := strings.Fields(r.Values["Uid"])
		if len(uid) != 4 || uid[0] == "0" || uid[1] == "0" || uid[2] == "0" || uid[3] == "0" {
			t.Errorf("Uid = %q, want an unprivileged user", r.Values["Uid"])
		}
		for _, k := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
			if r.Values[k] != "0000000000000000" {
				t.Errorf("%s = %q, want no capabilities", k, r.Values[k])
			}
		}
		if r.Values["NoNewPrivs"] != "1" || r.Values["Seccomp"] != "2" {
			t.Errorf("NoNewPrivs = %q, Seccomp = %q; want 1 and 2 (filter)", r.Values["NoNewPrivs"], r.Values["Seccomp"])
		}
		for _, ns := range []string{"mnt", "pid", "ipc", "uts", "net"} {
			host, err := os.Readlink("/proc/self/ns/" + ns)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Values["ns/"+ns]; got == "" || got == host {
				t.Errorf("%s namespace %q, host's %q: want a namespace of its own", ns, got, host)
			}
		}
		lab.stillServing(t)
	})

	t.Run("a 128 MB function gets CPU in proportion to its memory, not a whole CPU", func(t *testing.T) {
		r := lab.attack(t, isoHog, map[string]any{"attack": "cpu-share"})
		ms, err := strconv.Atoi(r.Values["cpu-ms"])
		// AWS's share at 128 MB is 128/1769 of a vCPU: about 72 ms per second.
		if err != nil || ms > 250 {
			t.Errorf("spinning one second got %q ms of CPU, want about 72 and at most 250", r.Values["cpu-ms"])
		}
		lab.stillServing(t)
	})

	t.Run("a fork bomb stops at the PID limit with EAGAIN", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "forks"})
		if r.Count <= 0 || r.Count >= isoPIDLimit || r.Errno != "EAGAIN" {
			t.Errorf("started %d processes, then %s (%s); want fewer than %d, then EAGAIN", r.Count, r.Errno, r.Error, isoPIDLimit)
		}
		lab.stillServing(t)
	})

	t.Run("a memory hog is killed inside its cgroup, the invoke fails and the next invoke works", func(t *testing.T) {
		res := lab.invoke(t, isoHog, "", map[string]any{"attack": "memhog"})
		if res.FunctionError != "Unhandled" || (res.ErrorType != "Runtime.OutOfMemory" && res.ErrorType != "Runtime.ExitError") {
			t.Errorf("memory hog: FunctionError %q, payload %s; want Unhandled with Runtime.OutOfMemory or Runtime.ExitError", res.FunctionError, res.Payload)
		}
		lab.attack(t, isoHog, map[string]any{"attack": "echo", "nonce": "after-oom"})
		lab.stillServing(t)
	})

	t.Run("a runtime that exits in the middle of an invoke fails it with Runtime.ExitError at once", func(t *testing.T) {
		res := lab.invoke(t, isoHog, "", map[string]any{"attack": "exit"})
		if res.FunctionError != "Unhandled" || res.ErrorType != "Runtime.ExitError" {
			t.Errorf("exit: FunctionError %q, payload %s; want Unhandled with Runtime.ExitError", res.FunctionError, res.Payload)
		}
		if res.Took > 5*time.Second {
			t.Errorf("the invoke took %v, as if the server noticed the exit only at the timeout", res.Took)
		}
		lab.attack(t, isoHog, map[string]any{"attack": "echo", "nonce": "after-exit"})
		lab.stillServing(t)
	})

	t.Run("a stdout flood leaves the server serving with bounded memory and bounded log events", func(t *testing.T) {
		before := isoServerMemory(t, s)
		res := lab.invoke(t, isoHostile, "", map[string]any{"attack": "flood", "seconds": 2})
		if res.FunctionError != "" || res.Report.Count <= 0 {
			t.Fatalf("flood: FunctionError %q, payload %s", res.FunctionError, res.Payload)
		}
		after := isoServerMemory(t, s)
		t.Logf("flooded %d MiB in %v; server RSS %d -> %d MiB", res.Report.Count>>20, res.Took, before>>20, after>>20)
		if len(res.LogTail) > isoMaxLogTail {
			t.Errorf("log tail is %d bytes, want at most %d", len(res.LogTail), isoMaxLogTail)
		}
		if after > before+isoFloodMemory {
			t.Errorf("server RSS grew from %d to %d MiB during a %d MiB flood", before>>20, after>>20, res.Report.Count>>20)
		}
		events := lab.lastLogEvents(t, isoHostile, "flood done")
		floods := 0
		for _, e := range events {
			if len(e) > isoMaxLogEvent {
				t.Errorf("a log event holds %d bytes, more than CloudWatch's %d", len(e), isoMaxLogEvent)
			}
			if strings.HasPrefix(e, "flood-flood-") {
				floods++
			}
		}
		if floods == 0 {
			t.Errorf("no flood events among the last %d log events", len(events))
		}
		lab.stillServing(t)
	})

	t.Run("a CPU spinner is stopped at the timeout and the next invoke works", func(t *testing.T) {
		res := lab.invoke(t, isoSpinner, "", map[string]any{"attack": "spin"})
		want := fmt.Sprintf("Task timed out after %d.00 seconds", isoSpinTimeout)
		if res.FunctionError != "Unhandled" || !strings.Contains(res.ErrorMessage, want) {
			t.Errorf("spinner: FunctionError %q, payload %s; want Unhandled with %q", res.FunctionError, res.Payload, want)
		}
		if res.Took > isoSpinTimeout*time.Second+5*time.Second {
			t.Errorf("the timed-out invoke took %v", res.Took)
		}
		lab.attack(t, isoSpinner, map[string]any{"attack": "echo", "nonce": "after-timeout"})
		lab.stillServing(t)
	})

	t.Run("filling /tmp stops with ENOSPC at the configured ephemeral storage", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "fill-tmp"})
		size := int64(isoEphemeralMB) << 20
		if r.Errno != "ENOSPC" || r.Count > size || r.Count < size*9/10 {
			t.Errorf("wrote %d MiB, then %s (%s); want ENOSPC close to and at most %d MiB", r.Count>>20, r.Errno, r.Error, isoEphemeralMB)
		}
		lab.stillServing(t)
	})

	t.Run("opening file descriptors stops with EMFILE at 1024", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "fds-exhaust"})
		if r.Errno != "EMFILE" || r.Count >= isoNoFileLimit || r.Count < isoNoFileLimit-64 {
			t.Errorf("opened %d, then %s (%s); want EMFILE just under %d", r.Count, r.Errno, r.Error, isoNoFileLimit)
		}
		if r.Values["soft"] != strconv.Itoa(isoNoFileLimit) || r.Values["hard"] != strconv.Itoa(isoNoFileLimit) {
			t.Errorf("RLIMIT_NOFILE = %s/%s, want %d/%d", r.Values["soft"], r.Values["hard"], isoNoFileLimit, isoNoFileLimit)
		}
		lab.stillServing(t)
	})

	for _, a := range []struct {
		name, attack string
		errno        string   // every attempt named with one of prefixes must fail with it
		prefixes     []string // "" matches every attempt
	}{
		{"unshare, clone into new namespaces and setns fail with EPERM", "namespaces", "EPERM", []string{"unshare", "clone", "setns"}},
		{"mounting of any kind fails with EPERM", "mount", "EPERM", []string{""}},
		{"writes to cgroup release_agent and notify_on_release fail and /sys is absent", "cgroup", "", nil},
		{"writes to /proc/sys and /proc/sysrq-trigger fail", "proc", "", nil},
		{"ptrace and process_vm_readv of anything fail", "trace", "", nil},
		{"module loading, kexec, bpf, perf_event_open, keyctl and open_by_handle_at fail", "kernel", "", nil},
		{"raw and packet sockets fail", "rawsocket", "", nil},
	} {
		t.Run(a.name, func(t *testing.T) {
			r := lab.attack(t, isoHostile, map[string]any{"attack": a.attack})
			isoAllFailed(t, r)
			if len(r.Seen) > 0 {
				t.Errorf("saw what it must not: %q", r.Seen)
			}
			for _, at := range r.Attempts {
				for _, p := range a.prefixes {
					if strings.HasPrefix(at.What, p) && at.Errno != a.errno {
						t.Errorf("%s failed with %s (%s), want %s", at.What, at.Errno, at.Error, a.errno)
					}
				}
			}
			lab.stillServing(t)
		})
	}

	t.Run("kill -9 -1 kills only the function's own processes", func(t *testing.T) {
		host := exec.Command("sleep", "30")
		if err := host.Start(); err != nil {
			t.Fatal(err)
		}
		hostDone := make(chan error, 1)
		go func() { hostDone <- host.Wait() }()
		defer func() { host.Process.Kill(); <-hostDone }()
		boot := lab.bystander(t)

		r := lab.attack(t, isoHostile, map[string]any{"attack": "kill-all"})
		if r.Values["child"] != "killed by SIGKILL" {
			t.Errorf("the function's own child: %q, want killed by SIGKILL", r.Values["child"])
		}
		select {
		case err := <-hostDone:
			hostDone <- err
			t.Errorf("a process on the host died: %v", err)
		default:
		}
		if after := lab.bystander(t); after != boot {
			t.Errorf("the innocent function's environment was replaced (%s -> %s)", boot, after)
		}
		lab.attack(t, isoHostile, map[string]any{"attack": "echo", "nonce": "after-kill"})
		lab.stillServing(t)
	})

	t.Run("/dev holds only null, zero, full, random, urandom, tty and pts/ptmx, and mknod fails", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "dev"})
		isoAllFailed(t, r)
		allowed := map[string]bool{"/dev/null": true, "/dev/zero": true, "/dev/full": true, "/dev/random": true,
			"/dev/urandom": true, "/dev/tty": true, "/dev/pts/ptmx": true}
		for _, seen := range r.Seen {
			if p, ok := strings.CutPrefix(seen, "device "); !ok || !allowed[p] {
				t.Errorf("/dev holds %s", seen)
			}
		}
		lab.stillServing(t)
	})

	t.Run("no descriptor leaks from the launcher and the working directory is not the host's", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "fds"})
		// Besides 0, 1 and 2, the process may hold only what it opened itself: the
		// Go runtime's poller (opened during package initialization, before main),
		// the Runtime API connection, and nothing that reaches a file.
		var born []string
		for _, seen := range r.Seen {
			kind, fd, ok := strings.Cut(seen, " ")
			if !ok || (kind != "born" && kind != "now") {
				t.Errorf("escape: %s", seen)
				continue
			}
			num, target, _ := strings.Cut(fd, " -> ")
			n, _ := strconv.Atoi(num)
			switch {
			case n <= 2:
				if kind == "born" {
					born = append(born, num)
				}
				if strings.HasPrefix(target, "/") && target != "/dev/null" {
					t.Errorf("descriptor %s reaches a file", fd)
				}
			case target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]":
			case kind == "now" && strings.HasPrefix(target, "socket:["):
			default:
				t.Errorf("%s descriptor %s", kind, fd)
			}
		}
		if strings.Join(born, ",") != "0,1,2" {
			t.Errorf("the process started without descriptors 0, 1 and 2: %q", r.Seen)
		}
		if r.Values["/proc/self/cwd"] != "/var/task" || r.Values["getwd"] != "/var/task" || r.Values["/proc/self/root"] != "/" {
			t.Errorf("cwd %q (getwd %q), root %q; want /var/task and /", r.Values["/proc/self/cwd"], r.Values["getwd"], r.Values["/proc/self/root"])
		}
		for _, p := range []string{"/proc/1/cwd", "/proc/1/root"} {
			if v := r.Values[p]; v != "/" && v != "/var/task" && !strings.HasPrefix(v, "error: ") {
				t.Errorf("%s leads to %q", p, v)
			}
		}
		lab.stillServing(t)
	})

	t.Run("no socket files of the host are reachable", func(t *testing.T) {
		r := lab.attack(t, isoHostile, map[string]any{"attack": "sockets"})
		isoAllFailed(t, r)
		if len(r.Seen) > 0 {
			t.Errorf("socket files: %q", r.Seen)
		}
		if r.Count < 100 {
			t.Errorf("the walk visited only %d entries", r.Count)
		}
		lab.stillServing(t)
	})

	t.Run("the hostname shows nothing of the host", func(t *testing.T) {
		host, err := os.Hostname()
		if err != nil {
			t.Fatal(err)
		}
		r := lab.attack(t, isoHostile, map[string]any{"attack": "hostname"})
		isoAllFailed(t, r)
		for _, k := range []string{"os.Hostname", "/etc/hostname", "/proc/sys/kernel/hostname", "uname nodename"} {
			v := r.Values[k]
			if v == host || (len(host) >= 4 && strings.Contains(v, host)) {
				t.Errorf("%s = %q shows the host's name %q", k, v, host)
			}
		}
		if r.Values["os.Hostname"] == "" || r.Values["os.Hostname"] != r.Values["uname nodename"] {
			t.Errorf("hostname %q, uname %q", r.Values["os.Hostname"], r.Values["uname nodename"])
		}
		lab.stillServing(t)
	})

	t.Run("the root is read-only and holds nothing of the host, /var/task and /opt are read-only", func(t *testing.T) {
		marker := "iso-marker-" + isoRandom(t)
		for _, dir := range []string{"/root", s.dataDir} {
			p := filepath.Join(dir, marker)
			if err := os.WriteFile(p, []byte("host"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(p) })
		}
		paths := []string{"/root", "/home", "/var/lib", "/run", "/work", "/etc/shadow", "/etc/ssh",
			s.dataDir, filepath.Dir(s.dataDir), filepath.Join("/root", marker), filepath.Join(s.dataDir, marker)}
		r := lab.attack(t, isoHostile, map[string]any{"attack": "rootfs", "paths": paths, "marker": marker})
		isoAllFailed(t, r)
		if len(r.Seen) > 0 {
			t.Errorf("host files inside: %q", r.Seen)
		}
		if r.Count < 100 {
			t.Errorf("the marker search visited only %d entries", r.Count)
		}
		for _, p := range []string{"/", "/var/task", "/opt", "/usr", "/etc"} {
			if r.Values["readonly "+p] != "true" {
				t.Errorf("%s: read-only = %q", p, r.Values["readonly "+p])
			}
		}
		if r.Values["write /tmp"] != "true" {
			t.Error("/tmp is not writable")
		}
		lab.stillServing(t)
	})

	t.Run("nothing on the host's loopback is reachable but AWS_ENDPOINT_URL serves the API", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var accepted sync.WaitGroup
		var mu sync.Mutex // guards reached
		reached := 0
		accepted.Add(1)
		go func() {
			defer accepted.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				reached++
				mu.Unlock()
				c.Write([]byte("HOST"))
				c.Close()
			}
		}()
		defer accepted.Wait()
		defer ln.Close()
		_, serverPort, _ := net.SplitHostPort(s.addr)
		hostPort := ln.Addr().(*net.TCPAddr).Port
		sp, _ := strconv.Atoi(serverPort)

		r := lab.attack(t, isoHostile, map[string]any{"attack": "loopback", "ports": []int{hostPort, sp}})
		isoAllFailed(t, r)
		if len(r.Attempts) != 8 || len(r.Seen) > 0 {
			t.Errorf("attempts %d, seen %q", len(r.Attempts), r.Seen)
		}
		ln.Close()
		accepted.Wait()
		mu.Lock()
		if reached > 0 {
			t.Errorf("the host's listener accepted %d connections from the function", reached)
		}
		mu.Unlock()
		if r.Values["endpoint"] == "" || r.Values["health"] != "200" {
			t.Errorf("AWS_ENDPOINT_URL %q answered the health check with %q", r.Values["endpoint"], r.Values["health"])
		}
		if !strings.Contains(r.Values["caller"], ":assumed-role/iso-role/"+isoHostile) {
			t.Errorf("sts get-caller-identity through AWS_ENDPOINT_URL = %q, want the assumed role", r.Values["caller"])
		}
		lab.stillServing(t)
	})

	t.Run("another function's /tmp, environment and code are invisible (boto3)", func(t *testing.T) {
		tmpSecret, envSecret, codeSecret := "tmp-"+isoRandom(t), "env-"+isoRandom(t), "code-"+isoRandom(t)
		codeFile := "a-only-" + isoRandom(t) + ".txt"
		lab.create(t, isoSecret, 128, 5, map[string]string{"ISO_SECRET": envSecret},
			isoZip(t, []isoEntry{{name: "bootstrap", body: isoBootstrap(t, lab.code), mode: 0o755}, {name: codeFile, body: []byte(codeSecret), mode: 0o644}}))
		needles, _ := json.Marshal([]string{tmpSecret, envSecret, codeSecret, codeFile})
		out := isoPython(t, s, fmt.Sprintf(`
import boto3, json
c = boto3.client("lambda")
def call(fn, ev):
    r = c.invoke(FunctionName=fn, Payload=json.dumps(ev).encode())
    return {"error": r.get("FunctionError"), "report": json.loads(r["Payload"].read())}
needles = %s
print(json.dumps({
    "plant": call(%q, {"attack": "plant", "path": "/tmp/secret-of-a", "content": %q}),
    "a": call(%q, {"attack": "snoop", "needles": needles}),
    "b": call(%q, {"attack": "snoop", "needles": needles}),
}))`, needles, isoSecret, tmpSecret, isoSecret, isoHostile))
		reports := map[string]isoReport{}
		for _, k := range []string{"plant", "a", "b"} {
			v := out[k].(map[string]any)
			if v["error"] != nil {
				t.Fatalf("%s: function error %v: %v", k, v["error"], v["report"])
			}
			b, _ := json.Marshal(v["report"])
			var r isoReport
			json.Unmarshal(b, &r)
			reports[k] = r
		}
		isoAllSucceeded(t, reports["plant"])
		// The function itself sees its secrets where they are: the search works.
		for _, want := range []string{"/tmp/secret-of-a holds " + tmpSecret, "os.Environ holds " + envSecret,
			"/var/task/" + codeFile + " holds " + codeSecret, "name /var/task/" + codeFile + " holds " + codeFile} {
			if !isoContains(reports["a"].Seen, want) {
				t.Errorf("function A does not see its own secret (%s): %q", want, reports["a"].Seen)
			}
		}
		if b := reports["b"]; len(b.Seen) > 0 || strings.Contains(b.Values["/tmp"], "secret-of-a") || strings.Contains(b.Values["/var/task"], codeFile) {
			t.Errorf("function B sees function A's secrets: %q; /tmp %q; /var/task %q", b.Seen, b.Values["/tmp"], b.Values["/var/task"])
		}
		if b := reports["b"]; b.Values["pids"] == "" {
			t.Error("function B listed no processes at all")
		}
		lab.stillServing(t)
	})

	t.Run("another version of the same function runs in another environment", func(t *testing.T) {
		content := "latest-" + isoRandom(t)
		isoAllSucceeded(t, lab.attack(t, isoHostile, map[string]any{"attack": "plant", "path": "/tmp/version-marker", "content": content}))
		v1 := lab.invoke(t, isoHostile, "1", map[string]any{"attack": "peek", "path": "/tmp/version-marker"})
		if v1.FunctionError != "" || v1.ExecutedVersion != "1" || v1.Report.Values["exists"] != "false" {
			t.Errorf("version 1: FunctionError %q, ExecutedVersion %q, marker %v", v1.FunctionError, v1.ExecutedVersion, v1.Report.Values)
		}
		latest := lab.invoke(t, isoHostile, "", map[string]any{"attack": "peek", "path": "/tmp/version-marker"})
		if latest.ExecutedVersion != "$LATEST" || latest.Report.Values["content"] != content {
			t.Errorf("$LATEST no longer sees its own marker: %q %v", latest.ExecutedVersion, latest.Report.Values)
		}
		lab.stillServing(t)
	})

	if after := lab.bystander(t); after != bootBefore {
		t.Errorf("the innocent function's environment changed during the attacks (%s -> %s)", bootBefore, after)
	}
}

// TestIsolationOfHostileZips uploads zips whose entries would land outside the
// code directory, through create-function and publish-layer-version: each is
// refused with InvalidParameterValueException and nothing is created.
func TestIsolationOfHostileZips(t *testing.T) {
	requireTool(t, "aws", "--version")
	requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("iso-zip-role")
	escapee := "iso-escapee-" + isoRandom(t)
	boot := isoEntry{name: "bootstrap", body: []byte("#!/bin/sh\n"), mode: 0o755}
	cases := []struct {
		name, fn string
		entry    isoEntry
	}{
		{"an entry climbing out with ../", "iso-zip-dotdot", isoEntry{name: "../../../../../../tmp/" + escapee, body: []byte("x"), mode: 0o644}},
		{"an entry with an absolute path", "iso-zip-absolute", isoEntry{name: "/tmp/" + escapee, body: []byte("x"), mode: 0o644}},
		{"a symlink climbing out of the tree", "iso-zip-symlink-up", isoEntry{name: "lib/etc", body: []byte("../../../../../../etc"), mode: fs.ModeSymlink | 0o777}},
		{"a symlink to an absolute path", "iso-zip-symlink-abs", isoEntry{name: "shadow", body: []byte("/etc/shadow"), mode: fs.ModeSymlink | 0o777}},
		{"a hardlink", "iso-zip-hardlink", isoEntry{name: "shadow", mode: 0o644, extra: isoHardlinkExtra("/etc/shadow")}},
	}
	dir := t.TempDir()
	layers := map[string]string{}
	for _, c := range cases {
		data := isoZip(t, []isoEntry{boot, c.entry})
		p := filepath.Join(dir, c.fn+".zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		layers[c.fn] = base64.StdEncoding.EncodeToString(data)
		t.Run("create-function refuses "+c.name, func(t *testing.T) {
			r := s.aws(admin, "lambda", "create-function", "--function-name", c.fn, "--runtime", "provided.al2023",
				"--handler", "bootstrap", "--role", role, "--zip-file", "fileb://"+p)
			if r.Code == 0 || !strings.Contains(r.Stderr, "InvalidParameterValueException") {
				t.Errorf("create-function: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
		})
	}
	t.Run("get-function finds none of them, publish-layer-version refuses each and creates nothing (boto3)", func(t *testing.T) {
		zips, _ := json.Marshal(layers)
		out := isoPython(t, s, fmt.Sprintf(`
import base64, boto3, json
from botocore.exceptions import ClientError
c = boto3.client("lambda")
def code(f):
    try:
        f()
        return "ok"
    except ClientError as e:
        return e.response["Error"]["Code"]
out = {}
for name, z in json.loads(%q).items():
    out[name] = {
        "function": code(lambda: c.get_function(FunctionName=name)),
        "publish": code(lambda: c.publish_layer_version(LayerName=name, Content={"ZipFile": base64.b64decode(z)}, CompatibleRuntimes=["provided.al2023"])),
        "get": code(lambda: c.get_layer_version(LayerName=name, VersionNumber=1)),
    }
print(json.dumps(out))`, zips))
		for _, c := range cases {
			got, _ := out[c.fn].(map[string]any)
			if got["function"] != "ResourceNotFoundException" {
				t.Errorf("function with %s: get-function %v, want ResourceNotFoundException", c.name, got["function"])
			}
			if got["publish"] != "InvalidParameterValueException" || got["get"] != "ResourceNotFoundException" {
				t.Errorf("layer with %s: publish-layer-version %v, get-layer-version %v; want InvalidParameterValueException, ResourceNotFoundException", c.name, got["publish"], got["get"])
			}
		}
	})
	if _, err := os.Lstat("/tmp/" + escapee); err == nil {
		os.Remove("/tmp/" + escapee)
		t.Errorf("an entry was written to the host's /tmp/%s", escapee)
	}
}

// isoCLI runs the AWS CLI as the administrator and decodes its JSON output,
// failing t (not the test that started the server) on error.
func isoCLI(t *testing.T, s *server, args ...string) map[string]any {
	t.Helper()
	r := s.aws(s.admin(), args...)
	if r.Code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.Stdout)
	}
	return m
}

// isoPython runs a boto3 script as the administrator and decodes the JSON it
// prints, failing t on error.
func isoPython(t *testing.T, s *server, script string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = s.clientEnv(s.admin())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	m := map[string]any{}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("python printed %q: %v", out, err)
	}
	return m
}

// isoRequireSandbox skips (or fails, under CI=true) where execution environments
// cannot be started: they need root on Linux.
func isoRequireSandbox(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the isolation tests need root under CI=true")
		}
		t.Skip("the isolation tests start execution environments, which needs root")
	}
	requireTool(t, "aws", "--version")
	requireTool(t, "python3", "-c", "import boto3")
}

// isoBuildHostile builds testdata/hostilefn into a bootstrap and returns its zip.
func isoBuildHostile(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./testdata/hostilefn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the hostile function: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	return isoZip(t, []isoEntry{{name: "bootstrap", body: bin, mode: 0o755}})
}

// isoBootstrap returns the bootstrap binary held in the hostile function's zip.
func isoBootstrap(t *testing.T, code []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(code), int64(len(code)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// isoEntry is one zip entry: a file, a directory or a symlink (body is the
// target), with extra fields written as given.
type isoEntry struct {
	name  string
	body  []byte
	mode  fs.FileMode
	extra []byte
}

func isoZip(t *testing.T, entries []isoEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Extra: e.extra}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// isoHardlinkExtra is the PKWARE Unix extra field (0x000d) that marks an entry as
// a hard link to target (APPNOTE 4.5.7).
func isoHardlinkExtra(target string) []byte {
	b := encbin.LittleEndian.AppendUint16(nil, 0x000d)
	b = encbin.LittleEndian.AppendUint16(b, uint16(12+len(target)))
	b = encbin.LittleEndian.AppendUint32(b, 0) // atime
	b = encbin.LittleEndian.AppendUint32(b, 0) // mtime
	b = encbin.LittleEndian.AppendUint16(b, 0) // uid
	b = encbin.LittleEndian.AppendUint16(b, 0) // gid
	return append(b, target...)
}

func isoRandom(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

func isoContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isoAllFailed asserts the report holds attempts and every one of them failed.
func isoAllFailed(t *testing.T, r isoReport) {
	t.Helper()
	if len(r.Attempts) == 0 {
		t.Errorf("attack %s tried nothing", r.Attack)
	}
	for _, a := range r.Attempts {
		if a.OK {
			t.Errorf("ESCAPED: %s succeeded", a.What)
		}
	}
}

// isoAllSucceeded asserts every attempt of the report succeeded.
func isoAllSucceeded(t *testing.T, r isoReport) {
	t.Helper()
	for _, a := range r.Attempts {
		if !a.OK {
			t.Errorf("%s: %s", a.What, a.Error)
		}
	}
}

// create creates a provided.al2023 function from code with the SDK and waits
// until it is Active.
func (l *isoLab) create(t *testing.T, name string, memoryMB, timeout int32, env map[string]string, code []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(l.role), Runtime: lambdatypes.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: code},
		MemorySize: aws.Int32(memoryMB), Timeout: aws.Int32(timeout),
	}
	if env != nil {
		in.Environment = &lambdatypes.Environment{Variables: env}
	}
	if _, err := l.lambda.CreateFunction(ctx, in); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	l.waitActive(t, name)
}

// waitActive waits until function name is Active.
func (l *isoLab) waitActive(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		out, err := l.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		if out.Configuration.State == lambdatypes.StateActive {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("%s is still %s", name, out.Configuration.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// invoke invokes fn (at qualifier, if not empty) with the AWS CLI, asking for
// the log tail.
func (l *isoLab) invoke(t *testing.T, fn, qualifier string, ev map[string]any) isoResult {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(t.TempDir(), "payload.json")
	args := []string{"lambda", "invoke", "--function-name", fn, "--payload", string(payload), "--log-type", "Tail"}
	if qualifier != "" {
		args = append(args, "--qualifier", qualifier)
	}
	start := time.Now()
	out := isoCLI(t, l.s, append(args, outFile)...)
	res := isoResult{Took: time.Since(start)}
	res.FunctionError, _ = out["FunctionError"].(string)
	res.ExecutedVersion, _ = out["ExecutedVersion"].(string)
	if lr, _ := out["LogResult"].(string); lr != "" {
		tail, err := base64.StdEncoding.DecodeString(lr)
		if err != nil {
			t.Fatalf("LogResult is not base64: %v", err)
		}
		res.LogTail = string(tail)
	}
	body, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	res.Payload = string(body)
	if res.FunctionError != "" {
		var doc struct{ ErrorType, ErrorMessage string }
		json.Unmarshal(body, &doc)
		res.ErrorType, res.ErrorMessage = doc.ErrorType, doc.ErrorMessage
		return res
	}
	if err := json.Unmarshal(body, &res.Report); err != nil {
		t.Fatalf("%s answered %q: %v", fn, body, err)
	}
	return res
}

// attack invokes fn with ev and returns its report, failing the test if the
// invoke failed or the function did not run the attack asked for.
func (l *isoLab) attack(t *testing.T, fn string, ev map[string]any) isoReport {
	t.Helper()
	res := l.invoke(t, fn, "", ev)
	if res.FunctionError != "" || res.Report.Attack != ev["attack"] {
		t.Fatalf("%s %v: FunctionError %q, payload %s\nlog tail:\n%s", fn, ev["attack"], res.FunctionError, res.Payload, res.LogTail)
	}
	if res.Report.Error != "" && res.Report.Errno == "" {
		t.Logf("%s reported %s", ev["attack"], res.Report.Error)
	}
	return res.Report
}

// bystander asks the innocent function to echo a nonce (with the Go SDK) and
// returns the identity of the environment that answered.
func (l *isoLab) bystander(t *testing.T) string {
	t.Helper()
	nonce := isoRandom(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := l.lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String(isoBystander),
		Payload:      []byte(`{"attack":"echo","nonce":"` + nonce + `"}`),
	})
	if err != nil {
		t.Fatalf("the innocent function: %v", err)
	}
	var r isoReport
	if out.FunctionError != nil || json.Unmarshal(out.Payload, &r) != nil || r.Values["echo"] != nonce || r.Values["boot"] == "" {
		t.Fatalf("the innocent function answered %s (function error %v)", out.Payload, aws.ToString(out.FunctionError))
	}
	return r.Values["boot"]
}

// stillServing asserts the server answers its health check and the innocent
// function answers an invoke.
func (l *isoLab) stillServing(t *testing.T) {
	t.Helper()
	resp, err := http.Get(l.s.url + "/_stratus/health")
	if err != nil {
		t.Fatalf("the server is gone: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health check answered %d", resp.StatusCode)
	}
	l.bystander(t)
}

// lastLogEvents returns the messages of the last events of fn's most recent log
// stream once one of them contains want (log delivery is asynchronous).
func (l *isoLab) lastLogEvents(t *testing.T, fn, want string) []string {
	t.Helper()
	group := "/aws/lambda/" + fn
	deadline := time.Now().Add(15 * time.Second)
	for {
		streams := isoCLI(t, l.s, "logs", "describe-log-streams", "--log-group-name", group,
			"--order-by", "LastEventTime", "--descending", "--max-items", "1")["logStreams"].([]any)
		var msgs []string
		if len(streams) == 1 {
			name := streams[0].(map[string]any)["logStreamName"].(string)
			events := isoCLI(t, l.s, "logs", "get-log-events", "--log-group-name", group,
				"--log-stream-name", name, "--limit", "40")["events"].([]any)
			for _, e := range events {
				msgs = append(msgs, e.(map[string]any)["message"].(string))
			}
			for _, m := range msgs {
				if strings.Contains(m, want) {
					return msgs
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log event with %q in %s after 15 s; last events: %d", want, group, len(msgs))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// isoServerMemory returns the server process's resident memory in bytes.
func isoServerMemory(t *testing.T, s *server) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in the server's status")
	return 0
}
