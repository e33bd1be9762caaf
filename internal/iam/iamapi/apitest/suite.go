package apitest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awsproto"
)

// Suite checks that every operation of one API is authorized against the
// resource it names and nothing broader, with the API's SDK client C and
// targets T (a name, or a struct of what setting a target up made).
type Suite[C, T any] struct {
	Env *Env
	// API is the service whose operations Coverage checks.
	API *awsproto.Service
	// Client returns a client signing with c.
	Client func(c Credentials) C
	// Service prefixes an Op to make its default action: Service + ":" + Op.
	Service string
	// Denied are the error codes a denial comes as; AccessDeniedException
	// when empty.
	Denied []string
	// Target returns the target called name, creating what every case
	// needs (a name alone, where each case's Setup creates its own). Run
	// needs it.
	Target func(t testing.TB, name string) T
	// Resources are the ARNs a call on tg is authorized against, for the
	// cases that do not say.
	Resources func(tg T) []string
	// Snapshot returns the state a denied call must leave unchanged (see
	// the package's Snapshot). Run needs it.
	Snapshot func(t testing.TB) string
	// Wildcards lets case resources hold a "*" (Secrets Manager's ARNs end
	// in a random suffix); "*" alone or a ":*" ending fails a case even so.
	// Without it any "*" fails the case: the point is a specific resource.
	Wildcards bool
	// Noun is what a target is ("key", "queue"), for the subtests' names;
	// "" names it a resource.
	Noun string
}

// Case checks one operation: a caller allowed Action on the Resources of one
// target succeeds on it and is denied, with the Snapshot unchanged, on a
// sibling target set up the same way.
type Case[C, T any] struct {
	Op string
	// Action is the IAM action; "" means Suite.Service + ":" + Op.
	Action string
	// Setup prepares a fresh target for the call; may be nil.
	Setup func(t testing.TB, tg T)
	// Resources are the ARNs a call on tg is authorized against; nil means
	// Suite.Resources.
	Resources func(tg T) []string
	// Grants, for operations that need different actions on different
	// resources (KMS ReEncrypt), replaces Action and Resources: the caller is
	// allowed each action on its resource.
	Grants func(tg T) []awsproto.Grant
	Call   func(ctx context.Context, c C, tg T) error
	// MayFail, if set, says why the allowed call may fail for a reason other
	// than authorization; it must then only not be denied.
	MayFail string
}

// Star is an operation AWS authorizes against "*" (the Service Authorization
// Reference lists no resource type for it).
type Star[C any] struct {
	Op string
	// Action is the IAM action; "" means Suite.Service + ":" + Op.
	Action string
	// Why, if set, says why the operation has no resource.
	Why  string
	Call func(ctx context.Context, c C) error
}

func (s Suite[C, T]) action(op, action string) string {
	if action != "" {
		return action
	}
	return s.Service + ":" + op
}

func (s Suite[C, T]) denied(err error) bool {
	codes := s.Denied
	if len(codes) == 0 {
		codes = []string{"AccessDeniedException"}
	}
	return err != nil && slices.Contains(codes, APICode(err))
}

