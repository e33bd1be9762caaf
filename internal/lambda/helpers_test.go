package lambda_test

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdatest"
)

type env struct{ *lambdatest.Env }

func newEnv(t *testing.T) *env { return &env{lambdatest.New(t)} }

func (e *env) create(t *testing.T, name string, mut func(*lambda.FunctionInput)) *lambda.Version {
	t.Helper()
	return e.Create(t, name, mut)
}

// blobCount counts stored blob files.
func (e *env) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	filepath.WalkDir(e.BlobDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	return n
}

type entry = lambdatest.Entry

func makeZip(t testing.TB, entries ...entry) []byte { return lambdatest.MakeZip(t, entries...) }

func bootstrapZip(t testing.TB) []byte { return lambdatest.BootstrapZip(t) }
