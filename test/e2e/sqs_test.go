package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsOK runs an "aws sqs" command. The CLI (v1) sends SQS calls in
// us-east-1 to https://queue.amazonaws.com unless --endpoint-url is given
// (AWS_ENDPOINT_URL is not enough: awscli's overridesslcommonname
// customization runs first), so the endpoint is passed explicitly.
func (s *server) sqsOK(c creds, args ...string) map[string]any {
	s.t.Helper()
	return s.awsOK(c, append([]string{"sqs"}, args...)...)
}

// sqsErr is sqsOK expecting failure; it returns the CLI's error output.
func (s *server) sqsErr(c creds, args ...string) string {
	s.t.Helper()
	return s.awsErr(c, append([]string{"sqs"}, args...)...)
}

// sqsAccount returns the admin's account id.
func (s *server) sqsAccount() string {
	return s.awsOK(s.admin(), "sts", "get-caller-identity")["Account"].(string)
}

func TestSQSFromTheCLI(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	account := s.sqsAccount()
	url := s.sqsOK(admin, "create-queue", "--queue-name", "orders",
		"--attributes", "VisibilityTimeout=20,DelaySeconds=0", "--tags", "team=a")["QueueUrl"].(string)
	t.Run("the queue URL is on the server's address", func(t *testing.T) {
		if url != s.url+"/"+account+"/orders" {
			t.Fatalf("url %s", url)
		}
		if got := s.sqsOK(admin, "get-queue-url", "--queue-name", "orders")["QueueUrl"]; got != url {
			t.Fatalf("get-queue-url %v", got)
		}
	})
	t.Run("send-message reports AWS's digests", func(t *testing.T) {
		out := s.sqsOK(admin, "send-message", "--queue-url", url, "--message-body", "hello world",
			"--message-attributes", `{"SellerName":{"DataType":"String","StringValue":"Example Store"}}`)
		// The attribute digest is the one AWS's documentation example gives.
		if out["MD5OfMessageBody"] != "5eb63bbbe01eeed093cb22bb8f5acdc3" || out["MD5OfMessageAttributes"] != "cd28f3b68aeee4b2eac9c66f2f694b58" {
			t.Fatalf("got %v", out)
		}
	})
	t.Run("receive-message and delete-message take it off the queue", func(t *testing.T) {
		out := s.sqsOK(admin, "receive-message", "--queue-url", url, "--attribute-names", "All", "--message-attribute-names", "All")
		msgs, _ := out["Messages"].([]any)
		if len(msgs) != 1 {
			t.Fatalf("got %v", out)
		}
		m := msgs[0].(map[string]any)
		attrs := m["Attributes"].(map[string]any)
		ma := m["MessageAttributes"].(map[string]any)["SellerName"].(map[string]any)
		if m["Body"] != "hello world" || attrs["ApproximateReceiveCount"] != "1" || ma["StringValue"] != "Example Store" {
			t.Fatalf("got %v", m)
		}
		s.sqsOK(admin, "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"].(string))
		attrsOut := s.sqsOK(admin, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"].(map[string]any)
		if attrsOut["ApproximateNumberOfMessages"] != "0" || attrsOut["ApproximateNumberOfMessagesNotVisible"] != "0" ||
			attrsOut["VisibilityTimeout"] != "20" || attrsOut["QueueArn"] != "arn:aws:sqs:us-east-1:"+account+":orders" {
			t.Fatalf("attributes %v", attrsOut)
		}
	})
	t.Run("list-queues and list-queue-tags see the queue", func(t *testing.T) {
		s.sqsOK(admin, "create-queue", "--queue-name", "other")
		urls := s.sqsOK(admin, "list-queues", "--queue-name-prefix", "ord")["QueueUrls"].([]any)
		if len(urls) != 1 || urls[0] != url {
			t.Fatalf("got %v", urls)
		}
		if tags := s.sqsOK(admin, "list-queue-tags", "--queue-url", url)["Tags"].(map[string]any); tags["team"] != "a" {
			t.Fatalf("tags %v", tags)
		}
	})
	t.Run("the CLI prints SQS's error codes", func(t *testing.T) {
		if msg := s.sqsErr(admin, "get-queue-url", "--queue-name", "nope"); !strings.Contains(msg, "(AWS.SimpleQueueService.NonExistentQueue)") {
			t.Fatalf("got %s", msg)
		}
		if msg := s.sqsErr(admin, "create-queue", "--queue-name", "orders", "--attributes", "VisibilityTimeout=21"); !strings.Contains(msg, "(QueueAlreadyExists)") {
			t.Fatalf("got %s", msg)
		}
		if msg := s.sqsErr(admin, "delete-message", "--queue-url", url, "--receipt-handle", "junk"); !strings.Contains(msg, "(ReceiptHandleIsInvalid)") {
			t.Fatalf("got %s", msg)
		}
	})
	t.Run("delete-queue removes it", func(t *testing.T) {
		s.sqsOK(admin, "delete-queue", "--queue-url", url)
		if msg := s.sqsErr(admin, "get-queue-url", "--queue-name", "orders"); !strings.Contains(msg, "NonExistentQueue") {
			t.Fatalf("got %s", msg)
		}
	})
}