// Run runs every case as its own subtest; see Case. The i-th case's targets
// are named "t<i>ok" and "t<i>no", its caller "caller<i>".
func (s Suite[C, T]) Run(t *testing.T, cases []Case[C, T]) {
	t.Helper()
	if s.Target == nil || s.Snapshot == nil {
		t.Fatal("the suite needs a Target and a Snapshot")
	}
	for i, tc := range cases {
		name := tc.Op + " is allowed on the named resource and denied on its sibling"
		if s.Noun != "" {
			name = tc.Op + " is allowed on its " + s.Noun + " and denied on a sibling " + s.Noun
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := s.Target(t, fmt.Sprintf("t%dok", i)), s.Target(t, fmt.Sprintf("t%dno", i))
			if tc.Setup != nil {
				tc.Setup(t, ok)
				tc.Setup(t, sibling)
			}
			var resources []string
			var doc string
			if tc.Grants != nil {
				grants := tc.Grants(ok)
				for _, g := range grants {
					resources = append(resources, g.Resource)
				}
				doc = AllowGrants(grants)
			} else {
				resourcesOf := tc.Resources
				if resourcesOf == nil {
					resourcesOf = s.Resources
				}
				if resourcesOf == nil {
					t.Fatal("neither the case nor the suite says which resources the call is authorized against")
				}
				resources = resourcesOf(ok)
				doc = AllowDoc(s.action(tc.Op, tc.Action), resources...)
			}
			if len(resources) == 0 {
				t.Fatal("the case allows no resource")
			}
			for _, r := range resources {
				if r == "*" || strings.HasSuffix(r, ":*") || (!s.Wildcards && strings.Contains(r, "*")) {
					t.Fatalf("case allows %q: the point is a specific resource", r)
				}
			}
			caller := s.Client(s.Env.NewUser(t, s.Env.Account, fmt.Sprintf("caller%d", i), doc))
			before := s.Snapshot(t)
			if err := tc.Call(ctx, caller, sibling); !s.denied(err) {
				t.Fatalf("on the sibling: got %v, want %s", err, s.deniedCodes())
			}
			if after := s.Snapshot(t); after != before {
				t.Errorf("the denied call changed the store:\n%s", diff(before, after))
			}
			err := tc.Call(ctx, caller, ok)
			switch {
			case s.denied(err):
				t.Errorf("on the allowed resource: %v", err)
			case err != nil && tc.MayFail == "":
				t.Errorf("on the allowed resource: %v", err)
			case err != nil:
				t.Logf("on the allowed resource, not denied but failed (%s): %v", tc.MayFail, err)
			}
		})
	}
}

func (s Suite[C, T]) deniedCodes() string {
	if len(s.Denied) == 0 {
		return "AccessDeniedException"
	}
	return strings.Join(s.Denied, " or ")
}

// RunStars checks that each operation is denied to a caller allowed its
// action only on narrow (specific ARNs) and allowed to one allowed it on "*".
// The i-th case's callers are "narrow<i>" and "wide<i>".
func (s Suite[C, T]) RunStars(t *testing.T, narrow []string, stars []Star[C]) {
	t.Helper()
	for i, tc := range stars {
		name := tc.Op + " is denied when allowed only on a specific resource and allowed on *"
		if s.Noun != "" {
			name = tc.Op + " is denied when allowed only on a " + s.Noun + " and allowed on *"
		}
		if tc.Why != "" {
			name = tc.Op + " is authorized against * because " + tc.Why
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			action := s.action(tc.Op, tc.Action)
			c := s.Client(s.Env.NewUser(t, s.Env.Account, fmt.Sprintf("narrow%d", i), AllowDoc(action, narrow...)))
			if err := tc.Call(ctx, c); !s.denied(err) {
				t.Errorf("allowed only on %v: got %v, want %s", narrow, err, s.deniedCodes())
			}
			c = s.Client(s.Env.NewUser(t, s.Env.Account, fmt.Sprintf("wide%d", i), AllowDoc(action, "*")))
			if err := tc.Call(ctx, c); err != nil {
				t.Errorf("allowed on *: %v", err)
			}
		})
	}
}

// Coverage fails t unless every operation s.API serves has exactly one case
// or star, or is one of others (operations checked by tests of their own),
// and nothing names an operation it does not serve.
func (s Suite[C, T]) Coverage(t testing.TB, cases []Case[C, T], stars []Star[C], others ...string) {
	t.Helper()
	ops := slices.Clone(others)
	for _, c := range cases {
		ops = append(ops, c.Op)
	}
	for _, c := range stars {
		ops = append(ops, c.Op)
	}
	CheckOps(t, s.API, ops)
}

// CheckOps fails t unless ops names every operation api serves exactly once
// and nothing else.
func CheckOps(t testing.TB, api *awsproto.Service, ops []string) {
	t.Helper()
	seen := map[string]int{}
	for _, op := range ops {
		seen[op]++
	}
	var bad []string
	for op := range api.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not served)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}

// AllowGrants is an identity policy allowing each grant's action on its resource.
func AllowGrants(grants []awsproto.Grant) string {
	stmts := make([]string, len(grants))
	for i, g := range grants {
		stmts[i] = `{"Effect":"Allow","Action":"` + g.Action + `","Resource":"` + g.Resource + `"}`
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// AllowDoc is an identity policy allowing action on resources.
func AllowDoc(action string, resources ...string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}
