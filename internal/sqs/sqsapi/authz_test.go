package sqsapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

// authzCase checks that one operation is authorized against the queue it
// names and nothing broader: a caller allowed the action on one queue
// succeeds on it and is denied, with nothing changed, on a sibling queue.
type authzCase struct {
	op string
	// action is the IAM action the operation is authorized as; "" is sqs:op.
	action string
	// setup prepares the queue the call needs (created, with a received
	// message whose handle it returns); nil creates nothing.
	setup func(t testing.TB, e *env, queue string) string
	call  func(ctx context.Context, c *sqssdk.Client, e *env, queue, handle string) error
}

// withMessage creates queue with one received message and returns its
// receipt handle.
func withMessage(t testing.TB, e *env, queue string) string {
	ctx := context.Background()
	ref := sqs.QueueRef{Account: e.Account, Name: queue}
	if _, err := e.SQS.CreateQueue(ctx, ref, nil, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SQS.Send(ctx, ref, sqs.SendInput{Body: "m"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := e.SQS.ReceiveMessages(ctx, ref, sqs.ReceiveInput{VisibilityTimeout: aws.Int(600)})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("receive: %v %v", msgs, err)
	}
	if err := e.SQS.AddPermission(ctx, ref, "p", []string{"444455556666"}, []string{"SendMessage"}); err != nil {
		t.Fatal(err)
	}
	return msgs[0].ReceiptHandle
}

func allowDoc(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

func TestEveryOperationIsAuthorizedOnItsQueue(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	u := func(e *env, q string) *string { return s(e.queueURL(e.Account, q)) }
	cases := []authzCase{
		{op: "CreateQueue", call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s(q)})
			return err
		}},
		{op: "GetQueueUrl", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.GetQueueUrl(ctx, &sqssdk.GetQueueUrlInput{QueueName: s(q)})
			return err
		}},
		{op: "DeleteQueue", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.DeleteQueue(ctx, &sqssdk.DeleteQueueInput{QueueUrl: u(e, q)})
			return err
		}},
		{op: "GetQueueAttributes", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.GetQueueAttributes(ctx, &sqssdk.GetQueueAttributesInput{QueueUrl: u(e, q), AttributeNames: []types.QueueAttributeName{"All"}})
			return err
		}},
		{op: "SetQueueAttributes", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: u(e, q), Attributes: map[string]string{"DelaySeconds": "1"}})
			return err
		}},
		{op: "PurgeQueue", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.PurgeQueue(ctx, &sqssdk.PurgeQueueInput{QueueUrl: u(e, q)})
			return err
		}},
		{op: "TagQueue", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.TagQueue(ctx, &sqssdk.TagQueueInput{QueueUrl: u(e, q), Tags: map[string]string{"a": "b"}})
			return err
		}},
		{op: "UntagQueue", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.UntagQueue(ctx, &sqssdk.UntagQueueInput{QueueUrl: u(e, q), TagKeys: []string{"k"}})
			return err
		}},
		{op: "ListQueueTags", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.ListQueueTags(ctx, &sqssdk.ListQueueTagsInput{QueueUrl: u(e, q)})
			return err
		}},
		{op: "AddPermission", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.AddPermission(ctx, &sqssdk.AddPermissionInput{QueueUrl: u(e, q), Label: s("l2"), AWSAccountIds: []string{"444455556666"}, Actions: []string{"ReceiveMessage"}})
			return err
		}},
		{op: "RemovePermission", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.RemovePermission(ctx, &sqssdk.RemovePermissionInput{QueueUrl: u(e, q), Label: s("p")})
			return err
		}},
		{op: "ListDeadLetterSourceQueues", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.ListDeadLetterSourceQueues(ctx, &sqssdk.ListDeadLetterSourceQueuesInput{QueueUrl: u(e, q)})
			return err
		}},
		{op: "SendMessage", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: u(e, q), MessageBody: s("b")})
			return err
		}},
		{op: "SendMessageBatch", action: "SendMessage", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.SendMessageBatch(ctx, &sqssdk.SendMessageBatchInput{QueueUrl: u(e, q), Entries: []types.SendMessageBatchRequestEntry{{Id: s("1"), MessageBody: s("b")}}})
			return err
		}},
		{op: "ReceiveMessage", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, _ string) error {
			_, err := c.ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: u(e, q)})
			return err
		}},
		{op: "DeleteMessage", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, h string) error {
			_, err := c.DeleteMessage(ctx, &sqssdk.DeleteMessageInput{QueueUrl: u(e, q), ReceiptHandle: s(h)})
			return err
		}},
		{op: "DeleteMessageBatch", action: "DeleteMessage", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, h string) error {
			_, err := c.DeleteMessageBatch(ctx, &sqssdk.DeleteMessageBatchInput{QueueUrl: u(e, q), Entries: []types.DeleteMessageBatchRequestEntry{{Id: s("1"), ReceiptHandle: s(h)}}})
			return err
		}},
		{op: "ChangeMessageVisibility", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, h string) error {
			_, err := c.ChangeMessageVisibility(ctx, &sqssdk.ChangeMessageVisibilityInput{QueueUrl: u(e, q), ReceiptHandle: s(h), VisibilityTimeout: 10})
			return err
		}},
		{op: "ChangeMessageVisibilityBatch", action: "ChangeMessageVisibility", setup: withMessage, call: func(ctx context.Context, c *sqssdk.Client, e *env, q, h string) error {
			_, err := c.ChangeMessageVisibilityBatch(ctx, &sqssdk.ChangeMessageVisibilityBatchInput{QueueUrl: u(e, q),
				Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: s("1"), ReceiptHandle: s(h), VisibilityTimeout: 10}}})
			return err
		}},
	}
	checkCoverage(t, e, cases, "ListQueues")
	for i, tc := range cases {
		action := tc.action
		if action == "" {
			action = tc.op
		}
		t.Run(tc.op+" is allowed on the named queue and denied on its sibling", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := fmt.Sprintf("t%dok", i), fmt.Sprintf("t%dno", i)
			var okHandle, siblingHandle string
			if tc.setup != nil {
				okHandle, siblingHandle = tc.setup(t, e, ok), tc.setup(t, e, sibling)
			}
			arn := sqs.QueueRef{Account: e.Account, Name: ok}.ARN(apitest.Region)
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc("sqs:"+action, arn))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, e, sibling, siblingHandle); apitest.APICode(err) != "AccessDenied" {
				t.Fatalf("on the sibling: got %v, want AccessDenied", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, e, ok, okHandle); err != nil {
				t.Errorf("on the allowed queue: %v", err)
			}
		})
	}
}

