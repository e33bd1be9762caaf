package snsapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

// clientEnv is the environment the AWS CLI and boto3 run with against e.
func (e *env) clientEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return append(out, "AWS_ENDPOINT_URL="+e.URL, "AWS_ACCESS_KEY_ID="+e.Admin.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+e.Admin.SecretAccessKey,
		"AWS_DEFAULT_REGION="+apitest.Region, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
}

// requireClient skips (or, under CI=true, fails) when a client is missing.
func requireClient(t *testing.T, name string, args ...string) {
	t.Helper()
	if err := exec.Command(name, args...).Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s is not available: %v", name, err)
	}
}

func TestSNSThroughBoto3(t *testing.T) {
	requireClient(t, "python3", "-c", "import boto3")
	e := newEnv(t)
	queue := "arn:aws:sqs:us-east-1:" + e.Account + ":q"
	script := `
import boto3, json
sns = boto3.client("sns")
out = {}
arn = sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"}, Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
out["attrs"] = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="` + queue + `", ReturnSubscriptionArn=True)["SubscriptionArn"]
sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=json.dumps({"kind": ["order"]}))
out["sub"] = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
out["publish"] = sns.publish(TopicArn=arn, Message="hello", MessageAttributes={
    "kind": {"DataType": "String", "StringValue": "order"},
    "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})["MessageId"]
out["batch"] = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "x"}, {"Id": "b", "Message": ""}])
del out["batch"]["ResponseMetadata"]
out["topics"] = [t["TopicArn"] for p in sns.get_paginator("list_topics").paginate() for t in p["Topics"]]
out["tags"] = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
try:
    sns.get_topic_attributes(TopicArn=arn + "x")
except sns.exceptions.NotFoundException as e:
    out["missing"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Env = e.clientEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var out struct {
		Attrs   map[string]string
		Sub     map[string]string
		Publish string
		Batch   struct {
			Successful []map[string]any
			Failed     []map[string]any
		}
		Topics  []string
		Tags    []map[string]string
		Missing []any
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	topic := e.topicARN("orders")
	t.Run("botocore reads the attribute maps", func(t *testing.T) {
		if out.Attrs["DisplayName"] != "Orders" || out.Attrs["TopicArn"] != topic || out.Sub["FilterPolicy"] != `{"kind": ["order"]}` {
			t.Errorf("got %v and %v", out.Attrs, out.Sub)
		}
	})
	t.Run("publish and publish_batch answer ids and failures", func(t *testing.T) {
		if out.Publish == "" || len(out.Batch.Successful) != 1 || len(out.Batch.Failed) != 1 || out.Batch.Failed[0]["Code"] != "InvalidParameter" {
			t.Errorf("got %q and %+v", out.Publish, out.Batch)
		}
	})
	t.Run("listings and tags", func(t *testing.T) {
		if len(out.Topics) != 1 || out.Topics[0] != topic || len(out.Tags) != 1 || out.Tags[0]["Key"] != "team" {
			t.Errorf("got %v and %v", out.Topics, out.Tags)
		}
	})
	t.Run("a missing topic is NotFoundException with 404", func(t *testing.T) {
		if len(out.Missing) != 2 || out.Missing[0] != "NotFound" || out.Missing[1] != float64(404) {
			t.Errorf("got %v", out.Missing)
		}
	})
	t.Run("the message reached the queue", func(t *testing.T) {
		waitFor(t, func() bool { return len(e.Queues.to(queue)) == 1 })
	})
}

func TestSNSThroughTheAWSCLI(t *testing.T) {
	requireClient(t, "aws", "--version")
	e := newEnv(t)
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"--output", "json"}, args...)...)
		cmd.Env = e.clientEnv()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, stderr.String())
		}
		m := map[string]any{}
		if s := strings.TrimSpace(stdout.String()); s != "" {
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				t.Fatalf("aws %v: %v\n%s", args, err, s)
			}
		}
		return m
	}
	topic, _ := run("sns", "create-topic", "--name", "cli")["TopicArn"].(string)
	if topic != e.topicARN("cli") {
		t.Fatalf("got %q", topic)
	}
	run("sns", "set-topic-attributes", "--topic-arn", topic, "--attribute-name", "DisplayName", "--attribute-value", "CLI")
	attrs, _ := run("sns", "get-topic-attributes", "--topic-arn", topic)["Attributes"].(map[string]any)
	pub := run("sns", "publish", "--topic-arn", topic, "--message", "m", "--message-attributes", `{"n":{"DataType":"Number","StringValue":"1"}}`)
	t.Run("set and get topic attributes", func(t *testing.T) {
		if attrs["DisplayName"] != "CLI" {
			t.Errorf("got %v", attrs)
		}
	})
	t.Run("publish answers a message id", func(t *testing.T) {
		if id, _ := pub["MessageId"].(string); len(id) != 36 {
			t.Errorf("got %v", pub)
		}
	})
}
