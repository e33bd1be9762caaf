package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigurationHistoryOfAFunction(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	account := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)
	role := s.lambdaRole("history-role")
	envValue := "history-env-" + randomHex(t, 8)
	dir := t.TempDir()
	writeZip := func(name, answer string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, zipOf(t, map[string]string{"index.py": "def handler(event, context):\n    return " + answer + "\n"}), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v1, v2 := writeZip("v1.zip", "1"), writeZip("v2.zip", "2")

	s.awsOK(admin, "iam", "create-user", "--user-name", "tagger")
	s.awsOK(admin, "iam", "attach-user-policy", "--user-name", "tagger", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "tagger")["AccessKey"].(map[string]any)
	tagger := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}

	const fn = "history-fn"
	arn := s.awsOK(admin, "lambda", "create-function", "--function-name", fn, "--runtime", "python3.11", "--role", role,
		"--handler", "index.handler", "--zip-file", "fileb://"+v1, "--environment", "Variables={HISTORY_VAR="+envValue+"}")["FunctionArn"].(string)
	s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", fn)
	s.awsOK(admin, "lambda", "update-function-configuration", "--function-name", fn, "--memory-size", "256")
	s.awsOK(admin, "lambda", "wait", "function-updated-v2", "--function-name", fn)
	newSha := s.awsOK(admin, "lambda", "update-function-code", "--function-name", fn, "--zip-file", "fileb://"+v2, "--publish")["CodeSha256"].(string)
	s.awsOK(admin, "lambda", "wait", "function-updated-v2", "--function-name", fn)
	s.awsOK(admin, "lambda", "put-function-concurrency", "--function-name", fn, "--reserved-concurrent-executions", "3")
	s.awsOK(admin, "lambda", "create-alias", "--function-name", fn, "--name", "live", "--function-version", "1")
	s.awsOK(admin, "lambda", "add-permission", "--function-name", fn, "--statement-id", "from-sns",
		"--action", "lambda:InvokeFunction", "--principal", "sns.amazonaws.com")
	s.awsOK(tagger, "lambda", "tag-resource", "--resource", arn, "--tags", "team=blue")
	s.awsOK(admin, "lambda", "delete-function", "--function-name", fn)

	// The change each item records, oldest first, and who made it.
	changes := []struct{ event, user string }{
		{"CreateFunction", "admin"}, {"UpdateFunctionConfiguration", "admin"}, {"UpdateFunctionCode", "admin"},
		{"PutFunctionConcurrency", "admin"}, {"CreateAlias", "admin"}, {"AddPermission", "admin"},
		{"TagResource", "tagger"}, {"DeleteFunction", "admin"},
	}
	history := s.aws(admin, "configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", fn)
	if history.Code != 0 {
		t.Fatalf("get-resource-config-history: exit %d\n%s", history.Code, history.Stderr)
	}
	var doc struct {
		ConfigurationItems []map[string]any `json:"configurationItems"`
	}
	if err := json.Unmarshal([]byte(history.Stdout), &doc); err != nil {
		t.Fatal(err)
	}
	items := doc.ConfigurationItems
	if len(items) != len(changes) {
		t.Fatalf("%d configuration items, want %d (one per change):\n%s", len(items), len(changes), history.Stdout)
	}
	// byChange returns the item of changes[i] (items are newest first).
	byChange := func(i int) map[string]any { return items[len(items)-1-i] }
	config := func(t *testing.T, it map[string]any) map[string]any {
		t.Helper()
		c := map[string]any{}
		if err := json.Unmarshal([]byte(it["configuration"].(string)), &c); err != nil {
			t.Fatalf("configuration is not JSON: %v\n%v", err, it["configuration"])
		}
		return c
	}
	stateIDs := func(list []map[string]any) []string {
		var ids []string
		for _, it := range list {
			ids = append(ids, fmt.Sprint(it["configurationStateId"]))
		}
		return ids
	}

	t.Run("items run newest first from ResourceDiscovered through OK to ResourceDeleted", func(t *testing.T) {
		for i := range changes {
			want := "OK"
			switch i {
			case 0:
				want = "ResourceDiscovered"
			case len(changes) - 1:
				want = "ResourceDeleted"
			}
			it := byChange(i)
			if it["configurationItemStatus"] != want || it["resourceId"] != fn || it["arn"] != arn || it["accountId"] != account ||
				it["awsRegion"] != "us-east-1" || it["resourceType"] != "AWS::Lambda::Function" {
				t.Errorf("item of %s: status %v, ids %v %v %v %v", changes[i].event, it["configurationItemStatus"], it["resourceId"], it["arn"], it["accountId"], it["awsRegion"])
			}
		}
		for i := 1; i < len(items); i++ {
			if items[i]["configurationItemCaptureTime"].(float64) > items[i-1]["configurationItemCaptureTime"].(float64) {
				t.Errorf("item %d is newer than item %d", i, i-1)
			}
		}
	})
	t.Run("the changed fields are visible in the items", func(t *testing.T) {
		if m := config(t, byChange(0))["memorySize"]; m != float64(128) {
			t.Errorf("memorySize at creation = %v", m)
		}
		if m := config(t, byChange(1))["memorySize"]; m != float64(256) {
			t.Errorf("memorySize after update-function-configuration = %v", m)
		}
		if before, after := config(t, byChange(1))["codeSha256"], config(t, byChange(2))["codeSha256"]; before == after || after != newSha {
			t.Errorf("codeSha256 %v -> %v, want -> %v", before, after, newSha)
		}
		supp := func(i int, key string) string {
			v, _ := byChange(i)["supplementaryConfiguration"].(map[string]any)[key].(string)
			return v
		}
		if c := supp(3, "Concurrency"); !strings.Contains(c, `"reservedConcurrentExecutions":3`) || supp(2, "Concurrency") != "" {
			t.Errorf("Concurrency before %q, after %q", supp(2, "Concurrency"), c)
		}
		if a := supp(4, "Aliases"); !strings.Contains(a, `"live"`) || strings.Contains(supp(3, "Aliases"), "live") {
			t.Errorf("Aliases before %q, after %q", supp(3, "Aliases"), a)
		}
		if p := supp(5, "Policy"); !strings.Contains(p, "from-sns") || strings.Contains(supp(4, "Policy"), "from-sns") {
			t.Errorf("Policy before %q, after %q", supp(4, "Policy"), p)
		}
		if tags := byChange(6)["tags"]; fmt.Sprint(tags) != "map[team:blue]" || fmt.Sprint(byChange(5)["tags"]) == "map[team:blue]" {
			t.Errorf("tags before %v, after %v", byChange(5)["tags"], tags)
		}
		if _, ok := byChange(len(changes) - 1)["configuration"]; ok {
			t.Errorf("the deletion item has a configuration")
		}
	})
	t.Run("environment values never appear, their names do", func(t *testing.T) {
		if strings.Contains(history.Stdout, envValue) {
			t.Fatal("the environment variable's value is in the history")
		}
		if vars := config(t, byChange(0))["environment"]; !strings.Contains(fmt.Sprint(vars), "HISTORY_VAR") {
			t.Fatalf("environment in the item = %v, want the variable's name", vars)
		}
	})
	t.Run("each item's related event is the audit event of its change and names who made it", func(t *testing.T) {
		for i, want := range changes {
			ids, _ := byChange(i)["relatedEvents"].([]any)
			if len(ids) == 0 {
				t.Errorf("item of %s has no related event", want.event)
				continue
			}
			evs := s.lookup(t, "--lookup-attributes", "AttributeKey=EventId,AttributeValue="+ids[0].(string))
			if len(evs) != 1 {
				t.Errorf("lookup of event %v (%s) found %d events", ids[0], want.event, len(evs))
				continue
			}
			rec := evs[0]["record"].(map[string]any)
			if evs[0]["EventId"] != ids[0] || rec["eventName"] != want.event || field(rec, "userIdentity.userName") != want.user ||
				field(rec, "userIdentity.arn") != "arn:aws:iam::"+account+":user/"+want.user {
				t.Errorf("item of %s: related event %v is %v by %v", want.event, ids[0], rec["eventName"], rec["userIdentity"])
			}
		}
	})
	t.Run("--chronological-order Forward lists oldest first", func(t *testing.T) {
		out := s.awsOK(admin, "configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", fn,
			"--chronological-order", "Forward")
		var fwd []map[string]any
		for _, it := range out["configurationItems"].([]any) {
			fwd = append(fwd, it.(map[string]any))
		}
		var want []string
		for i := range changes {
			want = append(want, fmt.Sprint(byChange(i)["configurationStateId"]))
		}
		if got := stateIDs(fwd); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("forward order %v, want %v", got, want)
		}
	})
	t.Run("--limit pages with a NextToken add up to the whole history", func(t *testing.T) {
		var paged []map[string]any
		token := ""
		for pages := 0; ; pages++ {
			args := []string{"configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", fn,
				"--limit", "3", "--no-paginate"}
			if token != "" {
				args = append(args, "--next-token", token)
			}
			out := s.awsOK(admin, args...)
			page := out["configurationItems"].([]any)
			if len(page) > 3 {
				t.Fatalf("page of %d items with --limit 3", len(page))
			}
			for _, it := range page {
				paged = append(paged, it.(map[string]any))
			}
			token, _ = out["nextToken"].(string)
			if token == "" {
				break
			}
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
		if got, want := stateIDs(paged), stateIDs(items); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("paged %v, want %v", got, want)
		}
		first := s.awsOK(admin, "configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", fn,
			"--limit", "1", "--no-paginate")["nextToken"].(string)
		msg := s.awsErr(admin, "configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", "other-fn",
			"--limit", "1", "--no-paginate", "--next-token", first)
		if !strings.Contains(msg, "(InvalidNextTokenException)") {
			t.Fatalf("a token of %s used for another resource:\n%s", fn, msg)
		}
	})
	t.Run("boto3's paginator reads the same history", func(t *testing.T) {
		r := s.python(admin, fmt.Sprintf(`
import boto3, json
p = boto3.client("config").get_paginator("get_resource_config_history")
ids, text = [], ""
for page in p.paginate(resourceType="AWS::Lambda::Function", resourceId=%q, PaginationConfig={"PageSize": 2}):
    ids += [str(i["configurationStateId"]) for i in page["configurationItems"]]
    text += json.dumps(page["configurationItems"], default=str)
print(json.dumps({"ids": ids, "leak": %q in text}))`, fn, envValue))
		if fmt.Sprint(r["ids"]) != fmt.Sprint(stateIDs(items)) || r["leak"] != false {
			t.Fatalf("boto3 read %v (leak %v), want %v", r["ids"], r["leak"], stateIDs(items))
		}
	})
	t.Run("another account sees neither the history nor the events behind it", func(t *testing.T) {
		st := s.awsOK(admin, "organizations", "create-account", "--email", "other@example.com", "--account-name", "other")["CreateAccountStatus"].(map[string]any)
		status := s.awsOK(admin, "organizations", "describe-create-account-status", "--create-account-request-id", st["Id"].(string))["CreateAccountStatus"].(map[string]any)
		other := status["AccountId"].(string)
		c := s.awsOK(admin, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+other+":role/OrganizationAccountAccessRole",
			"--role-session-name", "peek")["Credentials"].(map[string]any)
		peek := creds{c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string)}
		msg := s.awsErr(peek, "configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", fn)
		if !strings.Contains(msg, "(ResourceNotDiscoveredException)") {
			t.Fatalf("another account reading the history:\n%s", msg)
		}
		related := byChange(0)["relatedEvents"].([]any)[0].(string)
		if evs := s.lookupAs(t, peek, "--lookup-attributes", "AttributeKey=EventId,AttributeValue="+related); len(evs) != 0 {
			t.Fatalf("another account found the CreateFunction event: %v", evs)
		}
		for _, ev := range s.lookupAs(t, peek) {
			if rec := ev["record"].(map[string]any); rec["recipientAccountId"] != other {
				t.Errorf("another account's lookup returned %v of account %v", rec["eventName"], rec["recipientAccountId"])
			}
		}
	})
	t.Run("an unknown resource is ResourceNotDiscoveredException", func(t *testing.T) {
		msg := s.awsErr(admin, "configservice", "get-resource-config-history", "--resource-type", "AWS::Lambda::Function", "--resource-id", "no-such-fn")
		if !strings.Contains(msg, "(ResourceNotDiscoveredException)") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
}