func TestSQSFIFODeadLettersAndLongPollsFromBoto3(t *testing.T) {
	s := startServer(t)
	r := s.python(s.admin(), `
import boto3, json, threading, time
c = boto3.client("sqs")
out = {}
dlq = c.create_queue(QueueName="dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
dlq_arn = c.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
q = c.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true",
    "VisibilityTimeout": "1", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
first = c.send_message(QueueUrl=q, MessageBody="a1", MessageGroupId="a")
dup = c.send_message(QueueUrl=q, MessageBody="a1", MessageGroupId="a")
out["deduplicated"] = first["MessageId"] == dup["MessageId"]
c.send_message(QueueUrl=q, MessageBody="a2", MessageGroupId="a")
c.send_message(QueueUrl=q, MessageBody="b1", MessageGroupId="b")
got = c.receive_message(QueueUrl=q, MaxNumberOfMessages=1)["Messages"]
out["first"] = [m["Body"] for m in got]
rest = c.receive_message(QueueUrl=q, MaxNumberOfMessages=10)["Messages"]
out["while_a_in_flight"] = [m["Body"] for m in rest]
c.delete_message(QueueUrl=q, ReceiptHandle=rest[0]["ReceiptHandle"])
time.sleep(1.2)
after = c.receive_message(QueueUrl=q, MaxNumberOfMessages=10)["Messages"]
out["after_timeout"] = [m["Body"] for m in after]
dead = c.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])["Messages"]
out["dead"] = [[m["Body"], m["Attributes"].get("DeadLetterQueueSourceArn", "").endswith(":jobs.fifo")] for m in dead]
out["sources"] = c.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]

std = c.create_queue(QueueName="std")["QueueUrl"]
res = {}
def poll():
    start = time.time()
    r = c.receive_message(QueueUrl=std, WaitTimeSeconds=10)
    res["n"], res["s"] = len(r.get("Messages", [])), time.time() - start
t = threading.Thread(target=poll)
t.start()
time.sleep(0.5)
c.send_message(QueueUrl=std, MessageBody="wake")
t.join()
out["long_poll"] = [res["n"], res["s"] < 5]
try:
    c.get_queue_url(QueueName="nope")
except c.exceptions.QueueDoesNotExist as e:
    out["missing"] = e.response["Error"]["Code"]
print(json.dumps(out))`)
	want := map[string]string{
		"deduplicated":      "true",
		"first":             `["a1"]`,
		"while_a_in_flight": `["b1"]`,
		"after_timeout":     `["a2"]`,
		"dead":              `[["a1",true]]`,
		"long_poll":         `[1,true]`,
		"missing":           `"AWS.SimpleQueueService.NonExistentQueue"`,
	}
	for k, w := range want {
		t.Run(k, func(t *testing.T) {
			b, _ := json.Marshal(r[k])
			if string(b) != w {
				t.Errorf("%s = %s, want %s (all: %v)", k, b, w, r)
			}
		})
	}
	if urls, _ := r["sources"].([]any); len(urls) != 1 || !strings.HasSuffix(urls[0].(string), "/jobs.fifo") {
		t.Errorf("list-dead-letter-source-queues = %v", r["sources"])
	}
}

