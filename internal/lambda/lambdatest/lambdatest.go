// Package lambdatest builds a real Lambda control plane over a temporary store,
// blob store and IAM for tests of the Lambda packages, and the zips they deploy.
//
// It is not for production code.
package lambdatest

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
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

// TrustLambda is a trust policy letting Lambda assume a role.
const TrustLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// IAMRoles is the Roles adapter the server uses, over a real IAM service.
type IAMRoles struct{ IAM *iam.Service }

// CheckExecutionRole implements lambda.Roles.
func (r IAMRoles) CheckExecutionRole(ctx context.Context, account, roleARN string) error {
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	role, err := r.IAM.GetRole(ctx, account, name)
	if err != nil || role.ARN != roleARN || !lambda.TrustsLambda(role.TrustPolicy) {
		return lambda.RoleNotAssumable()
	}
	return nil
}

// Env is a Lambda service with its dependencies, all real, in a temporary
// directory removed after the test.
type Env struct {
	Svc     *lambda.Service
	IAM     *iam.Service
	KMS     *kms.Service
	Store   *store.Store
	Box     *secret.Box
	BlobDir string
	// Dir is the temporary directory holding the store (stratus.db) and blobs.
	Dir     string
	Account string
	Role    string // an execution role ARN trusting Lambda
}

// New returns an Env with a bootstrapped account and an execution role.
func New(t testing.TB) *Env { return NewWith(t, nil) }

// NewWith is New with mut adjusting the Lambda service's configuration.
func NewWith(t testing.TB, mut func(*lambda.Config)) *Env {
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
	role, err := is.CreateRole(ctx, boot.AccountID, iam.CreateRoleInput{Name: "fn-role", TrustPolicy: TrustLambda})
	if err != nil {
		t.Fatal(err)
	}
	blobDir := filepath.Join(dir, "blobs")
	bs, err := blob.Open(blob.Options{Dir: blobDir, Sealer: box})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kms.New(ctx, kms.Config{Store: st, Sealer: box, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := lambda.Config{Store: st, Blobs: bs, Sealer: box, Keys: keys.ForService("lambda"), Roles: IAMRoles{is}, Region: "us-east-1",
		CodeLocation: func(account string, d blob.Digest) string { return "https://stratus.test/code/" + d.String() }}
	if mut != nil {
		mut(&cfg)
	}
	svc, err := lambda.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Svc: svc, IAM: is, KMS: keys, Store: st, Box: box, BlobDir: blobDir, Dir: dir, Account: boot.AccountID, Role: role.ARN}
}

// Create creates a provided.al2023 function named name from BootstrapZip,
// after mut adjusts the input.
func (e *Env) Create(t testing.TB, name string, mut func(*lambda.FunctionInput)) *lambda.Version {
	t.Helper()
	in := lambda.FunctionInput{Name: name, Runtime: "provided.al2023", Handler: "bootstrap", Role: e.Role, ZipFile: BootstrapZip(t)}
	if mut != nil {
		mut(&in)
	}
	v, err := e.Svc.CreateFunction(context.Background(), e.Account, in)
	if err != nil {
		t.Fatalf("create function %s: %v", name, err)
	}
	return v
}

// Entry is one zip entry for MakeZip.
type Entry struct {
	Name   string
	Body   string
	Mode   fs.FileMode // 0 means a 0644 regular file
	Method uint16
	Extra  []byte // the entry's extra fields, as written
}

// MakeZip returns a zip of entries, in order.
func MakeZip(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: e.Method, Extra: e.Extra}
		mode := e.Mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.Body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BootstrapZip is a zip holding an executable shell bootstrap.
func BootstrapZip(t testing.TB) []byte {
	return MakeZip(t, Entry{Name: "bootstrap", Body: "#!/bin/sh\necho hi\n", Mode: 0o755})
}
