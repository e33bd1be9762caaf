package sns_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sns"
)

func TestTopics(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	arn := f.topic(t, "orders", map[string]string{"DisplayName": "Orders"})
	t.Run("the ARN names region, account and topic", func(t *testing.T) {
		if arn != "arn:aws:sns:us-east-1:111122223333:orders" {
			t.Errorf("got %s", arn)
		}
	})
	t.Run("creating it again with the same attributes returns the same ARN", func(t *testing.T) {
		again, err := f.svc.CreateTopic(ctx, acct, region, "orders", map[string]string{"DisplayName": "Orders"}, nil)
		if err != nil || again != arn {
			t.Errorf("got %s, %v", again, err)
		}
	})
	t.Run("creating it again with other attributes is InvalidParameter", func(t *testing.T) {
		_, err := f.svc.CreateTopic(ctx, acct, region, "orders", map[string]string{"DisplayName": "Other"}, nil)
		if code(err) != sns.CodeInvalidParameter || !strings.Contains(err.Error(), "different attributes") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a name with a dot is InvalidParameter", func(t *testing.T) {
		if _, err := f.svc.CreateTopic(ctx, acct, region, "a.b", nil, nil); code(err) != sns.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a .fifo name needs FifoTopic and FifoTopic needs the name", func(t *testing.T) {
		_, err1 := f.svc.CreateTopic(ctx, acct, region, "q.fifo", nil, nil)
		_, err2 := f.svc.CreateTopic(ctx, acct, region, "q", map[string]string{"FifoTopic": "true"}, nil)
		if code(err1) != sns.CodeInvalidParameter || code(err2) != sns.CodeInvalidParameter {
			t.Errorf("got %v and %v", err1, err2)
		}
	})
	t.Run("ContentBasedDeduplication is refused on a standard topic", func(t *testing.T) {
		_, err := f.svc.CreateTopic(ctx, acct, region, "std", map[string]string{"ContentBasedDeduplication": "true"}, nil)
		if code(err) != sns.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("attributes include the computed ones and the default policy", func(t *testing.T) {
		a, err := f.svc.GetTopicAttributes(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"TopicArn": arn, "Owner": acct, "DisplayName": "Orders", "SubscriptionsConfirmed": "0", "SubscriptionsPending": "0"} {
			if a[k] != want {
				t.Errorf("%s = %q, want %q", k, a[k], want)
			}
		}
		if !strings.Contains(a["Policy"], `"AWS:SourceOwner":"111122223333"`) || !strings.Contains(a["EffectiveDeliveryPolicy"], `"numRetries":3`) {
			t.Errorf("got %v", a)
		}
	})
	t.Run("a FIFO topic reports FifoTopic and ContentBasedDeduplication", func(t *testing.T) {
		fifo := f.topic(t, "events.fifo", map[string]string{"FifoTopic": "true"})
		a, _ := f.svc.GetTopicAttributes(ctx, fifo)
		if a["FifoTopic"] != "true" || a["ContentBasedDeduplication"] != "false" {
			t.Errorf("got %v", a)
		}
		if err := f.svc.SetTopicAttributes(ctx, fifo, "ContentBasedDeduplication", "true"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetTopicAttributes(ctx, fifo, "FifoTopic", "false"); code(err) != sns.CodeInvalidParameter {
			t.Errorf("changing FifoTopic: got %v", err)
		}
	})
	t.Run("SetTopicAttributes changes one attribute and refuses unknown ones", func(t *testing.T) {
		if err := f.svc.SetTopicAttributes(ctx, arn, "SignatureVersion", "2"); err != nil {
			t.Fatal(err)
		}
		a, _ := f.svc.GetTopicAttributes(ctx, arn)
		if a["SignatureVersion"] != "2" {
			t.Errorf("got %v", a)
		}
		if err := f.svc.SetTopicAttributes(ctx, arn, "Colour", "blue"); code(err) != sns.CodeInvalidParameter {
			t.Errorf("unknown attribute: got %v", err)
		}
		if err := f.svc.SetTopicAttributes(ctx, arn, "Policy", "not json"); code(err) != sns.CodeInvalidParameter {
			t.Errorf("bad policy: got %v", err)
		}
	})
	t.Run("a missing topic is NotFound", func(t *testing.T) {
		_, err := f.svc.GetTopicAttributes(ctx, sns.TopicARN(region, acct, "nope"))
		if code(err) != sns.CodeNotFound {
			t.Errorf("got %v", err)
		}
	})
	t.Run("deleting a topic twice succeeds and removes its subscriptions", func(t *testing.T) {
		doomed := f.topic(t, "doomed", nil)
		sub := f.subscribe(t, doomed, "sqs", queueARN("q"), nil)
		for range 2 {
			if err := f.svc.DeleteTopic(ctx, doomed); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.GetSubscription(ctx, sub.ARN); code(err) != sns.CodeNotFound {
			t.Errorf("subscription survived: %v", err)
		}
	})
}

func TestListTopicsPagesByHundred(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range 205 {
		f.topic(t, fmt.Sprintf("t%03d", i), nil)
	}
	if _, err := f.svc.CreateTopic(ctx, acct, "eu-west-1", "elsewhere", nil, nil); err != nil {
		t.Fatal(err)
	}
	var all []string
	pages, tok := 0, ""
	for {
		arns, next, err := f.svc.ListTopics(ctx, acct, region, tok)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, arns...)
		if next == "" {
			break
		}
		tok = next
	}
	if pages != 3 || len(all) != 205 || !strings.HasSuffix(all[0], ":t000") || !strings.HasSuffix(all[204], ":t204") {
		t.Errorf("got %d pages, %d topics", pages, len(all))
	}
	if _, _, err := f.svc.ListTopics(ctx, acct, region, "!!"); code(err) != sns.CodeInvalidParameter {
		t.Errorf("bad token: got %v", err)
	}
}

func TestTopicTagsAndPermissions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	arn := f.topic(t, "tagged", nil)
	t.Run("tags are added, replaced, listed in order and removed", func(t *testing.T) {
		if err := f.svc.TagResource(ctx, arn, []sns.Tag{{"team", "a"}, {"env", "dev"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.TagResource(ctx, arn, []sns.Tag{{"team", "b"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UntagResource(ctx, arn, []string{"env"}); err != nil {
			t.Fatal(err)
		}
		tags, err := f.svc.ListTags(ctx, arn)
		if err != nil || len(tags) != 1 || tags[0] != (sns.Tag{"team", "b"}) {
			t.Errorf("got %v, %v", tags, err)
		}
	})
	t.Run("more than 50 tags is TagLimitExceeded", func(t *testing.T) {
		var tags []sns.Tag
		for i := range 51 {
			tags = append(tags, sns.Tag{Key: fmt.Sprint("k", i), Value: "v"})
		}
		if err := f.svc.TagResource(ctx, arn, tags); code(err) != sns.CodeTagLimitExceeded {
			t.Errorf("got %v", err)
		}
	})
	t.Run("tagging a missing topic is ResourceNotFound", func(t *testing.T) {
		if err := f.svc.TagResource(ctx, sns.TopicARN(region, acct, "nope"), []sns.Tag{{"a", "b"}}); code(err) != sns.CodeResourceNotFound {
			t.Errorf("got %v", err)
		}
	})
	t.Run("AddPermission adds a statement ResourcePolicy returns and RemovePermission removes it", func(t *testing.T) {
		if err := f.svc.AddPermission(ctx, arn, "pub", []string{other}, []string{"Publish"}); err != nil {
			t.Fatal(err)
		}
		doc, ok, err := f.svc.ResourcePolicy(ctx, arn, "sns:Publish")
		if err != nil || !ok || !strings.Contains(doc, `"arn:aws:iam::444455556666:root"`) || !strings.Contains(doc, `"SNS:Publish"`) {
			t.Errorf("got %s, %v, %v", doc, ok, err)
		}
		if err := f.svc.AddPermission(ctx, arn, "pub", []string{other}, []string{"Publish"}); code(err) != sns.CodeInvalidParameter {
			t.Errorf("duplicate label: got %v", err)
		}
		if err := f.svc.RemovePermission(ctx, arn, "pub"); err != nil {
			t.Fatal(err)
		}
		doc, _, _ = f.svc.ResourcePolicy(ctx, arn, "sns:Publish")
		if strings.Contains(doc, other) {
			t.Errorf("statement survived: %s", doc)
		}
	})
	t.Run("ResourcePolicy answers for a subscription with its topic's policy and not for missing topics", func(t *testing.T) {
		sub := f.subscribe(t, arn, "sqs", queueARN("q"), nil)
		if _, ok, _ := f.svc.ResourcePolicy(ctx, sub.ARN, "sns:Unsubscribe"); !ok {
			t.Error("no policy for the subscription")
		}
		if _, ok, _ := f.svc.ResourcePolicy(ctx, sns.TopicARN(region, acct, "nope"), "sns:Publish"); ok {
			t.Error("a policy for a missing topic")
		}
	})
}
