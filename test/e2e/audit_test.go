package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stratus-cloud/stratus/internal/datakey"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/store"
)

// auditCLI runs `stratus audit ARGS...` and returns its output and exit code.
func auditCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"audit"}, args...)...)
	cmd.Env = append(cleanEnv(), "HOME="+t.TempDir())
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("stratus audit %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// auditEvents returns the records `stratus audit events` prints for s's data directory.
func auditEvents(t *testing.T, s *server, data bool) []map[string]any {
	t.Helper()
	args := []string{"events", "--data-dir", s.dataDir, "--root-key-file", s.keyFile}
	if data {
		args = append(args, "--data")
	}
	out, errs, code := auditCLI(t, args...)
	if code != 0 {
		t.Fatalf("stratus audit events: exit %d\n%s", code, errs)
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		rec := map[string]any{}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stratus audit events printed a line that is not JSON: %v\n%s", err, line)
		}
		recs = append(recs, rec)
	}
	return recs
}

// lookup runs `aws cloudtrail lookup-events` with args and returns its events,
// each with its CloudTrailEvent decoded under the key "record".
func (s *server) lookup(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	return s.lookupAs(t, s.admin(), args...)
}

// lookupAs is lookup with another caller's credentials.
func (s *server) lookupAs(t *testing.T, c creds, args ...string) []map[string]any {
	t.Helper()
	out := s.awsOK(c, append([]string{"cloudtrail", "lookup-events"}, args...)...)
	var events []map[string]any
	for _, e := range out["Events"].([]any) {
		ev := e.(map[string]any)
		rec := map[string]any{}
		if err := json.Unmarshal([]byte(ev["CloudTrailEvent"].(string)), &rec); err != nil {
			t.Fatalf("CloudTrailEvent is not JSON: %v\n%v", err, ev["CloudTrailEvent"])
		}
		ev["record"] = rec
		events = append(events, ev)
	}
	return events
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}

