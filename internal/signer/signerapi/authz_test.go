package signerapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	signersdk "github.com/aws/aws-sdk-go-v2/service/signer"
	"github.com/aws/aws-sdk-go-v2/service/signer/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/signer"
	"github.com/stratus-cloud/stratus/internal/store"
)

// target is a signing profile every authorization case works on.
type target struct {
	name, arn, version string
}

// authzCase checks that one operation is authorized against the profile it
// names and nothing broader: a caller allowed the action on one target's
// profile ARN succeeds on it and is denied, with nothing changed, on a
// sibling.
type authzCase struct {
	op string
	// resources are the ARNs the caller is allowed; nil means the target's.
	resources func(e *env, tg target) []string
	call      func(ctx context.Context, c *signersdk.Client, tg target) error
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}

func newTarget(t testing.TB, e *env, name string) target {
	t.Helper()
	p, err := e.Signer.PutSigningProfile(context.Background(), e.Account, apitest.Region, signer.PutInput{Name: name, PlatformID: platform})
	if err != nil {
		t.Fatal(err)
	}
	return target{name: name, arn: p.ARN(), version: p.Version}
}

// snapshot returns every row of the signer and kms key tables, as text.
func snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"signer_profiles", "kms_keys"} {
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
				lines = append(lines, fmt.Sprintf("%s %v", tbl, vals))
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

func TestEveryOperationIsAuthorizedOnItsProfile(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	cases := []authzCase{
		{op: "PutSigningProfile", resources: func(e *env, tg target) []string {
			return []string{signer.ProfileARN(apitest.Region, e.Account, tg.name+"_new")}
		}, call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.PutSigningProfile(ctx, &signersdk.PutSigningProfileInput{ProfileName: s(tg.name + "_new"), PlatformId: s(platform)})
			return err
		}},
		{op: "GetSigningProfile", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.GetSigningProfile(ctx, &signersdk.GetSigningProfileInput{ProfileName: s(tg.name)})
			return err
		}},
		{op: "CancelSigningProfile", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.CancelSigningProfile(ctx, &signersdk.CancelSigningProfileInput{ProfileName: s(tg.name)})
			return err
		}},
		{op: "RevokeSigningProfile", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.RevokeSigningProfile(ctx, &signersdk.RevokeSigningProfileInput{ProfileName: s(tg.name),
				ProfileVersion: s(tg.version), Reason: s("r"), EffectiveTime: aws.Time(time.Now().Add(-time.Hour))})
			return err
		}},
		{op: "StartSigningJob", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.StartSigningJob(ctx, &signersdk.StartSigningJobInput{ProfileName: s(tg.name), ClientRequestToken: s("t"),
				Source:      &types.Source{S3: &types.S3Source{BucketName: s("b"), Key: s("k"), Version: s("1")}},
				Destination: &types.Destination{S3: &types.S3Destination{BucketName: s("b")}}})
			if apitest.APICode(err) == "ValidationException" {
				return nil // authorized, and told to use stratus sign
			}
			return err
		}},
		{op: "TagResource", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.TagResource(ctx, &signersdk.TagResourceInput{ResourceArn: s(tg.arn), Tags: map[string]string{"k": "v"}})
			return err
		}},
		{op: "UntagResource", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.UntagResource(ctx, &signersdk.UntagResourceInput{ResourceArn: s(tg.arn), TagKeys: []string{"k"}})
			return err
		}},
		{op: "ListTagsForResource", call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.ListTagsForResource(ctx, &signersdk.ListTagsForResourceInput{ResourceArn: s(tg.arn)})
			return err
		}},
	}
	checkCoverage(t, e, cases, "ListSigningProfiles", "ListSigningPlatforms", "GetSigningPlatform")
	for i, tc := range cases {
		t.Run(tc.op+" is allowed on its profile and denied on a sibling profile", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := newTarget(t, e, fmt.Sprintf("t%dok", i)), newTarget(t, e, fmt.Sprintf("t%dno", i))
			resources := []string{ok.arn}
			if tc.resources != nil {
				resources = tc.resources(e, ok)
			}
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc("signer:"+tc.op, resources))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, sibling); apitest.APICode(err) != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDeniedException", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, ok); err != nil {
				t.Errorf("on the allowed profile: %v", err)
			}
		})
	}
}

func TestListingAndPlatformsAreAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	tg := newTarget(t, e, "some")
	calls := map[string]func(c *signersdk.Client) error{
		"ListSigningProfiles": func(c *signersdk.Client) error {
			_, err := c.ListSigningProfiles(context.Background(), &signersdk.ListSigningProfilesInput{})
			return err
		},
		"ListSigningPlatforms": func(c *signersdk.Client) error {
			_, err := c.ListSigningPlatforms(context.Background(), &signersdk.ListSigningPlatformsInput{})
			return err
		},
		"GetSigningPlatform": func(c *signersdk.Client) error {
			_, err := c.GetSigningPlatform(context.Background(), &signersdk.GetSigningPlatformInput{PlatformId: aws.String(platform)})
			return err
		},
	}
	i := 0
	for op, call := range calls {
		i++
		t.Run(op+" is denied when allowed only on a profile and allowed on *", func(t *testing.T) {
			narrow := e.NewUser(t, e.Account, fmt.Sprintf("narrow%d", i), allowDoc("signer:"+op, []string{tg.arn}))
			if got := apitest.APICode(call(e.client(narrow))); got != "AccessDeniedException" {
				t.Errorf("allowed on a profile: got %q", got)
			}
			wide := e.NewUser(t, e.Account, fmt.Sprintf("wide%d", i), allowDoc("signer:"+op, []string{"*"}))
			if err := call(e.client(wide)); err != nil {
				t.Errorf("allowed on *: %v", err)
			}
		})
	}
}

// checkCoverage fails t unless every registered operation has exactly one
// case (or is one of the others, tested on their own).
func checkCoverage(t *testing.T, e *env, cases []authzCase, others ...string) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.op]++
	}
	for _, o := range others {
		seen[o]++
	}
	var bad []string
	for op := range e.API.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not registered)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}
