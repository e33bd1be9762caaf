package signer

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/codesign"
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !awserr.Is(err, code) {
		t.Errorf("got %v, want %s", err, code)
	}
}

func TestPutSigningProfile(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	t.Run("a new profile gets a version, ARNs, a new KMS key and 135 months of validity", func(t *testing.T) {
		p := f.put(t, "app_signer")
		if !regexp.MustCompile(`^[a-zA-Z0-9]{10}$`).MatchString(p.Version) {
			t.Errorf("version %q", p.Version)
		}
		if want := "arn:aws:signer:us-east-1:123456789012:/signing-profiles/app_signer"; p.ARN() != want || p.VersionARN() != want+"/"+p.Version {
			t.Errorf("arn %s version arn %s", p.ARN(), p.VersionARN())
		}
		if p.Validity != (codesign.Validity{Value: 135, Type: "MONTHS"}) || p.Status != StatusActive {
			t.Errorf("validity %+v status %s", p.Validity, p.Status)
		}
		if n := f.keysMade(t); n != 1 || !strings.HasPrefix(p.KeyARN, "arn:aws:kms:us-east-1:123456789012:key/") {
			t.Errorf("keys made %d, key %s", n, p.KeyARN)
		}
		if _, err := f.kms.SigningKeys().PublicKey(ctx, p.KeyARN); err != nil {
			t.Errorf("the profile's key is not a KMS signing key: %v", err)
		}
		got, err := f.svc.GetSigningProfile(ctx, acct, region, "app_signer", "")
		if err != nil || got.Version != p.Version || got.KeyARN != p.KeyARN {
			t.Errorf("get: %+v %v", got, err)
		}
	})
	t.Run("a profile given a KMS key ARN signs with it and makes no key", func(t *testing.T) {
		key, err := f.kms.SigningKeys().CreateSigningKey(ctx, acct, region, "mine")
		if err != nil {
			t.Fatal(err)
		}
		before := f.keysMade(t)
		p, err := f.svc.PutSigningProfile(ctx, acct, region, PutInput{Name: "byo", PlatformID: PlatformLambda, KeyARN: key,
			Validity: &codesign.Validity{Value: 3, Type: "YEARS"}, Tags: map[string]string{"team": "a"}})
		if err != nil {
			t.Fatal(err)
		}
		if p.KeyARN != key || f.keysMade(t) != before || p.Validity.Type != "YEARS" || p.Tags["team"] != "a" {
			t.Errorf("got %+v", p)
		}
	})
	bad := []struct {
		name string
		in   PutInput
	}{
		{"a one-character name is refused", PutInput{Name: "a", PlatformID: PlatformLambda}},
		{"a name with a hyphen is refused", PutInput{Name: "my-profile", PlatformID: PlatformLambda}},
		{"a name of 65 characters is refused", PutInput{Name: strings.Repeat("a", 65), PlatformID: PlatformLambda}},
		{"a platform other than Lambda's is refused", PutInput{Name: "ok_name", PlatformID: "AWSIoTDeviceManagement-SHA256-ECDSA"}},
		{"signing material that is not a KMS key ARN is refused", PutInput{Name: "ok_name", PlatformID: PlatformLambda, KeyARN: "arn:aws:acm:us-east-1:123456789012:certificate/x"}},
		{"a KMS key in another region is refused", PutInput{Name: "ok_name", PlatformID: PlatformLambda, KeyARN: "arn:aws:kms:eu-west-1:123456789012:key/abcd"}},
		{"a validity unit other than DAYS, MONTHS or YEARS is refused", PutInput{Name: "ok_name", PlatformID: PlatformLambda, Validity: &codesign.Validity{Value: 1, Type: "WEEKS"}}},
		{"a validity of zero is refused", PutInput{Name: "ok_name", PlatformID: PlatformLambda, Validity: &codesign.Validity{Value: 0, Type: "DAYS"}}},
		{"a tag key starting with aws: is refused", PutInput{Name: "ok_name", PlatformID: PlatformLambda, Tags: map[string]string{"aws:x": "y"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.PutSigningProfile(ctx, acct, region, tc.in)
			wantCode(t, err, CodeValidation)
		})
	}
	t.Run("putting an active profile's name again is refused", func(t *testing.T) {
		f.put(t, "twice")
		_, err := f.svc.PutSigningProfile(ctx, acct, region, PutInput{Name: "twice", PlatformID: PlatformLambda})
		wantCode(t, err, CodeValidation)
	})
}

func TestProfileVersions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := f.put(t, "rotating")
	if err := f.svc.CancelSigningProfile(ctx, acct, region, "rotating"); err != nil {
		t.Fatal(err)
	}
	t.Run("canceling makes the profile Canceled and a second cancel changes nothing", func(t *testing.T) {
		if err := f.svc.CancelSigningProfile(ctx, acct, region, "rotating"); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.GetSigningProfile(ctx, acct, region, "rotating", "")
		if err != nil || p.Status != StatusCanceled {
			t.Errorf("got %+v %v", p, err)
		}
	})
	second := f.put(t, "rotating")
	t.Run("putting a canceled name again makes a new active version", func(t *testing.T) {
		if second.Version == first.Version || second.Status != StatusActive || second.ARN() != first.ARN() {
			t.Errorf("first %s second %s %s", first.Version, second.Version, second.Status)
		}
		p, _ := f.svc.GetSigningProfile(ctx, acct, region, "rotating", "")
		if p.Version != second.Version {
			t.Errorf("current version %s, want %s", p.Version, second.Version)
		}
	})
	t.Run("the old version stays known to signature checks, canceled", func(t *testing.T) {
		pv, err := f.svc.ProfileVersion(ctx, first.VersionARN())
		if err != nil {
			t.Fatal(err)
		}
		want := codesign.ProfileVersion{Account: acct, Region: region, Name: "rotating", Version: first.Version,
			ARN: first.VersionARN(), Status: StatusCanceled, KeyARN: first.KeyARN, Validity: first.Validity}
		if *pv != want {
			t.Errorf("got %+v\nwant %+v", *pv, want)
		}
	})
	t.Run("an unknown version ARN is ResourceNotFoundException", func(t *testing.T) {
		_, err := f.svc.ProfileVersion(ctx, first.ARN()+"/ZZZZZZZZZZ")
		wantCode(t, err, CodeNotFound)
		_, err = f.svc.ProfileVersion(ctx, first.ARN())
		wantCode(t, err, CodeNotFound)
	})
	t.Run("an unknown profile is ResourceNotFoundException for get and cancel", func(t *testing.T) {
		_, err := f.svc.GetSigningProfile(ctx, acct, region, "nothere", "")
		wantCode(t, err, CodeNotFound)
		wantCode(t, f.svc.CancelSigningProfile(ctx, acct, region, "nothere"), CodeNotFound)
	})
	t.Run("another account's profile is found only under its owner", func(t *testing.T) {
		_, err := f.svc.GetSigningProfile(ctx, "999999999999", region, "rotating", "")
		wantCode(t, err, CodeNotFound)
		p, err := f.svc.GetSigningProfile(ctx, "999999999999", region, "rotating", acct)
		if err != nil || p.Version != second.Version {
			t.Errorf("got %+v %v", p, err)
		}
	})
}