func TestSQSQueuePolicyAdmitsOtherPrincipals(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	account := s.sqsAccount()
	url := s.sqsOK(admin, "create-queue", "--queue-name", "shared")["QueueUrl"].(string)
	arn := "arn:aws:sqs:us-east-1:" + account + ":shared"
	setPolicy := func(principal string) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sqs:SendMessage","Resource":"` + arn + `"}]}`
		b, _ := json.Marshal(map[string]string{"Policy": doc})
		s.sqsOK(admin, "set-queue-attributes", "--queue-url", url, "--attributes", string(b))
	}
	s.awsOK(admin, "iam", "create-user", "--user-name", "bob")
	key := s.awsOK(admin, "iam", "create-access-key", "--user-name", "bob")["AccessKey"].(map[string]any)
	bob := creds{key["AccessKeyId"].(string), key["SecretAccessKey"].(string), ""}
	t.Run("a user without any policy is denied", func(t *testing.T) {
		if msg := s.sqsErr(bob, "send-message", "--queue-url", url, "--message-body", "x"); !strings.Contains(msg, "(AccessDenied)") {
			t.Fatalf("got %s", msg)
		}
	})
	t.Run("the queue policy alone lets the user send, and nothing else", func(t *testing.T) {
		setPolicy("arn:aws:iam::" + account + ":user/bob")
		s.sqsOK(bob, "send-message", "--queue-url", url, "--message-body", "from bob")
		if msg := s.sqsErr(bob, "receive-message", "--queue-url", url); !strings.Contains(msg, "(AccessDenied)") {
			t.Fatalf("got %s", msg)
		}
	})
	t.Run("another account's administrator needs the queue policy too", func(t *testing.T) {
		st := s.awsOK(admin, "organizations", "create-account", "--email", "partner@example.com", "--account-name", "partner")["CreateAccountStatus"].(map[string]any)
		status := s.awsOK(admin, "organizations", "describe-create-account-status", "--create-account-request-id", st["Id"].(string))["CreateAccountStatus"].(map[string]any)
		partner := status["AccountId"].(string)
		c := s.awsOK(admin, "sts", "assume-role", "--role-arn", fmt.Sprintf("arn:aws:iam::%s:role/OrganizationAccountAccessRole", partner),
			"--role-session-name", "ops")["Credentials"].(map[string]any)
		ops := creds{c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string)}
		if msg := s.sqsErr(ops, "send-message", "--queue-url", url, "--message-body", "x"); !strings.Contains(msg, "(AccessDenied)") {
			t.Fatalf("without the queue policy: %s", msg)
		}
		setPolicy("arn:aws:iam::" + partner + ":root")
		s.sqsOK(ops, "send-message", "--queue-url", url, "--message-body", "from partner")
	})
}

func TestSQSAcknowledgedMessagesSurviveKill9(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := sqs.NewFromConfig(s.sdkConfig(s.admin()))
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(fmt.Sprintf("%d-%d", w, i))})
				if err == nil {
					mu.Lock()
					acked[aws.ToString(out.MessageId)] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	inflight, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 3600})
	if err != nil || len(inflight.Messages) != 10 {
		t.Fatalf("receive: %v %v", inflight, err)
	}
	s.kill()
	s.start()
	c = sqs.NewFromConfig(s.sdkConfig(s.admin()))
	url := aws.String(s.url + "/" + s.sqsAccount() + "/durable")
	seen := map[string]bool{}
	for range 50 {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			seen[aws.ToString(m.MessageId)] = true
		}
	}
	t.Run("every acknowledged message is still there", func(t *testing.T) {
		missing := 0
		for id := range acked {
			if !seen[id] {
				missing++
			}
		}
		if len(acked) != 200 || missing != 10 {
			t.Errorf("%d acknowledged, %d not received after the restart (want the 10 in flight)", len(acked), missing)
		}
	})
	t.Run("the messages in flight stayed in flight", func(t *testing.T) {
		for _, m := range inflight.Messages {
			if seen[aws.ToString(m.MessageId)] {
				t.Errorf("%s was received again before its visibility timeout", aws.ToString(m.MessageId))
			}
		}
		attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url,
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "200" {
			t.Errorf("got %v %v", attrs, err)
		}
	})
}
