package ssm

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
	user   = "arn:aws:iam::123456789012:user/alice"
)

// missingKey is an alias no key of the fixture's KMS has.
const missingKey = "alias/missing"

type fixture struct {
	svc   *Service
	st    *store.Store
	keys  *kmstest.Recorder
	clock *clocktest.Clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	kmsSvc := kmstest.New(t, st, c.Now)
	// Every fixture's KMS has these customer managed keys.
	for _, alias := range []string{"alias/mine", "alias/k"} {
		kmstest.CreateAliasedKey(t, kmsSvc, acct, region, alias)
	}
	keys := kmstest.NewRecorder(kmsSvc.ForService("ssm"))
	svc, err := New(ctx, Config{Store: st, Keys: keys, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: st, keys: keys, clock: c}
}

// put puts a parameter (overwriting) and returns its new version.
func (f *fixture) put(t testing.TB, name, typ, value string) int64 {
	t.Helper()
	v, _, err := f.svc.PutParameter(context.Background(), acct, region, PutInput{Name: name, Type: typ, Value: value, Overwrite: true, User: user})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return v
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "not an AWS error: " + err.Error()
}

func names(list []*Parameter) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.Name
	}
	return out
}

// dump returns every row of the ssm tables as text.
func dump(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"ssm_parameters", "ssm_parameter_versions"} {
			rows, err := tx.Query(ctx, `SELECT * FROM `+tbl)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				var b strings.Builder
				b.WriteString(tbl)
				for _, v := range vals {
					fmt.Fprintf(&b, "|%s", v)
				}
				lines = append(lines, b.String())
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