func TestListQueuesIsAuthorizedWithoutAResource(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	call := func(c *sqssdk.Client) error {
		_, err := c.ListQueues(ctx, &sqssdk.ListQueuesInput{})
		return err
	}
	narrow := e.NewUser(t, e.Account, "narrow", allowDoc("sqs:ListQueues", "arn:aws:sqs:us-east-1:"+e.Account+":q"))
	wide := e.NewUser(t, e.Account, "wide", allowDoc("sqs:ListQueues", "*"))
	t.Run("a caller allowed on one queue's ARN is denied", func(t *testing.T) {
		if got := apitest.APICode(call(e.client(narrow))); got != "AccessDenied" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a caller allowed on * is allowed", func(t *testing.T) {
		if err := call(e.client(wide)); err != nil {
			t.Error(err)
		}
	})
}

func TestQueuePoliciesAdmitOtherPrincipals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := aws.String
	admin := e.client(e.Admin)
	if _, err := admin.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s("shared")}); err != nil {
		t.Fatal(err)
	}
	qurl := e.queueURL(e.Account, "shared")
	arn := sqs.QueueRef{Account: e.Account, Name: "shared"}.ARN(apitest.Region)
	send := func(c *sqssdk.Client) error {
		_, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: s(qurl), MessageBody: s("hi")})
		return err
	}
	setPolicy := func(t *testing.T, principal string) {
		t.Helper()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sqs:SendMessage","Resource":"` + arn + `"}]}`
		if _, err := admin.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: s(qurl), Attributes: map[string]string{"Policy": doc}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a user of the account without any policy is allowed by the queue policy alone", func(t *testing.T) {
		bare := e.NewUser(t, e.Account, "bare", "")
		if got := apitest.APICode(send(e.client(bare))); got != "AccessDenied" {
			t.Fatalf("before the policy: %q", got)
		}
		setPolicy(t, "arn:aws:iam::"+e.Account+":user/bare")
		if err := send(e.client(bare)); err != nil {
			t.Fatalf("with the policy: %v", err)
		}
		_, err := e.client(bare).ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: s(qurl)})
		if apitest.APICode(err) != "AccessDenied" {
			t.Errorf("the policy allows only SendMessage, but ReceiveMessage got %v", err)
		}
	})
	t.Run("another account needs both its own policy and the queue's", func(t *testing.T) {
		other := e.newAccount(t, "partner")
		ext := e.NewUser(t, other, "ext", allowDoc("sqs:*", "*"))
		setPolicy(t, "arn:aws:iam::"+e.Account+":user/bare")
		if got := apitest.APICode(send(e.client(ext))); got != "AccessDenied" {
			t.Fatalf("without the queue policy: %q", got)
		}
		setPolicy(t, "arn:aws:iam::"+other+":root")
		if err := send(e.client(ext)); err != nil {
			t.Fatalf("with the queue policy: %v", err)
		}
		shy := e.NewUser(t, other, "shy", "")
		if got := apitest.APICode(send(e.client(shy))); got != "AccessDenied" {
			t.Errorf("a user of the other account without its own policy: %q", got)
		}
	})
	t.Run("AddPermission admits an account the same way", func(t *testing.T) {
		third := e.newAccount(t, "third")
		user := e.NewUser(t, third, "u", allowDoc("sqs:SendMessage", "*"))
		if got := apitest.APICode(send(e.client(user))); got != "AccessDenied" {
			t.Fatalf("before AddPermission: %q", got)
		}
		if _, err := admin.AddPermission(ctx, &sqssdk.AddPermissionInput{QueueUrl: s(qurl), Label: s("third"), AWSAccountIds: []string{third}, Actions: []string{"SendMessage"}}); err != nil {
			t.Fatal(err)
		}
		if err := send(e.client(user)); err != nil {
			t.Errorf("after AddPermission: %v", err)
		}
	})
}

// checkCoverage fails t unless every registered operation has exactly one
// case (or is one of the others, tested on their own).
func checkCoverage(t *testing.T, e *env, cases []authzCase, others ...string) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.op]++
	}
	for _, o := range others {
		seen[o]++
	}
	var bad []string
	for op := range e.API.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not registered)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}