func TestRevokeSigningProfile(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := f.put(t, "revokable")
	now := f.clock.Now()
	revoke := func(version string, at time.Time) error {
		return f.svc.RevokeSigningProfile(ctx, acct, region, RevokeInput{Name: "revokable", Version: version, Reason: "key leaked",
			EffectiveTime: at, RevokedBy: "arn:aws:iam::123456789012:user/admin"})
	}
	t.Run("an effective time in the future is refused", func(t *testing.T) {
		wantCode(t, revoke(p.Version, now.Add(time.Minute)), CodeValidation)
	})
	t.Run("an unknown version is ResourceNotFoundException", func(t *testing.T) {
		wantCode(t, revoke("AAAAAAAAAA", now), CodeNotFound)
	})
	t.Run("a malformed version or an empty reason is refused", func(t *testing.T) {
		wantCode(t, revoke("short", now), CodeValidation)
		err := f.svc.RevokeSigningProfile(ctx, acct, region, RevokeInput{Name: "revokable", Version: p.Version, EffectiveTime: now})
		wantCode(t, err, CodeValidation)
	})
	t.Run("a revocation in the past makes the profile Revoked with a revocation record", func(t *testing.T) {
		f.clock.Add(time.Hour)
		if err := revoke(p.Version, now); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.GetSigningProfile(ctx, acct, region, "revokable", "")
		if err != nil {
			t.Fatal(err)
		}
		r := got.Revocation
		if got.Status != StatusRevoked || got.StatusReason != "key leaked" || r == nil || !r.EffectiveFrom.Equal(now) ||
			!r.RevokedAt.Equal(now.Add(time.Hour)) || r.RevokedBy != "arn:aws:iam::123456789012:user/admin" {
			t.Errorf("got %+v %+v", got, r)
		}
		pv, _ := f.svc.ProfileVersion(ctx, p.VersionARN())
		if pv.Status != StatusRevoked || !pv.RevokedFrom.Equal(now) {
			t.Errorf("profile version %+v", pv)
		}
	})
	t.Run("revoking again may move the effective time earlier", func(t *testing.T) {
		if err := revoke(p.Version, now.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		pv, _ := f.svc.ProfileVersion(ctx, p.VersionARN())
		if !pv.RevokedFrom.Equal(now.Add(-24 * time.Hour)) {
			t.Errorf("effective from %v", pv.RevokedFrom)
		}
	})
	t.Run("revoking again may not move the effective time later", func(t *testing.T) {
		wantCode(t, revoke(p.Version, now), CodeValidation)
	})
	t.Run("a revoked name can be put again as a new version", func(t *testing.T) {
		if n := f.put(t, "revokable"); n.Version == p.Version || n.Status != StatusActive {
			t.Errorf("got %+v", n)
		}
	})
}

func TestListSigningProfiles(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, n := range []string{"p1", "p2", "p3", "p4", "p5"} {
		f.put(t, n)
	}
	if err := f.svc.CancelSigningProfile(ctx, acct, region, "p2"); err != nil {
		t.Fatal(err)
	}
	p3, _ := f.svc.GetSigningProfile(ctx, acct, region, "p3", "")
	if err := f.svc.RevokeSigningProfile(ctx, acct, region, RevokeInput{Name: "p3", Version: p3.Version, Reason: "r", EffectiveTime: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	names := func(ps []*Profile) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		name string
		in   ListInput
		want string
	}{
		{"by default only active profiles are listed", ListInput{}, "p1,p4,p5"},
		{"includeCanceled adds canceled and revoked profiles", ListInput{IncludeCanceled: true}, "p1,p2,p3,p4,p5"},
		{"statuses list exactly those statuses", ListInput{Statuses: []string{StatusRevoked}}, "p3"},
		{"a platform filter of another platform lists nothing", ListInput{PlatformID: "other"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.svc.ListSigningProfiles(ctx, acct, region, tc.in)
			if err != nil || names(got) != tc.want {
				t.Errorf("got %q %v, want %q", names(got), err, tc.want)
			}
		})
	}
	t.Run("pages of two walk every profile once", func(t *testing.T) {
		var all []string
		token := ""
		for range 10 {
			page, next, err := f.svc.ListSigningProfiles(ctx, acct, region, ListInput{IncludeCanceled: true, Max: 2, NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 2 {
				t.Fatalf("page of %d", len(page))
			}
			all = append(all, names(page))
			if token = next; token == "" {
				break
			}
		}
		if got := strings.Join(all, ","); got != "p1,p2,p3,p4,p5" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a token that is not one of ours is refused", func(t *testing.T) {
		_, _, err := f.svc.ListSigningProfiles(ctx, acct, region, ListInput{NextToken: "!!"})
		wantCode(t, err, CodeValidation)
	})
}

func TestTags(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := f.put(t, "tagged")
	t.Run("tags are added, replaced, listed and removed", func(t *testing.T) {
		if err := f.svc.TagResource(ctx, acct, region, p.ARN(), map[string]string{"a": "1", "b": "2"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.TagResource(ctx, acct, region, p.ARN(), map[string]string{"a": "3"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UntagResource(ctx, acct, region, p.ARN(), []string{"b"}); err != nil {
			t.Fatal(err)
		}
		tags, err := f.svc.ListTagsForResource(ctx, acct, region, p.ARN())
		if err != nil || len(tags) != 1 || tags["a"] != "3" {
			t.Errorf("got %v %v", tags, err)
		}
	})
	t.Run("an ARN that is not a profile ARN is BadRequestException", func(t *testing.T) {
		wantCode(t, f.svc.TagResource(ctx, acct, region, "arn:aws:kms:us-east-1:123456789012:key/x", map[string]string{"a": "b"}), CodeBadRequest)
		_, err := f.svc.ListTagsForResource(ctx, acct, region, p.VersionARN())
		wantCode(t, err, CodeBadRequest)
	})
	t.Run("a profile that does not exist is NotFoundException", func(t *testing.T) {
		_, err := f.svc.ListTagsForResource(ctx, acct, region, ProfileARN(region, acct, "ghost"))
		wantCode(t, err, CodeTagNotFound)
	})
	t.Run("tagging a canceled profile is BadRequestException", func(t *testing.T) {
		if err := f.svc.CancelSigningProfile(ctx, acct, region, "tagged"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.TagResource(ctx, acct, region, p.ARN(), map[string]string{"c": "d"}), CodeBadRequest)
	})
}

func TestPlatforms(t *testing.T) {
	f := newFixture(t)
	t.Run("the Lambda platform is described with AWS's fields", func(t *testing.T) {
		p, err := f.svc.GetSigningPlatform(PlatformLambda)
		if err != nil {
			t.Fatal(err)
		}
		if p.DisplayName != "AWS Lambda" || p.Partner != "AWSLambda" || p.Target != "SHA384-ECDSA" || !p.RevocationSupported || p.MaxSizeInMB != 250 {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("another platform is ResourceNotFoundException", func(t *testing.T) {
		_, err := f.svc.GetSigningPlatform("AWSIoTDeviceManagement-SHA256-ECDSA")
		wantCode(t, err, CodeNotFound)
	})
	t.Run("list filters on partner", func(t *testing.T) {
		if got := f.svc.ListSigningPlatforms("", "AWSLambda", ""); len(got) != 1 {
			t.Errorf("got %d", len(got))
		}
		if got := f.svc.ListSigningPlatforms("", "AWSIoT", ""); len(got) != 0 {
			t.Errorf("got %d", len(got))
		}
	})
	t.Run("StartSigningJob points at stratus sign", func(t *testing.T) {
		err := f.svc.StartSigningJob("app")
		wantCode(t, err, CodeValidation)
		if !strings.Contains(err.Error(), "stratus sign --profile-name app") {
			t.Errorf("message %v", err)
		}
	})
}
