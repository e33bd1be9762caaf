package sqsapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

func TestSQSThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	s := aws.String
	created, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s("orders"),
		Attributes: map[string]string{"VisibilityTimeout": "20"}, Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	qurl := aws.ToString(created.QueueUrl)
	t.Run("the queue URL is on the endpoint the client used", func(t *testing.T) {
		if qurl != e.queueURL(e.Account, "orders") {
			t.Errorf("got %s", qurl)
		}
		got, err := c.GetQueueUrl(ctx, &sqssdk.GetQueueUrlInput{QueueName: s("orders")})
		if err != nil || aws.ToString(got.QueueUrl) != qurl {
			t.Errorf("GetQueueUrl: %v %v", got, err)
		}
	})
	t.Run("ListQueues filters by prefix", func(t *testing.T) {
		if _, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s("other")}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ListQueues(ctx, &sqssdk.ListQueuesInput{QueueNamePrefix: s("ord")})
		if err != nil || !slices.Equal(out.QueueUrls, []string{qurl}) {
			t.Errorf("got %v %v", out, err)
		}
	})
	t.Run("the SDK checks the digest of what it sent", func(t *testing.T) {
		out, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: s(qurl), MessageBody: s("héllo"),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"kind": {DataType: s("String"), StringValue: s("order")},
				"raw":  {DataType: s("Binary"), BinaryValue: []byte{1, 2, 3}},
			},
			MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
				"AWSTraceHeader": {DataType: s("String"), StringValue: s("Root=1-5759e988-bd862e3fe1be46a994272793")},
			}})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.MD5OfMessageAttributes) == "" || aws.ToString(out.MD5OfMessageSystemAttributes) == "" || aws.ToString(out.MessageId) == "" {
			t.Errorf("got %+v", out)
		}
	})
	t.Run("ReceiveMessage returns body, attributes and digests the SDK accepts", func(t *testing.T) {
		out, err := c.ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: s(qurl), MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"}})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("got %+v %v", out, err)
		}
		m := out.Messages[0]
		if aws.ToString(m.Body) != "héllo" || aws.ToString(m.MessageAttributes["kind"].StringValue) != "order" ||
			string(m.MessageAttributes["raw"].BinaryValue) != "\x01\x02\x03" || m.Attributes["ApproximateReceiveCount"] != "1" ||
			m.Attributes["AWSTraceHeader"] == "" || m.Attributes["SenderId"] == "" {
			t.Errorf("got %+v", m)
		}
		if _, err := c.DeleteMessage(ctx, &sqssdk.DeleteMessageInput{QueueUrl: s(qurl), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Error(err)
		}
	})
	t.Run("batches report successes and failures per entry", func(t *testing.T) {
		out, err := c.SendMessageBatch(ctx, &sqssdk.SendMessageBatchInput{QueueUrl: s(qurl), Entries: []types.SendMessageBatchRequestEntry{
			{Id: s("a"), MessageBody: s("one")}, {Id: s("b"), MessageBody: s("two"), DelaySeconds: 901}, {Id: s("c"), MessageBody: s("three")}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Successful) != 2 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "b" ||
			aws.ToString(out.Failed[0].Code) != "InvalidParameterValue" || !out.Failed[0].SenderFault {
			t.Errorf("got %+v", out)
		}
		recv, err := c.ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: s(qurl), MaxNumberOfMessages: 10})
		if err != nil || len(recv.Messages) != 2 {
			t.Fatalf("got %+v %v", recv, err)
		}
		vis, err := c.ChangeMessageVisibilityBatch(ctx, &sqssdk.ChangeMessageVisibilityBatchInput{QueueUrl: s(qurl), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
			{Id: s("x"), ReceiptHandle: recv.Messages[0].ReceiptHandle, VisibilityTimeout: 60}, {Id: s("y"), ReceiptHandle: s("nope")}}})
		if err != nil || len(vis.Successful) != 1 || aws.ToString(vis.Failed[0].Code) != "ReceiptHandleIsInvalid" {
			t.Errorf("change visibility: %+v %v", vis, err)
		}
		del, err := c.DeleteMessageBatch(ctx, &sqssdk.DeleteMessageBatchInput{QueueUrl: s(qurl), Entries: []types.DeleteMessageBatchRequestEntry{
			{Id: s("x"), ReceiptHandle: recv.Messages[0].ReceiptHandle}, {Id: s("y"), ReceiptHandle: recv.Messages[1].ReceiptHandle}}})
		if err != nil || len(del.Successful) != 2 || len(del.Failed) != 0 {
			t.Errorf("delete: %+v %v", del, err)
		}
	})
	t.Run("attributes, tags and purge work as on AWS", func(t *testing.T) {
		if _, err := c.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: s(qurl), Attributes: map[string]string{"DelaySeconds": "3"}}); err != nil {
			t.Fatal(err)
		}
		attrs, err := c.GetQueueAttributes(ctx, &sqssdk.GetQueueAttributesInput{QueueUrl: s(qurl), AttributeNames: []types.QueueAttributeName{"All"}})
		if err != nil || attrs.Attributes["DelaySeconds"] != "3" || attrs.Attributes["VisibilityTimeout"] != "20" ||
			attrs.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:"+e.Account+":orders" {
			t.Errorf("got %v %v", attrs, err)
		}
		if _, err := c.TagQueue(ctx, &sqssdk.TagQueueInput{QueueUrl: s(qurl), Tags: map[string]string{"env": "dev"}}); err != nil {
			t.Fatal(err)
		}
		tags, err := c.ListQueueTags(ctx, &sqssdk.ListQueueTagsInput{QueueUrl: s(qurl)})
		if err != nil || tags.Tags["team"] != "a" || tags.Tags["env"] != "dev" {
			t.Errorf("got %v %v", tags, err)
		}
		if _, err := c.PurgeQueue(ctx, &sqssdk.PurgeQueueInput{QueueUrl: s(qurl)}); err != nil {
			t.Error(err)
		}
	})
	t.Run("a FIFO queue reports sequence numbers and deduplicates", func(t *testing.T) {
		f, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s("jobs.fifo"), Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: f.QueueUrl, MessageBody: s("x"), MessageGroupId: s("g")})
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: f.QueueUrl, MessageBody: s("x"), MessageGroupId: s("g")})
		if err != nil || aws.ToString(a.SequenceNumber) == "" || aws.ToString(b.MessageId) != aws.ToString(a.MessageId) {
			t.Errorf("got %+v and %+v, %v", a, b, err)
		}
	})
	t.Run("a long poll returns as soon as a message is sent", func(t *testing.T) {
		done := make(chan *sqssdk.ReceiveMessageOutput, 1)
		start := time.Now()
		go func() {
			out, _ := c.ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: s(qurl), WaitTimeSeconds: 10})
			done <- out
		}()
		time.Sleep(100 * time.Millisecond)
		if _, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: s(qurl), MessageBody: s("late"), DelaySeconds: 0}); err != nil {
			t.Fatal(err)
		}
		out := <-done
		if out == nil || len(out.Messages) != 1 || time.Since(start) > 5*time.Second {
			t.Errorf("got %+v after %v", out, time.Since(start))
		}
	})
	t.Run("DeleteQueue deletes it", func(t *testing.T) {
		if _, err := c.DeleteQueue(ctx, &sqssdk.DeleteQueueInput{QueueUrl: s(qurl)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetQueueUrl(ctx, &sqssdk.GetQueueUrlInput{QueueName: s("orders")})
		var nf *types.QueueDoesNotExist
		if !errors.As(err, &nf) {
			t.Errorf("got %v", err)
		}
	})
}

func TestSQSErrorsReachTheClientAsAWSSendsThem(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	s := aws.String
	if _, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s("q")}); err != nil {
		t.Fatal(err)
	}
	qurl := e.queueURL(e.Account, "q")
	tests := []struct {
		name string
		call func() error
		code string
		as   any // the modeled error type the SDK must produce, or nil
	}{
		{"a missing queue is QueueDoesNotExist with the query code", func() error {
			_, err := c.GetQueueUrl(ctx, &sqssdk.GetQueueUrlInput{QueueName: s("nope")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", new(*types.QueueDoesNotExist)},
		{"other attributes for an existing name are QueueNameExists", func() error {
			_, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s("q"), Attributes: map[string]string{"DelaySeconds": "9"}})
			return err
		}, "QueueAlreadyExists", new(*types.QueueNameExists)},
		{"a bad receipt handle is ReceiptHandleIsInvalid", func() error {
			_, err := c.DeleteMessage(ctx, &sqssdk.DeleteMessageInput{QueueUrl: s(qurl), ReceiptHandle: s("junk")})
			return err
		}, "ReceiptHandleIsInvalid", new(*types.ReceiptHandleIsInvalid)},
		{"an empty batch is EmptyBatchRequest", func() error {
			_, err := c.DeleteMessageBatch(ctx, &sqssdk.DeleteMessageBatchInput{QueueUrl: s(qurl), Entries: []types.DeleteMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", new(*types.EmptyBatchRequest)},
		{"an unknown attribute is InvalidAttributeName", func() error {
			_, err := c.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: s(qurl), Attributes: map[string]string{"Nope": "1"}})
			return err
		}, "InvalidAttributeName", new(*types.InvalidAttributeName)},
		{"a message over the queue's maximum is InvalidParameterValue", func() error {
			if _, err := c.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: s(qurl), Attributes: map[string]string{"MaximumMessageSize": "1024"}}); err != nil {
				return err
			}
			_, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: s(qurl), MessageBody: s(strings.Repeat("x", 1025))})
			return err
		}, "InvalidParameterValue", nil},
		{"a malformed queue URL is InvalidAddress", func() error {
			_, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: s("http://x/q"), MessageBody: s("b")})
			return err
		}, "InvalidAddress", new(*types.InvalidAddress)},
		{"MaxNumberOfMessages of 11 is InvalidParameterValue", func() error {
			_, err := c.ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: s(qurl), MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if got := apitest.APICode(err); got != tc.code {
				t.Errorf("code %q, want %q (%v)", got, tc.code, err)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Errorf("the SDK did not produce %T: %v", tc.as, err)
			}
		})
	}
	t.Run("a policy the authorizer could not read is InvalidAttributeValue and changes nothing", func(t *testing.T) {
		bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Principal":"*","Action":"sqs:*","Resource":"*"}]}`
		_, err := c.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: s(qurl), Attributes: map[string]string{"Policy": bad}})
		if got := apitest.APICode(err); got != "InvalidAttributeValue" {
			t.Fatalf("got %v", err)
		}
		if _, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: s(qurl), MessageBody: s("still works")}); err != nil {
			t.Errorf("the queue broke: %v", err)
		}
	})
	t.Run("the json error carries the shape in __type and the query code in x-amzn-query-error", func(t *testing.T) {
		r := rawJSON(t, e, "GetQueueUrl", `{"QueueName":"nope"}`)
		if r.status != 400 || r.header.Get("x-amzn-query-error") != "AWS.SimpleQueueService.NonExistentQueue;Sender" ||
			!strings.Contains(r.body, `"__type":"QueueDoesNotExist"`) {
			t.Errorf("got %d %v %s", r.status, r.header, r.body)
		}
	})
}

