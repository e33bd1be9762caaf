package codectest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// ModelsDir returns the repository's models directory, found by walking up from
// the working directory to the directory holding go.mod.
func ModelsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "models"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ReadModel loads the pinned model of service name (its botocore directory name).
func ReadModel(name string) (*model.Service, error) {
	dir, err := ModelsDir()
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, name, "*", "service-2.json.gz"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no pinned model for %s", name)
	}
	sort.Strings(paths)
	f, err := os.Open(paths[len(paths)-1])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read model %s: %w", name, err)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, zr); err != nil {
		return nil, fmt.Errorf("read model %s: %w", name, err)
	}
	return model.Load(name, buf.Bytes())
}

// LoadService loads the pinned model of service name or fails the test.
func LoadService(tb testing.TB, name string) *model.Service {
	tb.Helper()
	svc, err := ReadModel(name)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

// ServiceNames lists the services with a pinned model, sorted.
func ServiceNames() ([]string, error) {
	dir, err := ModelsDir()
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*", "service-2.json.gz"))
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, p := range paths {
		n := filepath.Base(filepath.Dir(filepath.Dir(p)))
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}
