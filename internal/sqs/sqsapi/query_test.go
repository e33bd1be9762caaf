package sqsapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/sqs/sqsapi"
)

// The query protocol is what SDKs spoke to SQS before November 2023: forms
// with the legacy parameter names, XML answers.
func TestQueryProtocolRequests(t *testing.T) {
	e := newEnv(t)
	form := func(kv ...string) url.Values {
		v := url.Values{"Version": {"2012-11-05"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	var created struct {
		URL string `xml:"CreateQueueResult>QueueUrl"`
	}
	r := rawQuery(t, e, form("Action", "CreateQueue", "QueueName", "legacy", "Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "45",
		"Tag.1.Key", "team", "Tag.1.Value", "a"))
	if err := xml.Unmarshal([]byte(r.body), &created); err != nil || r.status != 200 || created.URL != e.queueURL(e.Account, "legacy") {
		t.Fatalf("CreateQueue: %d %s", r.status, r.body)
	}
	t.Run("attributes are read and reported under their query names", func(t *testing.T) {
		r := rawQuery(t, e, form("Action", "GetQueueAttributes", "QueueUrl", created.URL, "AttributeName.1", "VisibilityTimeout"))
		if r.status != 200 || !strings.Contains(r.body, "<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name><Value>45</Value></Attribute></GetQueueAttributesResult>") {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("SendMessage takes MessageAttribute.N and reports the digests", func(t *testing.T) {
		r := rawQuery(t, e, form("Action", "SendMessage", "QueueUrl", created.URL, "MessageBody", "hello",
			"MessageAttribute.1.Name", "city", "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "Any City"))
		want := sqs.MD5OfAttributes(map[string]sqs.MessageAttribute{"city": {DataType: "String", StringValue: "Any City"}})
		if r.status != 200 || !strings.Contains(r.body, "<MD5OfMessageAttributes>"+want+"</MD5OfMessageAttributes>") ||
			!strings.Contains(r.body, "<MD5OfMessageBody>"+sqs.MD5OfBody("hello")+"</MD5OfMessageBody>") {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("ReceiveMessage answers <Message> elements with <Attribute> and <MessageAttribute>", func(t *testing.T) {
		r := rawQuery(t, e, form("Action", "ReceiveMessage", "QueueUrl", created.URL, "AttributeName.1", "All", "MessageAttributeName.1", "All"))
		var out struct {
			Messages []struct {
				Body  string `xml:"Body"`
				Attrs []struct {
					Name  string `xml:"Name"`
					Value string `xml:"Value"`
				} `xml:"Attribute"`
				MsgAttrs []struct {
					Name  string `xml:"Name"`
					Value string `xml:"Value>StringValue"`
				} `xml:"MessageAttribute"`
			} `xml:"ReceiveMessageResult>Message"`
		}
		if err := xml.Unmarshal([]byte(r.body), &out); err != nil || len(out.Messages) != 1 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		m := out.Messages[0]
		if m.Body != "hello" || len(m.Attrs) < 4 || len(m.MsgAttrs) != 1 || m.MsgAttrs[0].Value != "Any City" {
			t.Errorf("got %+v", m)
		}
	})
	t.Run("errors are query XML with the query code", func(t *testing.T) {
		r := rawQuery(t, e, form("Action", "GetQueueUrl", "QueueName", "nope"))
		if r.status != 400 || !strings.Contains(r.body, "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>") || !strings.Contains(r.body, "<Type>Sender</Type>") {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("an unauthorized query request is AccessDenied", func(t *testing.T) {
		bare := e.NewUser(t, e.Account, "bare", "")
		body := form("Action", "ListQueues").Encode()
		req := httptestRequest(e, body)
		sign(t, req, body, bare, e.Clock.Now())
		r := do(t, req)
		if r.status != 403 || !strings.Contains(r.body, "<Code>AccessDenied</Code>") {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
}

// TestBoto3SpeakingTheQueryProtocol runs boto3 with the SQS model older
// botocore versions shipped (query protocol), so that what pre-json clients
// send and parse is checked by a real client.
func TestBoto3SpeakingTheQueryProtocol(t *testing.T) {
	requirePython(t)
	e := newEnv(t)
	_, file, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "models", "sqs", "2012-11-05", "service-2.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	pinned, _ := io.ReadAll(zr)
	legacy, err := sqsapi.BotocoreQueryModel(pinned)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	dir := filepath.Join(data, "sqs", "2012-11-05")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "service-2.json"), legacy, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import boto3, json, botocore
c = boto3.client("sqs")
out = {"protocol": c.meta.service_model.protocol}
q = c.create_queue(QueueName="old", Attributes={"DelaySeconds": "0", "VisibilityTimeout": "40"}, tags={"a": "b"})
url = q["QueueUrl"]
out["content_type"] = q["ResponseMetadata"]["HTTPHeaders"]["content-type"]
s = c.send_message(QueueUrl=url, MessageBody="payload", MessageAttributes={
    "n": {"DataType": "Number", "StringValue": "7"}, "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
out["md5_attrs"] = s["MD5OfMessageAttributes"]
b = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "x"}, {"Id": "2", "MessageBody": "y", "DelaySeconds": 901}])
out["batch"] = [len(b.get("Successful", [])), [f["Code"] for f in b.get("Failed", [])]]
r = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"])
msgs = sorted(r["Messages"], key=lambda m: m["Body"])
out["bodies"] = [m["Body"] for m in msgs]
out["attrs"] = msgs[0].get("MessageAttributes")
out["attrs"]["b"]["BinaryValue"] = list(out["attrs"]["b"]["BinaryValue"])
out["recv_md5"] = msgs[0].get("MD5OfMessageAttributes")
out["count"] = msgs[0]["Attributes"]["ApproximateReceiveCount"]
d = c.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
out["deleted"] = len(d["Successful"])
out["qattrs"] = c.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])["Attributes"]
out["tags"] = c.list_queue_tags(QueueUrl=url)["Tags"]
out["urls"] = c.list_queues(QueueNamePrefix="ol")["QueueUrls"]
try:
    c.get_queue_url(QueueName="missing")
except c.exceptions.QueueDoesNotExist as err:
    out["error"] = err.response["Error"]["Code"]
print(json.dumps(out))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+e.SQSURL, "AWS_ACCESS_KEY_ID="+e.Admin.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+e.Admin.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1", "AWS_DATA_PATH="+data,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, outb)
	}
	var out map[string]any
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatalf("output: %s", outb)
	}
	wantAttrs := sqs.MD5OfAttributes(map[string]sqs.MessageAttribute{"n": {DataType: "Number", StringValue: "7"}, "b": {DataType: "Binary", BinaryValue: []byte{0, 1}}})
	checks := []struct {
		name string
		ok   bool
	}{
		{"boto3 spoke the query protocol and got XML", out["protocol"] == "query" && out["content_type"] == "text/xml"},
		{"the attribute digest is AWS's", out["md5_attrs"] == wantAttrs && out["recv_md5"] == wantAttrs},
		{"a batch reports the failed entry's code", jsonText(out["batch"]) == `[1,["InvalidParameterValue"]]`},
		{"the messages came back with their attributes", jsonText(out["bodies"]) == `["payload","x"]` && out["count"] == "1" &&
			jsonText(out["attrs"]) == `{"b":{"BinaryValue":[0,1],"DataType":"Binary"},"n":{"DataType":"Number","StringValue":"7"}}`},
		{"both were deleted in a batch", out["deleted"] == float64(2)},
		{"queue attributes, tags and URLs parse", jsonText(out["qattrs"]) == `{"QueueArn":"arn:aws:sqs:us-east-1:`+e.Account+`:old","VisibilityTimeout":"40"}` &&
			jsonText(out["tags"]) == `{"a":"b"}` && jsonText(out["urls"]) == `["`+e.queueURL(e.Account, "old")+`"]`},
		{"a missing queue raises QueueDoesNotExist with the query code", out["error"] == "AWS.SimpleQueueService.NonExistentQueue"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("boto3 reported %s", outb)
			}
		})
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// requirePython skips (or, under CI=true, fails) without python3 and boto3.
func requirePython(t *testing.T) {
	t.Helper()
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with boto3 is required under CI: %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
}

// TestBoto3SpeakingJSON runs today's boto3 (json protocol) against the API:
// the exceptions it raises come from __type, the codes it reports from
// x-amzn-query-error.
func TestBoto3SpeakingJSON(t *testing.T) {
	requirePython(t)
	e := newEnv(t)
	bare := e.NewUser(t, e.Account, "bare", "")
	script := `
import boto3, json, os
c = boto3.client("sqs")
out = {"protocol": c.meta.service_model.protocol}
url = c.create_queue(QueueName="j.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
s = c.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
out["seq"] = len(s["SequenceNumber"])
r = c.receive_message(QueueUrl=url, MessageSystemAttributeNames=["MessageGroupId"], MessageAttributeNames=["k"])
m = r["Messages"][0]
out["group"] = m["Attributes"]["MessageGroupId"]
out["md5"] = m["MD5OfMessageAttributes"] == s["MD5OfMessageAttributes"]
try:
    c.get_queue_url(QueueName="missing")
except c.exceptions.QueueDoesNotExist as err:
    out["missing"] = err.response["Error"]["Code"]
try:
    c.create_queue(QueueName="j.fifo", Attributes={"FifoQueue": "true", "DelaySeconds": "5"})
except c.exceptions.QueueNameExists as err:
    out["exists"] = err.response["Error"]["Code"]
other = boto3.client("sqs", aws_access_key_id=os.environ["BARE_KEY"], aws_secret_access_key=os.environ["BARE_SECRET"])
try:
    other.list_queues()
except Exception as err:
    out["denied"] = [err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+e.SQSURL, "AWS_ACCESS_KEY_ID="+e.Admin.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+e.Admin.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1", "BARE_KEY="+bare.AccessKeyID,
		"BARE_SECRET="+bare.SecretAccessKey, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, outb)
	}
	want := `{"protocol": "json", "seq": 20, "group": "g", "md5": true, "missing": "AWS.SimpleQueueService.NonExistentQueue", "exists": "QueueAlreadyExists", "denied": ["AccessDenied", 403]}`
	if strings.TrimSpace(string(outb)) != want {
		t.Errorf("boto3 reported\n%s\nwant\n%s", outb, want)
	}
}