type rawResponse struct {
	status int
	header http.Header
	body   string
}

// rawJSON signs and sends a json request by hand, to see the bytes AWS's
// clients would see.
func rawJSON(t *testing.T, e *env, op, body string) rawResponse {
	t.Helper()
	req, _ := http.NewRequest("POST", e.SQSURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	return send(t, e, req, body)
}

// rawQuery signs and sends a form-encoded query request.
func rawQuery(t *testing.T, e *env, form url.Values) rawResponse {
	t.Helper()
	body := form.Encode()
	return send(t, e, httptestRequest(e, body), body)
}

// httptestRequest is an unsigned form-encoded POST of body to e.
func httptestRequest(e *env, body string) *http.Request {
	req, _ := http.NewRequest("POST", e.SQSURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return req
}

func send(t *testing.T, e *env, req *http.Request, body string) rawResponse {
	t.Helper()
	sign(t, req, body, e.Admin, e.Clock.Now())
	return do(t, req)
}

func do(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, resp.Header, string(b)}
}

func TestQueuesAreResolvedByAccountAndNameWhateverTheHost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	if _, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: aws.String("q")}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"https://sqs.us-east-1.amazonaws.com/" + e.Account + "/q",
		"http://localhost:4566/" + e.Account + "/q",
	} {
		t.Run(u+" reaches the queue", func(t *testing.T) {
			if _, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("x")}); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("the internal API sees what the wire sent", func(t *testing.T) {
		msgs, err := e.SQS.Receive(ctx, sqs.QueueRef{Account: e.Account, Name: "q"}.ARN(apitest.Region), 10, 0, 0)
		if err != nil || len(msgs) != 2 {
			t.Errorf("got %d messages, %v", len(msgs), err)
		}
	})
}
