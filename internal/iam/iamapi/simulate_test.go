package iamapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestSimulatePrincipalPolicy(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	c := e.IAM(e.Admin)
	doc := `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
  ]
}`
	if _, err := e.Service.CreateUser(ctx, e.Account, iam.CreateUserInput{Name: "sim"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.PutInlinePolicy(ctx, e.Account, iam.Owner{Kind: iam.KindUser, Name: "sim"}, "inline", doc); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.AttachPolicy(ctx, e.Account, iam.Owner{Kind: iam.KindUser, Name: "sim"}, readOnlyARN); err != nil {
		t.Fatal(err)
	}
	simulate := func(t *testing.T, actions []string, entries []types.ContextEntry) []types.EvaluationResult {
		t.Helper()
		out, err := c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::" + e.Account + ":user/sim"), ActionNames: actions, ContextEntries: entries,
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.EvaluationResults
	}
	t.Run("an allow reports the matching statement with its position", func(t *testing.T) {
		r := simulate(t, []string{"s3:GetObject"}, nil)[0]
		if r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(r.MatchedStatements) != 1 {
			t.Fatalf("got %s %+v", r.EvalDecision, r.MatchedStatements)
		}
		m := r.MatchedStatements[0]
		if aws.ToString(m.SourcePolicyId) != "inline" || m.SourcePolicyType != types.PolicySourceTypeUser {
			t.Errorf("source %s %s", aws.ToString(m.SourcePolicyId), m.SourcePolicyType)
		}
		if m.StartPosition.Line != 4 || m.StartPosition.Column != 5 || m.EndPosition.Line != 4 {
			t.Errorf("position %+v - %+v", *m.StartPosition, *m.EndPosition)
		}
	})
	t.Run("a deny reports explicitDeny", func(t *testing.T) {
		if r := simulate(t, []string{"s3:DeleteObject"}, nil)[0]; r.EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny {
			t.Errorf("got %s", r.EvalDecision)
		}
	})
	t.Run("an attached AWS managed policy is reported as aws-managed", func(t *testing.T) {
		r := simulate(t, []string{"iam:ListUsers"}, nil)[0]
		if r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(r.MatchedStatements) != 1 ||
			r.MatchedStatements[0].SourcePolicyType != types.PolicySourceTypeAwsManaged {
			t.Errorf("got %s %+v", r.EvalDecision, r.MatchedStatements)
		}
	})
	t.Run("a condition key that is not given is reported missing", func(t *testing.T) {
		r := simulate(t, []string{"ec2:StartInstances"}, nil)[0]
		if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(r.MissingContextValues) != 1 || r.MissingContextValues[0] != "aws:SourceIp" {
			t.Errorf("got %s %v", r.EvalDecision, r.MissingContextValues)
		}
	})
	t.Run("a typed context entry satisfies the condition", func(t *testing.T) {
		r := simulate(t, []string{"ec2:StartInstances"}, []types.ContextEntry{{
			ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.1.2.3"},
		}})[0]
		if r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed {
			t.Errorf("got %s", r.EvalDecision)
		}
	})
	t.Run("every action gets a result", func(t *testing.T) {
		rs := simulate(t, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, nil)
		want := []types.PolicyEvaluationDecisionType{"allowed", "implicitDeny", "explicitDeny"}
		for i, r := range rs {
			if r.EvalDecision != want[i] {
				t.Errorf("%s: got %s, want %s", aws.ToString(r.EvalActionName), r.EvalDecision, want[i])
			}
		}
	})
}

func TestSimulateCustomPolicy(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	c := e.IAM(e.Admin)
	tests := []struct {
		name    string
		policy  string
		entries []types.ContextEntry
		want    types.PolicyEvaluationDecisionType
	}{
		{"a numeric condition compares numbers", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"10"}}}]}`,
			[]types.ContextEntry{{ContextKeyName: aws.String("s3:max-keys"), ContextKeyType: types.ContextKeyTypeEnumNumeric, ContextKeyValues: []string{"5"}}}, "allowed"},
		{"a date condition compares dates", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}`,
			[]types.ContextEntry{{ContextKeyName: aws.String("aws:CurrentTime"), ContextKeyType: types.ContextKeyTypeEnumDate, ContextKeyValues: []string{"2031-01-01T00:00:00Z"}}}, "implicitDeny"},
		{"a boolean condition reads booleans", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
			[]types.ContextEntry{{ContextKeyName: aws.String("aws:SecureTransport"), ContextKeyType: types.ContextKeyTypeEnumBoolean, ContextKeyValues: []string{"false"}}}, "explicitDeny"},
		{"a string list condition uses set operators", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}]}`,
			[]types.ContextEntry{{ContextKeyName: aws.String("aws:TagKeys"), ContextKeyType: types.ContextKeyTypeEnumStringList, ContextKeyValues: []string{"a", "c"}}}, "implicitDeny"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.SimulateCustomPolicy(ctx, &iamsdk.SimulateCustomPolicyInput{
				PolicyInputList: []string{tc.policy}, ActionNames: []string{"s3:GetObject"}, ContextEntries: tc.entries,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.EvaluationResults[0].EvalDecision; got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("custom policies are reported as PolicyInputList.N", func(t *testing.T) {
		out, err := c.SimulateCustomPolicy(ctx, &iamsdk.SimulateCustomPolicyInput{
			PolicyInputList: []string{allowDoc}, ActionNames: []string{"s3:GetObject"},
		})
		if err != nil {
			t.Fatal(err)
		}
		m := out.EvaluationResults[0].MatchedStatements
		if len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "PolicyInputList.1" {
			t.Errorf("got %+v", m)
		}
	})
	t.Run("an invalid policy is MalformedPolicyDocument", func(t *testing.T) {
		_, err := c.SimulateCustomPolicy(ctx, &iamsdk.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Statement":`}, ActionNames: []string{"s3:GetObject"}})
		if apitest.APICode(err) != "MalformedPolicyDocument" {
			t.Errorf("got %v", err)
		}
	})
}
