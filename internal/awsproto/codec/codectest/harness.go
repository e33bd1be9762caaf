package codectest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// harnessTimeout bounds one run of the script.
const harnessTimeout = 2 * time.Minute

// RequireBotocore skips tb when python3 with botocore is not installed, or fails
// it under CI=true, where a skip would hide a missing install step.
func RequireBotocore(tb testing.TB) {
	tb.Helper()
	out, err := exec.Command("python3", "-c", "import botocore; print(botocore.__version__)").CombinedOutput()
	if err == nil {
		return
	}
	msg := "python3 with botocore is needed for the botocore harness: " + string(bytes.TrimSpace(out))
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// scriptPath returns testdata/botocore_harness.py beside this file.
func scriptPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "botocore_harness.py")
}

// RunHarness runs the botocore harness script with args, feeding it stdin, and
// returns its output lines decoded with json.Number for numbers.
func RunHarness(tb testing.TB, stdin []byte, args ...string) []map[string]any {
	tb.Helper()
	models, err := ModelsDir()
	if err != nil {
		tb.Fatal(err)
	}
	// Reading the script makes go test's cache notice when it changes.
	if _, err := os.ReadFile(scriptPath()); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), harnessTimeout)
	defer cancel()
	cmdArgs := append([]string{scriptPath()}, args...)
	cmdArgs = append(cmdArgs, "--models", models)
	cmd := exec.CommandContext(ctx, "python3", cmdArgs...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("botocore harness %v: %v\n%s", args, err, stderr.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			tb.Fatalf("botocore harness printed %q: %v", sc.Text(), err)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}
