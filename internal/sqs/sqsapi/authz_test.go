package sqsapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

// queue is an authorization case's target: a queue's name and, once set up
// with withMessage, the receipt handle of a message received from it.
type queue struct{ name, handle string }

// withMessage creates q with one received message, whose receipt handle it
// keeps in q.handle.
func (e *env) withMessage(t testing.TB, q *queue) {
	ctx := context.Background()
	ref := sqs.QueueRef{Account: e.Account, Name: q.name}
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
	q.handle = msgs[0].ReceiptHandle
}

func TestEveryOperationIsAuthorizedOnItsQueue(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	u := func(q *queue) *string { return s(e.queueURL(e.Account, q.name)) }
	cases := []apitest.Case[*sqssdk.Client, *queue]{
		{Op: "CreateQueue", Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: s(q.name)})
			return err
		}},
		{Op: "GetQueueUrl", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.GetQueueUrl(ctx, &sqssdk.GetQueueUrlInput{QueueName: s(q.name)})
			return err
		}},
		{Op: "DeleteQueue", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.DeleteQueue(ctx, &sqssdk.DeleteQueueInput{QueueUrl: u(q)})
			return err
		}},
		{Op: "GetQueueAttributes", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.GetQueueAttributes(ctx, &sqssdk.GetQueueAttributesInput{QueueUrl: u(q), AttributeNames: []types.QueueAttributeName{"All"}})
			return err
		}},
		{Op: "SetQueueAttributes", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.SetQueueAttributes(ctx, &sqssdk.SetQueueAttributesInput{QueueUrl: u(q), Attributes: map[string]string{"DelaySeconds": "1"}})
			return err
		}},
		{Op: "PurgeQueue", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.PurgeQueue(ctx, &sqssdk.PurgeQueueInput{QueueUrl: u(q)})
			return err
		}},
		{Op: "TagQueue", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.TagQueue(ctx, &sqssdk.TagQueueInput{QueueUrl: u(q), Tags: map[string]string{"a": "b"}})
			return err
		}},
		{Op: "UntagQueue", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.UntagQueue(ctx, &sqssdk.UntagQueueInput{QueueUrl: u(q), TagKeys: []string{"k"}})
			return err
		}},
		{Op: "ListQueueTags", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.ListQueueTags(ctx, &sqssdk.ListQueueTagsInput{QueueUrl: u(q)})
			return err
		}},
		{Op: "AddPermission", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.AddPermission(ctx, &sqssdk.AddPermissionInput{QueueUrl: u(q), Label: s("l2"), AWSAccountIds: []string{"444455556666"}, Actions: []string{"ReceiveMessage"}})
			return err
		}},
		{Op: "RemovePermission", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.RemovePermission(ctx, &sqssdk.RemovePermissionInput{QueueUrl: u(q), Label: s("p")})
			return err
		}},
		{Op: "ListDeadLetterSourceQueues", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.ListDeadLetterSourceQueues(ctx, &sqssdk.ListDeadLetterSourceQueuesInput{QueueUrl: u(q)})
			return err
		}},
		{Op: "SendMessage", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: u(q), MessageBody: s("b")})
			return err
		}},
		{Op: "SendMessageBatch", Action: "sqs:SendMessage", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.SendMessageBatch(ctx, &sqssdk.SendMessageBatchInput{QueueUrl: u(q), Entries: []types.SendMessageBatchRequestEntry{{Id: s("1"), MessageBody: s("b")}}})
			return err
		}},
		{Op: "ReceiveMessage", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.ReceiveMessage(ctx, &sqssdk.ReceiveMessageInput{QueueUrl: u(q)})
			return err
		}},
		{Op: "DeleteMessage", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.DeleteMessage(ctx, &sqssdk.DeleteMessageInput{QueueUrl: u(q), ReceiptHandle: s(q.handle)})
			return err
		}},
		{Op: "DeleteMessageBatch", Action: "sqs:DeleteMessage", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.DeleteMessageBatch(ctx, &sqssdk.DeleteMessageBatchInput{QueueUrl: u(q), Entries: []types.DeleteMessageBatchRequestEntry{{Id: s("1"), ReceiptHandle: s(q.handle)}}})
			return err
		}},
		{Op: "ChangeMessageVisibility", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.ChangeMessageVisibility(ctx, &sqssdk.ChangeMessageVisibilityInput{QueueUrl: u(q), ReceiptHandle: s(q.handle), VisibilityTimeout: 10})
			return err
		}},
		{Op: "ChangeMessageVisibilityBatch", Action: "sqs:ChangeMessageVisibility", Setup: e.withMessage, Call: func(ctx context.Context, c *sqssdk.Client, q *queue) error {
			_, err := c.ChangeMessageVisibilityBatch(ctx, &sqssdk.ChangeMessageVisibilityBatchInput{QueueUrl: u(q),
				Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: s("1"), ReceiptHandle: s(q.handle), VisibilityTimeout: 10}}})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, listQueues())
	suite.Run(t, cases)
}

// listQueues is the operation AWS authorizes without a resource, on "*".
func listQueues() []apitest.Star[*sqssdk.Client] {
	return []apitest.Star[*sqssdk.Client]{{Op: "ListQueues", Call: func(ctx context.Context, c *sqssdk.Client) error {
		_, err := c.ListQueues(ctx, &sqssdk.ListQueuesInput{})
		return err
	}}}
}

func TestListQueuesIsAuthorizedWithoutAResource(t *testing.T) {
	e := newEnv(t)
	e.suite().RunStars(t, []string{"arn:aws:sqs:us-east-1:" + e.Account + ":q"}, listQueues())
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
		ext := e.NewUser(t, other, "ext", apitest.AllowDoc("sqs:*", "*"))
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
		user := e.NewUser(t, third, "u", apitest.AllowDoc("sqs:SendMessage", "*"))
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
