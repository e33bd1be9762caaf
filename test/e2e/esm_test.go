package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSQSEventSourceMappingAndSNSDeliverToFunctions(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("esm-role")
	acct := strings.Split(role, ":")[4]
	s.asyncFunction(t, "esm-fn", role, `
import json
def handler(event, context):
    failures = []
    for r in event['Records']:
        if r.get('EventSource') == 'aws:sns':
            print('SNS ' + r['Sns']['Message'] + ' from ' + r['Sns']['TopicArn'])
            continue
        print('GOT %s receive %s from %s' % (r['body'], r['attributes']['ApproximateReceiveCount'], r['eventSourceARN']))
        if r['body'].startswith('bad'):
            failures.append({'itemIdentifier': r['messageId']})
    return {'batchItemFailures': failures}
`)
	dlqURL := s.awsOK(admin, "sqs", "create-queue", "--queue-name", "esm-dlq")["QueueUrl"].(string)
	dlqARN := "arn:aws:sqs:us-east-1:" + acct + ":esm-dlq"
	srcURL := s.awsOK(admin, "sqs", "create-queue", "--queue-name", "esm-src", "--attributes",
		`{"VisibilityTimeout":"2","RedrivePolicy":"{\"deadLetterTargetArn\":\"`+dlqARN+`\",\"maxReceiveCount\":\"2\"}"}`)["QueueUrl"].(string)
	srcARN := "arn:aws:sqs:us-east-1:" + acct + ":esm-src"

	t.Run("a mapping whose function's role may not read the queue is refused", func(t *testing.T) {
		msg := s.awsErr(admin, "lambda", "create-event-source-mapping", "--function-name", "esm-fn", "--event-source-arn", srcARN)
		if !strings.Contains(msg, "InvalidParameterValueException") || !strings.Contains(msg, "does not have permissions to call ReceiveMessage on SQS") {
			t.Fatalf("error: %s", msg)
		}
	})
	s.awsOK(admin, "iam", "put-role-policy", "--role-name", "esm-role", "--policy-name", "sqs", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes"],"Resource":"`+srcARN+`"}]}`)
	var uuid string
	t.Run("with the role allowed, the mapping is created and becomes Enabled", func(t *testing.T) {
		out := s.awsOK(admin, "lambda", "create-event-source-mapping", "--function-name", "esm-fn", "--event-source-arn", srcARN,
			"--batch-size", "5", "--function-response-types", "ReportBatchItemFailures")
		uuid, _ = out["UUID"].(string)
		if uuid == "" || out["State"] != "Creating" || out["BatchSize"] != float64(5) {
			t.Fatalf("create = %v", out)
		}
		deadline := time.Now().Add(10 * time.Second)
		for s.awsOK(admin, "lambda", "get-event-source-mapping", "--uuid", uuid)["State"] != "Enabled" {
			if time.Now().After(deadline) {
				t.Fatal("mapping not Enabled after 10 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	for i := range 8 {
		s.awsOK(admin, "sqs", "send-message", "--queue-url", srcURL, "--message-body", fmt.Sprintf("good-%d", i))
	}
	s.awsOK(admin, "sqs", "send-message", "--queue-url", srcURL, "--message-body", "bad-1")
	t.Run("messages reach the function in AWS's SQS event and successful ones are deleted", func(t *testing.T) {
		for i := range 8 {
			s.logsContaining(t, "esm-fn", fmt.Sprintf("GOT good-%d receive 1 from %s", i, srcARN), 30*time.Second)
		}
	})
	t.Run("a message the function reports as failed is retried and ends in the dead-letter queue", func(t *testing.T) {
		s.logsContaining(t, "esm-fn", "GOT bad-1 receive 2", 30*time.Second)
		deadline := time.Now().Add(30 * time.Second)
		for {
			out := s.awsOK(admin, "sqs", "receive-message", "--queue-url", dlqURL, "--wait-time-seconds", "1")
			if msgs, _ := out["Messages"].([]any); len(msgs) == 1 && msgs[0].(map[string]any)["Body"] == "bad-1" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("bad-1 not in the dead-letter queue: %v", out)
			}
		}
		attrs := s.awsOK(admin, "sqs", "get-queue-attributes", "--queue-url", srcURL, "--attribute-names", "All")["Attributes"].(map[string]any)
		if attrs["ApproximateNumberOfMessages"] != "0" || attrs["ApproximateNumberOfMessagesNotVisible"] != "0" {
			t.Fatalf("source queue still holds messages: %v", attrs)
		}
	})
	t.Run("a disabled mapping stops delivering", func(t *testing.T) {
		s.awsOK(admin, "lambda", "update-event-source-mapping", "--uuid", uuid, "--no-enabled")
		deadline := time.Now().Add(10 * time.Second)
		for s.awsOK(admin, "lambda", "get-event-source-mapping", "--uuid", uuid)["State"] != "Disabled" {
			if time.Now().After(deadline) {
				t.Fatal("mapping not Disabled after 10 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // pollers in a long poll stop within it
		s.awsOK(admin, "sqs", "send-message", "--queue-url", srcURL, "--message-body", "after-disable")
		time.Sleep(3 * time.Second)
		attrs := s.awsOK(admin, "sqs", "get-queue-attributes", "--queue-url", srcURL, "--attribute-names", "ApproximateNumberOfMessages")["Attributes"].(map[string]any)
		if attrs["ApproximateNumberOfMessages"] != "1" {
			t.Fatalf("the message sent after disabling was consumed: %v", attrs)
		}
	})
	t.Run("an SNS subscription delivers AWS's SNS event to the function its policy lets SNS invoke", func(t *testing.T) {
		fnARN := "arn:aws:lambda:us-east-1:" + acct + ":function:esm-fn"
		topic := s.awsOK(admin, "sns", "create-topic", "--name", "esm-topic")["TopicArn"].(string)
		other := s.awsOK(admin, "sns", "create-topic", "--name", "esm-other-topic")["TopicArn"].(string)
		s.awsOK(admin, "lambda", "add-permission", "--function-name", "esm-fn", "--statement-id", "sns-topic",
			"--action", "lambda:InvokeFunction", "--principal", "sns.amazonaws.com", "--source-arn", topic)
		for _, tp := range []string{topic, other} {
			s.awsOK(admin, "sns", "subscribe", "--topic-arn", tp, "--protocol", "lambda", "--notification-endpoint", fnARN)
		}
		// The topic the policy does not name is refused: published first,
		// it would have arrived before the allowed one.
		s.awsOK(admin, "sns", "publish", "--topic-arn", other, "--message", "not-allowed-by-the-policy")
		s.awsOK(admin, "sns", "publish", "--topic-arn", topic, "--message", "hello-from-sns")
		out := s.logsContaining(t, "esm-fn", "SNS hello-from-sns from "+topic, 30*time.Second)
		if strings.Contains(out, "not-allowed-by-the-policy") {
			t.Fatal("a topic the function's policy does not name invoked it")
		}
	})
}