// field walks a decoded JSON document along a dotted path.
func field(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestAuditTrailRecordsCallsFromTheCLIAndBoto3(t *testing.T) {
	start := time.Now().Add(-time.Second).UTC() // before the server and every call
	s := startServer(t)
	admin := s.admin()
	account := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)

	secretValue := "audit-secret-" + randomHex(t, 8)
	envValue := "audit-env-" + randomHex(t, 8)
	code := zipOf(t, map[string]string{"index.py": "# " + randomHex(t, 16) + "\ndef handler(event, context):\n    return {'ok': True}\n"})
	zipPath := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(zipPath, code, 0o644); err != nil {
		t.Fatal(err)
	}
	zipB64 := base64.StdEncoding.EncodeToString(code)

	s.awsOK(admin, "iam", "create-user", "--user-name", "audited")
	s.awsOK(admin, "sqs", "create-queue", "--queue-name", "audit-queue")
	s.awsOK(admin, "kms", "create-key", "--description", "audit key")
	s.awsOK(admin, "secretsmanager", "create-secret", "--name", "audit-secret", "--secret-string", secretValue)
	role := s.lambdaRole("audit-fn-role")
	s.awsOK(admin, "lambda", "create-function", "--function-name", "audit-fn", "--runtime", "python3.11", "--role", role,
		"--handler", "index.handler", "--zip-file", "fileb://"+zipPath, "--environment", "Variables={AUDIT_VAR="+envValue+"}")
	s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", "audit-fn")
	rtInvoke(s, "audit-fn", `{}`).ok(t)

	s.awsOK(admin, "iam", "create-user", "--user-name", "nopolicy")
	key := s.awsOK(admin, "iam", "create-access-key", "--user-name", "nopolicy")["AccessKey"].(map[string]any)
	nopolicy := creds{key["AccessKeyId"].(string), key["SecretAccessKey"].(string), ""}
	if msg := s.awsErr(nopolicy, "sqs", "create-queue", "--queue-name", "denied-queue"); !strings.Contains(msg, "AccessDenied") {
		t.Fatalf("a user without policy created a queue:\n%s", msg)
	}

	roleArn := "arn:aws:iam::" + account + ":role/audit-reader"
	s.awsOK(admin, "iam", "create-role", "--role-name", "audit-reader", "--assume-role-policy-document",
		fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, account))
	s.awsOK(admin, "iam", "attach-role-policy", "--role-name", "audit-reader", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	c := s.awsOK(admin, "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "audit-session")["Credentials"].(map[string]any)
	session := creds{c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string)}
	s.awsOK(session, "iam", "list-roles")

	t.Run("each call of the CLI is a record with CloudTrail's fields", func(t *testing.T) {
		for _, want := range []struct{ source, name string }{
			{"iam.amazonaws.com", "CreateUser"},
			{"sqs.amazonaws.com", "CreateQueue"},
			{"kms.amazonaws.com", "CreateKey"},
			{"secretsmanager.amazonaws.com", "CreateSecret"},
			{"lambda.amazonaws.com", "CreateFunction"},
		} {
			evs := s.lookup(t, "--lookup-attributes", "AttributeKey=EventName,AttributeValue="+want.name)
			var mine map[string]any
			for _, ev := range evs {
				if field(ev["record"].(map[string]any), "userIdentity.userName") == "admin" && ev["record"].(map[string]any)["errorCode"] == nil {
					mine = ev
				}
			}
			if mine == nil {
				t.Fatalf("no successful %s record of admin: %v", want.name, evs)
			}
			rec := mine["record"].(map[string]any)
			checks := map[string]any{
				"eventSource":              want.source,
				"awsRegion":                "us-east-1",
				"sourceIPAddress":          "127.0.0.1",
				"userIdentity.type":        "IAMUser",
				"userIdentity.arn":         "arn:aws:iam::" + account + ":user/admin",
				"userIdentity.accountId":   account,
				"userIdentity.accessKeyId": admin.AccessKeyID,
				"eventID":                  mine["EventId"],
				"recipientAccountId":       account,
				"eventCategory":            "Management",
			}
			for path, v := range checks {
				if got := field(rec, path); got != v {
					t.Errorf("%s: %s = %v, want %v", want.name, path, got, v)
				}
			}
			if ua, _ := rec["userAgent"].(string); !strings.Contains(ua, "aws-cli/") {
				t.Errorf("%s: userAgent = %q, want the CLI's", want.name, ua)
			}
			if rid, _ := rec["requestID"].(string); !rtRequestID.MatchString(rid) {
				t.Errorf("%s: requestID = %q", want.name, rec["requestID"])
			}
			if rec["eventName"] != mine["EventName"] || mine["EventSource"] != want.source || mine["Username"] != "admin" {
				t.Errorf("%s: lookup fields %v/%v/%v disagree with the record", want.name, mine["EventName"], mine["EventSource"], mine["Username"])
			}
		}
	})
	t.Run("a denied call is recorded with AccessDenied and its caller", func(t *testing.T) {
		evs := s.lookup(t, "--lookup-attributes", "AttributeKey=Username,AttributeValue=nopolicy")
		if len(evs) != 1 {
			t.Fatalf("records of nopolicy = %d, want 1 (the denied CreateQueue): %v", len(evs), evs)
		}
		rec := evs[0]["record"].(map[string]any)
		if rec["eventName"] != "CreateQueue" || !strings.HasPrefix(fmt.Sprint(rec["errorCode"]), "AccessDenied") ||
			field(rec, "userIdentity.accessKeyId") != nopolicy.AccessKeyID || field(rec, "userIdentity.arn") != "arn:aws:iam::"+account+":user/nopolicy" {
			t.Fatalf("denied record = %v", rec)
		}
	})
	t.Run("an assumed-role caller is an AssumedRole with its session issuer", func(t *testing.T) {
		evs := s.lookup(t, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=ListRoles")
		if len(evs) != 1 {
			t.Fatalf("ListRoles records = %d, want 1", len(evs))
		}
		rec := evs[0]["record"].(map[string]any)
		for path, v := range map[string]any{
			"userIdentity.type":                                  "AssumedRole",
			"userIdentity.arn":                                   "arn:aws:sts::" + account + ":assumed-role/audit-reader/audit-session",
			"userIdentity.accountId":                             account,
			"userIdentity.accessKeyId":                           session.AccessKeyID,
			"userIdentity.sessionContext.sessionIssuer.type":     "Role",
			"userIdentity.sessionContext.sessionIssuer.arn":      roleArn,
			"userIdentity.sessionContext.sessionIssuer.userName": "audit-reader",
			"readOnly": true,
		} {
			if got := field(rec, path); got != v {
				t.Errorf("%s = %v, want %v", path, got, v)
			}
		}
	})
	t.Run("lookup by event source finds only that service", func(t *testing.T) {
		evs := s.lookup(t, "--lookup-attributes", "AttributeKey=EventSource,AttributeValue=kms.amazonaws.com")
		if len(evs) != 1 || evs[0]["EventName"] != "CreateKey" {
			t.Fatalf("kms records = %v", evs)
		}
	})
	t.Run("lookup by ReadOnly separates reads from writes", func(t *testing.T) {
		for _, ro := range []string{"true", "false"} {
			evs := s.lookup(t, "--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue="+ro)
			if len(evs) == 0 {
				t.Fatalf("no records with ReadOnly %s", ro)
			}
			for _, ev := range evs {
				if ev["ReadOnly"] != ro || fmt.Sprint(ev["record"].(map[string]any)["readOnly"]) != ro {
					t.Errorf("ReadOnly=%s lookup returned %v (%v)", ro, ev["EventName"], ev["ReadOnly"])
				}
			}
		}
		reads := s.lookup(t, "--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=true")
		for _, ev := range reads {
			if strings.HasPrefix(ev["EventName"].(string), "Create") {
				t.Errorf("a read-only lookup returned %v", ev["EventName"])
			}
		}
	})
	t.Run("a time window excludes calls outside it", func(t *testing.T) {
		in := s.lookup(t, "--start-time", start.Format(time.RFC3339), "--end-time", time.Now().Add(time.Minute).UTC().Format(time.RFC3339),
			"--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateKey")
		if len(in) != 1 {
			t.Fatalf("CreateKey inside the window: %d records", len(in))
		}
		out := s.lookup(t, "--start-time", "2001-01-01T00:00:00Z", "--end-time", start.Format(time.RFC3339))
		if len(out) != 0 {
			t.Fatalf("records before the calls: %v", out)
		}
	})
	t.Run("pages of two with NextToken add up to the whole trail", func(t *testing.T) {
		all := s.lookup(t, "--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=false")
		var paged []string
		token := ""
		for pages := 0; ; pages++ {
			args := []string{"cloudtrail", "lookup-events", "--no-paginate", "--max-results", "2", "--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=false"}
			if token != "" {
				args = append(args, "--next-token", token)
			}
			out := s.awsOK(admin, args...)
			evs := out["Events"].([]any)
			if len(evs) > 2 {
				t.Fatalf("page of %d events with --max-results 2", len(evs))
			}
			for _, e := range evs {
				paged = append(paged, e.(map[string]any)["EventId"].(string))
			}
			token, _ = out["NextToken"].(string)
			if token == "" {
				break
			}
			if pages > 100 {
				t.Fatal("pagination does not end")
			}
		}
		var whole []string
		for _, ev := range all {
			whole = append(whole, ev["EventId"].(string))
		}
		if strings.Join(paged, ",") != strings.Join(whole, ",") || len(whole) < 10 {
			t.Fatalf("paged ids (%d):\n%v\nwhole (%d):\n%v", len(paged), paged, len(whole), whole)
		}
	})
	t.Run("a NextToken is refused for another selection and when forged", func(t *testing.T) {
		token := s.awsOK(admin, "cloudtrail", "lookup-events", "--no-paginate", "--max-results", "1")["NextToken"].(string)
		for _, tok := range []string{token, base64.StdEncoding.EncodeToString([]byte(`{"b":1000000,"s":"0000000000000000"}`))} {
			msg := s.awsErr(admin, "cloudtrail", "lookup-events", "--no-paginate", "--max-results", "1", "--next-token", tok,
				"--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateQueue")
			if !strings.Contains(msg, "(InvalidNextTokenException)") {
				t.Fatalf("token %s:\n%s", tok, msg)
			}
		}
	})
	t.Run("invalid lookups are refused as CloudTrail refuses them", func(t *testing.T) {
		for args, want := range map[string]string{
			"--start-time 2026-01-02T00:00:00Z --end-time 2026-01-01T00:00:00Z":                                  "(InvalidTimeRangeException)",
			"--lookup-attributes AttributeKey=EventName,AttributeValue=A AttributeKey=Username,AttributeValue=B": "(InvalidLookupAttributesException)",
			"--lookup-attributes AttributeKey=ReadOnly,AttributeValue=maybe":                                     "(InvalidLookupAttributesException)",
			"--no-paginate --max-results 51":                                                                     "50",
		} {
			if msg := s.awsErr(admin, append([]string{"cloudtrail", "lookup-events"}, strings.Fields(args)...)...); !strings.Contains(msg, want) {
				t.Errorf("lookup-events %s:\n%s\nwant %s", args, msg, want)
			}
		}
	})
	t.Run("lookup-events answers newest first", func(t *testing.T) {
		evs := s.lookup(t)
		for i := 1; i < len(evs); i++ {
			if evs[i]["EventTime"].(float64) > evs[i-1]["EventTime"].(float64) {
				t.Fatalf("event %d (%v) is newer than event %d (%v)", i, evs[i]["EventName"], i-1, evs[i-1]["EventName"])
			}
		}
	})
	t.Run("a Lambda invoke is a data event: not in lookup-events but in stratus audit events --data", func(t *testing.T) {
		if evs := s.lookup(t, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=Invoke"); len(evs) != 0 {
			t.Fatalf("lookup-events returned data events: %v", evs)
		}
		var invoke map[string]any
		deadline := time.Now().Add(5 * time.Second)
		for invoke == nil && time.Now().Before(deadline) {
			for _, rec := range auditEvents(t, s, true) {
				if rec["eventName"] == "Invoke" {
					invoke = rec
				}
			}
			if invoke == nil {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if invoke == nil {
			t.Fatal("stratus audit events --data has no Invoke record")
		}
		if invoke["eventCategory"] != "Data" || invoke["managementEvent"] != false || invoke["eventSource"] != "lambda.amazonaws.com" {
			t.Fatalf("invoke record = %v", invoke)
		}
		for _, rec := range auditEvents(t, s, false) {
			if rec["eventCategory"] != "Management" {
				t.Fatalf("stratus audit events without --data printed %v (%v)", rec["eventName"], rec["eventCategory"])
			}
		}
	})
	t.Run("boto3's paginator finds the same records and boto3 is named as the agent", func(t *testing.T) {
		r := s.python(admin, `
import boto3, json
p = boto3.client("cloudtrail").get_paginator("lookup_events")
ids = []
for page in p.paginate(LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "sqs.amazonaws.com"}], PaginationConfig={"PageSize": 1}):
    ids += [e["EventId"] for e in page["Events"]]
print(json.dumps({"ids": ids}))`)
		var want []any
		for _, ev := range s.lookup(t, "--lookup-attributes", "AttributeKey=EventSource,AttributeValue=sqs.amazonaws.com") {
			want = append(want, ev["EventId"])
		}
		if fmt.Sprint(r["ids"]) != fmt.Sprint(want) || len(want) < 2 {
			t.Fatalf("boto3 ids %v, CLI ids %v", r["ids"], want)
		}
		evs := s.lookup(t, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=LookupEvents")
		boto := 0
		for _, ev := range evs {
			if ua, _ := ev["record"].(map[string]any)["userAgent"].(string); strings.Contains(ua, "Boto3") {
				boto++
			}
		}
		if boto < 2 {
			t.Fatalf("LookupEvents records with a Boto3 user agent = %d, want one per page", boto)
		}
	})
	t.Run("stratus audit verify finds the trail intact while the server runs", func(t *testing.T) {
		out, errs, code := auditCLI(t, "verify", "--data-dir", s.dataDir, "--root-key-file", s.keyFile)
		if code != 0 || !strings.Contains(out, "intact") {
			t.Fatalf("verify exit %d:\n%s%s", code, out, errs)
		}
	})
	t.Run("secrets, environment values and code are redacted from every record", func(t *testing.T) {
		dump, _, code := auditCLI(t, "events", "--data-dir", s.dataDir, "--root-key-file", s.keyFile, "--data")
		if code != 0 {
			t.Fatalf("stratus audit events exit %d", code)
		}
		lookups := s.aws(admin, "cloudtrail", "lookup-events").Stdout
		for _, text := range []string{dump, lookups} {
			for what, needle := range map[string]string{"secret string": secretValue, "environment value": envValue,
				"zip (base64)": zipB64[len(zipB64)/3 : len(zipB64)/3+24]} {
				if strings.Contains(text, needle) {
					t.Errorf("the %s appears in the trail", what)
				}
			}
		}
		if !strings.Contains(dump, "HIDDEN_DUE_TO_SECURITY_REASONS") || !strings.Contains(dump, "AUDIT_VAR") {
			t.Errorf("the trail does not show the redaction marker or the variable's name")
		}
	})
}

// storeEdit opens dir's store as the server does (its pages are encrypted
// under the data key the root key in keyFile opens) and runs edit in one
// transaction: what an attacker holding the root key could do to the trail
// behind the server's back.
func storeEdit(t *testing.T, dir, keyFile string, edit func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	root, err := rootkey.LoadOrCreate(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := datakey.Open(dir, root)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "stratus.db"), Key: datakey.StoreKey(dk)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(ctx, func(tx *store.Tx) error { return edit(ctx, tx) }); err != nil {
		t.Fatalf("edit the trail: %v", err)
	}
}

// rechain recomputes every prev_hash and hash as the trail does.
func rechain(ctx context.Context, tx *store.Tx) error {
	rows, err := tx.Query(ctx, `SELECT seq, record FROM audit_records ORDER BY seq`)
	if err != nil {
		return err
	}
	type rec struct {
		seq int64
		b   []byte
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.seq, &r.b); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, r)
	}
	rows.Close()
	prev := make([]byte, sha256.Size)
	for _, r := range recs {
		h := sha256.Sum256(append(append([]byte{}, prev...), r.b...))
		if _, err := tx.Exec(ctx, `UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h[:], r.seq); err != nil {
			return err
		}
		prev = h[:]
	}
	return nil
}

// recordOf reads the record bytes of seq.
func recordOf(ctx context.Context, tx *store.Tx, seq int) ([]byte, error) {
	var b []byte
	err := tx.QueryRow(ctx, `SELECT record FROM audit_records WHERE seq = ?`, seq).Scan(&b)
	return b, err
}

// copyDir copies a data directory with cp -a and returns the copy.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	if out, err := exec.Command("cp", "-a", dir, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v\n%s", err, out)
	}
	return dst
}

func TestAuditTrailTamperingIsDetected(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	for i := range 6 {
		s.awsOK(admin, "sqs", "create-queue", "--queue-name", fmt.Sprintf("tamper-%d", i))
	}
	s.stop()

	verify := func(t *testing.T, dir, key string) (string, int) {
		t.Helper()
		out, errs, code := auditCLI(t, "verify", "--data-dir", dir, "--root-key-file", key)
		return out + errs, code
	}
	out, code := verify(t, s.dataDir, s.keyFile)
	var records int
	fmt.Sscanf(out, "%d records", &records)
	if records < 6 {
		t.Fatalf("verify saw %d records:\n%s", records, out)
	}
	middle := records / 2

	t.Run("the untouched trail verifies", func(t *testing.T) {
		if code != 0 || !strings.Contains(out, "intact") {
			t.Fatalf("verify exit %d:\n%s", code, out)
		}
	})
	t.Run("changing one byte of one record is detected and the record named", func(t *testing.T) {
		dir := copyDir(t, s.dataDir)
		storeEdit(t, dir, s.keyFile, func(ctx context.Context, tx *store.Tx) error {
			rec, err := recordOf(ctx, tx, middle)
			if err != nil {
				return err
			}
			i := bytes.Index(rec, []byte(`"eventName":"`)) + len(`"eventName":"`)
			rec[i] ^= 0x20
			_, err = tx.Exec(ctx, `UPDATE audit_records SET record = ? WHERE seq = ?`, rec, middle)
			return err
		})
		out, code := verify(t, dir, s.keyFile)
		if code != 1 || !strings.Contains(out, fmt.Sprintf("record %d was changed", middle)) {
			t.Fatalf("verify exit %d, want 1 naming record %d:\n%s", code, middle, out)
		}
	})
	t.Run("deleting a middle record is detected", func(t *testing.T) {
		dir := copyDir(t, s.dataDir)
		storeEdit(t, dir, s.keyFile, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM audit_records WHERE seq = ?`, middle)
			return err
		})
		out, code := verify(t, dir, s.keyFile)
		if code != 1 || !strings.Contains(out, fmt.Sprintf("record %d is missing", middle)) {
			t.Fatalf("verify exit %d, want 1 naming record %d:\n%s", code, middle, out)
		}
	})
	t.Run("a consistently rewritten chain is detected by the digest signatures", func(t *testing.T) {
		dir := copyDir(t, s.dataDir)
		storeEdit(t, dir, s.keyFile, func(ctx context.Context, tx *store.Tx) error {
			rec, err := recordOf(ctx, tx, middle)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE audit_records SET record = ? WHERE seq = ?`,
				bytes.ReplaceAll(rec, []byte("tamper-"), []byte("TAMPER-")), middle); err != nil {
				return err
			}
			return rechain(ctx, tx)
		})
		out, code := verify(t, dir, s.keyFile)
		if code != 1 || !strings.Contains(out, "differs from the signed head") || strings.Contains(out, "was changed") {
			t.Fatalf("verify exit %d, want 1 from the digests alone:\n%s", code, out)
		}
	})
	t.Run("editing only a lookup column to hide a record is detected", func(t *testing.T) {
		dir := copyDir(t, s.dataDir)
		storeEdit(t, dir, s.keyFile, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audit_records SET account = '999999999999' WHERE seq = ?`, middle)
			return err
		})
		out, code := verify(t, dir, s.keyFile)
		if code != 1 || !strings.Contains(out, fmt.Sprintf("record %d: its lookup copy account", middle)) {
			t.Fatalf("verify exit %d, want 1 naming record %d:\n%s", code, middle, out)
		}
	})
	t.Run("another root key does not verify the digests", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other.key")
		b := make([]byte, 32)
		rand.Read(b)
		if err := os.WriteFile(other, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, code := verify(t, copyDir(t, s.dataDir), other)
		// Either the key is refused outright (it does not open the data
		// directory) or the digests' signatures do not verify under it.
		if code == 0 || !(strings.Contains(out, "signature is not valid") || strings.Contains(out, "root key does not match")) {
			t.Fatalf("verify with another key exit %d:\n%s", code, out)
		}
	})
}

