package e2e

import (
	"strings"
	"testing"
)

func TestSimulatePoliciesFromTheCLI(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	policy := `{"Version":"2012-10-17","Statement":[
{"Sid":"ReadUsers","Effect":"Allow","Action":"iam:Get*","Resource":"*"},
{"Sid":"NoBob","Effect":"Deny","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/bob","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	out := s.awsOK(admin, "iam", "simulate-custom-policy",
		"--policy-input-list", policy,
		"--action-names", "iam:GetUser", "iam:DeleteUser",
		"--resource-arns", "arn:aws:iam::123456789012:user/bob",
		"--context-entries", "ContextKeyName=aws:SourceIp,ContextKeyValues=10.1.2.3,ContextKeyType=ip")
	results := out["EvaluationResults"].([]any)
	got := map[string]string{}
	for _, r := range results {
		m := r.(map[string]any)
		got[m["EvalActionName"].(string)] = m["EvalDecision"].(string)
		if m["EvalActionName"] == "iam:GetUser" {
			ms := m["MatchedStatements"].([]any)
			if len(ms) == 0 || !strings.Contains(ms[0].(map[string]any)["SourcePolicyId"].(string), "PolicyInputList.1") {
				t.Errorf("matched statements = %v", ms)
			}
		}
	}
	if got["iam:GetUser"] != "explicitDeny" || got["iam:DeleteUser"] != "implicitDeny" {
		t.Fatalf("decisions = %v", got)
	}

	t.Run("simulate-principal-policy evaluates a user's own policies", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-user", "--user-name", "sim")
		s.awsOK(admin, "iam", "put-user-policy", "--user-name", "sim", "--policy-name", "p",
			"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
		account := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)
		out := s.awsOK(admin, "iam", "simulate-principal-policy",
			"--policy-source-arn", "arn:aws:iam::"+account+":user/sim",
			"--action-names", "iam:ListUsers", "iam:CreateUser")
		got := map[string]string{}
		for _, r := range out["EvaluationResults"].([]any) {
			m := r.(map[string]any)
			got[m["EvalActionName"].(string)] = m["EvalDecision"].(string)
		}
		if got["iam:ListUsers"] != "allowed" || got["iam:CreateUser"] != "implicitDeny" {
			t.Fatalf("decisions = %v", got)
		}
	})
}
