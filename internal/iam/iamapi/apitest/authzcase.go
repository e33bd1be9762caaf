package apitest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/stratus-cloud/stratus/internal/store"
)

// AuthzCase checks that one operation is authorized against the resource it
// names and nothing broader: a caller allowed the action on the resource of
// one target succeeds on it and is denied, with nothing changed, on a sibling
// target of the same type.
type AuthzCase struct {
	// Op is the model operation name; Action the IAM action it needs.
	Op, Action string
	// Setup prepares target (creating the entities the call needs) and
	// returns a value Call receives (e.g. an access key id); may be nil.
	Setup func(t testing.TB, env *Env, target string) string
	// Resources returns the ARNs a call on target (with Setup's value extra)
	// is authorized against.
	Resources func(env *Env, target, extra string) []string
	// Call performs the operation on target, signed with c.
	Call func(ctx context.Context, env *Env, c Credentials, target, extra string) error
}

// RunAuthzCases runs every case as its own subtest; see AuthzCase.
func RunAuthzCases(t *testing.T, env *Env, cases []AuthzCase) {
	for i, tc := range cases {
		t.Run(tc.Op+" is allowed on the named resource and denied on its sibling", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := fmt.Sprintf("t%dok", i), fmt.Sprintf("t%dno", i)
			var extraOK, extraNo string
			if tc.Setup != nil {
				extraOK, extraNo = tc.Setup(t, env, ok), tc.Setup(t, env, sibling)
			}
			resources := tc.Resources(env, ok, extraOK)
			for _, r := range resources {
				if r == "*" || strings.HasSuffix(r, ":*") {
					t.Fatalf("case allows %q: the point is a specific resource", r)
				}
			}
			doc := allowDoc(tc.Action, resources)
			caller := env.NewUser(t, env.Account, fmt.Sprintf("caller%d", i), doc)

			before := Snapshot(t, env.Store)
			err := tc.Call(ctx, env, caller, sibling, extraNo)
			if code := APICode(err); code != "AccessDenied" && code != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDenied", err)
			}
			if after := Snapshot(t, env.Store); after != before {
				t.Errorf("the denied call changed the store:\n%s", diff(before, after))
			}
			if err := tc.Call(ctx, env, caller, ok, extraOK); err != nil {
				t.Errorf("on the allowed resource: %v", err)
			}
		})
	}
}

// StarCase is an operation whose AWS resource is "*" (the Service
// Authorization Reference lists no resource type for it).
type StarCase struct {
	Op, Action string
	// Why says why the operation has no resource.
	Why  string
	Call func(ctx context.Context, env *Env, c Credentials) error
}

// RunStarCases checks that each operation is denied when the action is allowed
// only on a specific ARN and allowed when it is allowed on "*".
func RunStarCases(t *testing.T, env *Env, cases []StarCase) {
	for i, tc := range cases {
		t.Run(tc.Op+" is authorized against * because "+tc.Why, func(t *testing.T) {
			ctx := context.Background()
			narrow := env.NewUser(t, env.Account, fmt.Sprintf("narrow%d", i),
				allowDoc(tc.Action, []string{"arn:aws:iam::" + env.Account + ":user/someone"}))
			if code := APICode(tc.Call(ctx, env, narrow)); code != "AccessDenied" && code != "AccessDeniedException" {
				t.Errorf("allowed only on one ARN: got %q, want AccessDenied", code)
			}
			wide := env.NewUser(t, env.Account, fmt.Sprintf("wide%d", i), allowDoc(tc.Action, []string{"*"}))
			if err := tc.Call(ctx, env, wide); err != nil {
				t.Errorf("allowed on *: %v", err)
			}
		})
	}
}

// CheckCoverage fails t unless every operation the named service registers
// has exactly one case.
func CheckCoverage(t *testing.T, env *Env, service string, cases []AuthzCase, stars []StarCase) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.Op]++
	}
	for _, c := range stars {
		seen[c.Op]++
	}
	var missing []string
	for op := range env.Services[service].Ops {
		if seen[op] != 1 {
			missing = append(missing, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		missing = append(missing, op+" (not registered)")
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(missing, ", "))
	}
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}

// APICode returns the AWS error code of an SDK error, "" for nil.
func APICode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "?" + err.Error()
}

// Snapshot returns every row of every iam_ table, as text, for comparing the
// store before and after a call.
func Snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'iam\_%' ESCAPE '\' ORDER BY name`)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, tbl := range tables {
			rows, err := tx.Query(ctx, `SELECT * FROM `+tbl)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			var lines []string
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
				lines = append(lines, fmt.Sprintf("%s %v", tbl, vals))
			}
			rows.Close()
			sort.Strings(lines)
			for _, l := range lines {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func diff(before, after string) string {
	bl, al := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		bl[l] = true
	}
	for _, l := range strings.Split(after, "\n") {
		al[l] = true
	}
	var out []string
	for l := range bl {
		if !al[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range al {
		if !bl[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
