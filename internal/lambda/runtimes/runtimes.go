// Package runtimes holds the Lambda runtimes Stratus ships and says how to start each one.
//
// The python3.11 and nodejs20.x bootstraps are written with only their language's standard
// library and embedded here; WriteTo lays them out in a directory that the invoke path
// mounts read-only at /var/runtime. For provided.al2023 and provided.al2 the user's own
// /var/task/bootstrap is the runtime. Command gives, for a runtime name, the argv to start
// and the environment variables the runtime sets for itself on AWS (PATH,
// LD_LIBRARY_PATH, PYTHONPATH or NODE_PATH, LAMBDA_RUNTIME_DIR, AWS_EXECUTION_ENV, ...).
//
// It is not the execution environment (the sandbox starts the process) and does not give
// the per-function variables (AWS_LAMBDA_FUNCTION_NAME, _HANDLER, credentials, ...): the
// invoke path adds those.
package runtimes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

//go:embed python/bootstrap.py nodejs/bootstrap.js
var files embed.FS

// Runtime names Stratus runs.
const (
	Python311      = "python3.11"
	NodeJS20       = "nodejs20.x"
	ProvidedAL2023 = "provided.al2023"
	ProvidedAL2    = "provided.al2"
)

// OptDirEnv names the variable the bootstraps read for the layers' root instead of /opt.
// Tests set it; the invoke path never needs to (Paths.OptDir is /opt in an environment).
const OptDirEnv = "STRATUS_OPT_DIR"

// ErrUnknownRuntime is returned by Command for a runtime name Stratus does not run.
var ErrUnknownRuntime = errors.New("unknown runtime")

// Paths are where an execution environment mounts things. The zero value means AWS's
// paths: /var/runtime, /var/task and /opt.
type Paths struct {
	RuntimeDir string // where WriteTo's directory is mounted; "" means /var/runtime
	TaskRoot   string // the function's code; "" means /var/task
	OptDir     string // the merged layers; "" means /opt
}

func (p Paths) withDefaults() Paths {
	if p.RuntimeDir == "" {
		p.RuntimeDir = "/var/runtime"
	}
	if p.TaskRoot == "" {
		p.TaskRoot = "/var/task"
	}
	if p.OptDir == "" {
		p.OptDir = "/opt"
	}
	return p
}

// Spec is how to start one runtime.
type Spec struct {
	// Args is the argv; Args[0] is an absolute path.
	Args []string
	// Env is the runtime's own environment, as KEY=VALUE, to which the invoke path adds
	// the function's variables.
	Env []string
}

// Command returns how to start runtime with the given paths.
// Returns ErrUnknownRuntime for a runtime Stratus does not run.
func Command(runtime string, p Paths) (Spec, error) {
	p = p.withDefaults()
	j := path.Join
	ldPath := strings.Join([]string{"/lib64", "/usr/lib64", p.RuntimeDir, j(p.RuntimeDir, "lib"),
		p.TaskRoot, j(p.TaskRoot, "lib"), j(p.OptDir, "lib")}, ":")
	env := []string{
		"PATH=" + strings.Join([]string{"/usr/local/bin", "/usr/bin", "/bin", j(p.OptDir, "bin")}, ":"),
		"LD_LIBRARY_PATH=" + ldPath,
		"LAMBDA_RUNTIME_DIR=" + p.RuntimeDir,
		"LAMBDA_TASK_ROOT=" + p.TaskRoot,
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
	}
	if p.OptDir != "/opt" {
		env = append(env, OptDirEnv+"="+p.OptDir)
	}
	switch runtime {
	case Python311:
		env = append(env,
			"AWS_EXECUTION_ENV=AWS_Lambda_python3.11",
			"PYTHONPATH="+j(p.RuntimeDir, "python"),
			"PYTHONUNBUFFERED=1",
		)
		return Spec{Args: []string{"/usr/bin/python3.11", j(p.RuntimeDir, "python", "bootstrap.py")}, Env: env}, nil
	case NodeJS20:
		nodePath := strings.Join([]string{j(p.OptDir, "nodejs/node20/node_modules"), j(p.OptDir, "nodejs/node_modules"),
			j(p.RuntimeDir, "node_modules"), p.RuntimeDir, p.TaskRoot}, ":")
		env = append(env,
			"AWS_EXECUTION_ENV=AWS_Lambda_nodejs20.x",
			"NODE_PATH="+nodePath,
		)
		return Spec{Args: []string{"/usr/bin/node", j(p.RuntimeDir, "nodejs", "bootstrap.js")}, Env: env}, nil
	case ProvidedAL2023, ProvidedAL2:
		return Spec{Args: []string{j(p.TaskRoot, "bootstrap")}, Env: env}, nil
	}
	return Spec{}, fmt.Errorf("%w: %q", ErrUnknownRuntime, runtime)
}

// WriteTo writes the bootstraps under dir (python/bootstrap.py, nodejs/bootstrap.js),
// creating directories as needed and overwriting files already there. The invoke path
// mounts dir read-only at Paths.RuntimeDir.
func WriteTo(dir string) error {
	return fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if d.IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("write runtimes: %w", err)
			}
			return nil
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("write runtimes: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("write runtimes: %w", err)
		}
		return nil
	})
}