func TestAcknowledgedCallsAreInTheTrailAfterKill9(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	var mu sync.Mutex
	acked := map[string]string{} // request id -> queue name
	const rounds, workers = 2, 6
	for round := range rounds {
		qc := sqssdk.NewFromConfig(s.sdkConfig(admin))
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					name := fmt.Sprintf("k9-r%d-w%d-%d", round, w, i)
					out, err := qc.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: aws.String(name)})
					if err != nil {
						continue
					}
					rid, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
					mu.Lock()
					acked[rid] = name
					mu.Unlock()
				}
			})
		}
		time.Sleep(1500 * time.Millisecond)
		s.kill()
		cancel()
		wg.Wait()
		if round < rounds-1 {
			s.start()
		}
	}
	// The trail is read as the last kill left it: no restart, no Close.

	recorded := map[string]string{}
	for _, rec := range auditEvents(t, s, false) {
		if rec["eventName"] == "CreateQueue" {
			rid, _ := rec["requestID"].(string)
			recorded[rid] = fmt.Sprint(field(rec, "requestParameters.queueName"))
		}
	}
	t.Run("every acknowledged CreateQueue has its record", func(t *testing.T) {
		if len(acked) < 20 {
			t.Fatalf("only %d calls were acknowledged: too few to prove anything", len(acked))
		}
		missing := 0
		for rid, name := range acked {
			if rid == "" {
				t.Fatalf("the SDK saw no request id for %s", name)
			}
			if got, ok := recorded[rid]; !ok || got != name {
				missing++
				if missing <= 5 {
					t.Errorf("acknowledged CreateQueue %s (request %s) is not in the trail (found %q)", name, rid, got)
				}
			}
		}
		t.Logf("kill -9 x%d: %d CreateQueue calls acknowledged, %d recorded, %d missing", rounds, len(acked), len(recorded), missing)
	})
	t.Run("the trail still verifies after the kills, the newest records only uncovered", func(t *testing.T) {
		out, errs, code := auditCLI(t, "verify", "--data-dir", s.dataDir, "--root-key-file", s.keyFile)
		t.Logf("verify: %s", strings.TrimSpace(out))
		if code != 0 || strings.Contains(out, "problem:") {
			t.Fatalf("verify exit %d:\n%s%s", code, out, errs)
		}
	})
	// A restart (which also cleans up what the kill left mounted) and a clean
	// stop sign what the kills left unsigned.
	s.start()
	s.stop()
	t.Run("after a restart and a clean stop every record is covered by a digest", func(t *testing.T) {
		out, errs, code := auditCLI(t, "verify", "--data-dir", s.dataDir, "--root-key-file", s.keyFile)
		if code != 0 || !strings.Contains(out, " 0 records after the last digest") {
			t.Fatalf("verify exit %d:\n%s%s", code, out, errs)
		}
	})
}
