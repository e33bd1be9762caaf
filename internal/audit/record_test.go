package audit

import (
	"regexp"
	"testing"

	"github.com/stratus-cloud/stratus/internal/identity"
)

func TestEventID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	t.Run("is a UUID derived from the request id alone", func(t *testing.T) {
		a, b := EventID("req-1"), EventID("req-1")
		if a != b || !uuid.MatchString(a) {
			t.Errorf("EventID(req-1) = %q and %q", a, b)
		}
	})
	t.Run("differs between request ids", func(t *testing.T) {
		if EventID("req-1") == EventID("req-2") {
			t.Error("two request ids gave one event id")
		}
	})
}

func TestRecordFields(t *testing.T) {
	ms := models(t)
	cases := []struct {
		name string
		rec  func() map[string]any
		path []string
		want any
	}{
		{"eventVersion is 1.08", func() map[string]any { return decoded(t, entry(t, ms["kms"], "CreateKey", "r", nil, nil)) },
			[]string{"eventVersion"}, "1.08"},
		{"eventTime is RFC 3339 UTC in seconds", func() map[string]any { return decoded(t, entry(t, ms["kms"], "CreateKey", "r", nil, nil)) },
			[]string{"eventTime"}, "2026-11-28T01:02:03Z"},
		{"eventSource is the endpoint prefix at amazonaws.com", func() map[string]any {
			return decoded(t, entry(t, ms["secretsmanager"], "CreateSecret", "r", nil, nil))
		}, []string{"eventSource"}, "secretsmanager.amazonaws.com"},
		{"eventID is EventID of the request id", func() map[string]any { return decoded(t, entry(t, ms["kms"], "CreateKey", "r9", nil, nil)) },
			[]string{"eventID"}, EventID("r9")},
		{"a Describe call is read-only", func() map[string]any { return decoded(t, entry(t, ms["kms"], "DescribeKey", "r", nil, nil)) },
			[]string{"readOnly"}, true},
		{"a Create call is not read-only", func() map[string]any { return decoded(t, entry(t, ms["kms"], "CreateKey", "r", nil, nil)) },
			[]string{"readOnly"}, false},
		{"Lambda Invoke is a data event", func() map[string]any { return decoded(t, entry(t, ms["lambda"], "Invoke", "r", nil, nil)) },
			[]string{"eventCategory"}, "Data"},
		{"Lambda Invoke is not a management event", func() map[string]any { return decoded(t, entry(t, ms["lambda"], "Invoke", "r", nil, nil)) },
			[]string{"managementEvent"}, false},
		{"SQS CreateQueue is a management event", func() map[string]any { return decoded(t, entry(t, ms["sqs"], "CreateQueue", "r", nil, nil)) },
			[]string{"eventCategory"}, "Management"},
		{"an IAM user is named in userIdentity", func() map[string]any { return decoded(t, entry(t, ms["kms"], "CreateKey", "r", nil, nil)) },
			[]string{"userIdentity", "userName"}, "alice"},
		{"recipientAccountId is the caller's account", func() map[string]any { return decoded(t, entry(t, ms["kms"], "CreateKey", "r", nil, nil)) },
			[]string{"recipientAccountId"}, account},
		{"an assumed role names its issuing role", func() map[string]any {
			e := entry(t, ms["kms"], "CreateKey", "r", nil, nil)
			e.Principal = &identity.Principal{Kind: identity.KindAssumedRole, Account: account, Name: "deployer", SessionName: "ci",
				ARN: "arn:aws:sts::" + account + ":assumed-role/deployer/ci", UserID: "AROAX:ci",
				IdentityARN: "arn:aws:iam::" + account + ":role/deployer", AccessKeyID: "ASIAX"}
			return decoded(t, e)
		}, []string{"userIdentity", "sessionContext", "sessionIssuer", "arn"}, "arn:aws:iam::" + account + ":role/deployer"},
		{"an assumed role's session is not MFA-authenticated", func() map[string]any {
			e := entry(t, ms["kms"], "CreateKey", "r", nil, nil)
			e.Principal = &identity.Principal{Kind: identity.KindAssumedRole, Account: account, Name: "deployer", UserID: "AROAX:ci"}
			return decoded(t, e)
		}, []string{"userIdentity", "sessionContext", "attributes", "mfaAuthenticated"}, "false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := at(c.rec(), c.path...); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
