package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

const trustLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// IAMRoles is the Roles adapter the server uses, over a real IAM service.
type IAMRoles struct{ IAM *iam.Service }

func (r IAMRoles) CheckExecutionRole(ctx context.Context, account, roleARN string) error {
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	role, err := r.IAM.GetRole(ctx, account, name)
	if err != nil || role.ARN != roleARN || !lambda.TrustsLambda(role.TrustPolicy) {
		return lambda.RoleNotAssumable()
	}
	return nil
}

type env struct {
	Svc     *lambda.Service
	IAM     *iam.Service
	Store   *store.Store
	BlobDir string
	Account string
	Role    string // an execution role ARN trusting Lambda
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := rootkey.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(key)
	is, err := iam.New(ctx, iam.Config{Store: st, Sealer: box})
	if err != nil {
		t.Fatal(err)
	}
	boot, _, err := is.EnsureBootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	role, err := is.CreateRole(ctx, boot.AccountID, iam.CreateRoleInput{Name: "fn-role", TrustPolicy: trustLambda})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(blob.Options{Dir: filepath.Join(dir, "blobs"), Sealer: box})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := lambda.New(ctx, lambda.Config{Store: st, Blobs: bs, Sealer: box, Roles: IAMRoles{is}, Region: "us-east-1",
		CodeLocation: func(account string, d blob.Digest) string { return "https://stratus.test/code/" + d.String() }})
	if err != nil {
		t.Fatal(err)
	}
	return &env{Svc: svc, IAM: is, Store: st, BlobDir: filepath.Join(dir, "blobs"), Account: boot.AccountID, Role: role.ARN}
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

// entry is one zip entry for makeZip.
type entry struct {
	Name   string
	Body   string
	Mode   fs.FileMode // 0 means 0644 regular file
	Method uint16
}

func makeZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: e.Method}
		mode := e.Mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.Body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bootstrapZip(t testing.TB) []byte {
	return makeZip(t, entry{Name: "bootstrap", Body: "#!/bin/sh\necho hi\n", Mode: 0o755})
}

func (e *env) create(t *testing.T, name string, mut func(*lambda.FunctionInput)) *lambda.Version {
	t.Helper()
	in := lambda.FunctionInput{Name: name, Runtime: "provided.al2023", Handler: "bootstrap", Role: e.Role, ZipFile: bootstrapZip(t)}
	if mut != nil {
		mut(&in)
	}
	v, err := e.Svc.CreateFunction(context.Background(), e.Account, in)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return v
}
