package lambda_test

import (
	"context"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

func ptr[T any](v T) *T { return &v }

func TestEventInvokeConfigs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "fn", nil)
	queue := "arn:aws:sqs:us-east-1:" + e.Account + ":failures"
	t.Run("put sets the configuration of $LATEST and get returns it", func(t *testing.T) {
		c, err := e.Svc.PutFunctionEventInvokeConfig(ctx, e.Account, "fn", "", lambda.EventInvokeInput{MaximumRetryAttempts: ptr(int64(0)), OnFailure: &queue})
		if err != nil || c.FunctionARN != "arn:aws:lambda:us-east-1:"+e.Account+":function:fn:$LATEST" || c.Retries() != 0 || c.OnFailure != queue || c.MaxAge() != lambda.DefaultMaxEventAge {
			t.Fatalf("put = %+v, %v", c, err)
		}
		got, err := e.Svc.GetFunctionEventInvokeConfig(ctx, e.Account, "fn", "$LATEST")
		if err != nil || got.OnFailure != queue || got.Retries() != 0 {
			t.Fatalf("get = %+v, %v", got, err)
		}
	})
	t.Run("update keeps what it does not name and put replaces everything", func(t *testing.T) {
		c, err := e.Svc.UpdateFunctionEventInvokeConfig(ctx, e.Account, "fn", "", lambda.EventInvokeInput{MaximumEventAgeInSeconds: ptr(int64(60))})
		if err != nil || c.OnFailure != queue || c.Retries() != 0 || c.MaxAge().Seconds() != 60 {
			t.Fatalf("update = %+v, %v", c, err)
		}
		c, err = e.Svc.PutFunctionEventInvokeConfig(ctx, e.Account, "fn", "", lambda.EventInvokeInput{})
		if err != nil || c.OnFailure != "" || c.Retries() != 2 {
			t.Fatalf("put = %+v, %v", c, err)
		}
	})
	t.Run("the invoke path sees the configuration written last", func(t *testing.T) {
		if _, err := e.Svc.PutFunctionEventInvokeConfig(ctx, e.Account, "fn", "", lambda.EventInvokeInput{MaximumRetryAttempts: ptr(int64(1))}); err != nil {
			t.Fatal(err)
		}
		c, err := e.Svc.EventConfigFor(ctx, e.Account, "fn", "")
		if err != nil || c.Retries() != 1 {
			t.Fatalf("EventConfigFor = %+v, %v", c, err)
		}
		if c, err := e.Svc.EventConfigFor(ctx, e.Account, "fn", "live"); err != nil || c != nil {
			t.Fatalf("for an alias without one = %+v, %v", c, err)
		}
	})
	t.Run("list returns every qualifier's configuration", func(t *testing.T) {
		if _, err := e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.PutFunctionEventInvokeConfig(ctx, e.Account, "fn", "1", lambda.EventInvokeInput{}); err != nil {
			t.Fatal(err)
		}
		cs, next, err := e.Svc.ListFunctionEventInvokeConfigs(ctx, e.Account, "fn", lambda.Page{MaxItems: 1})
		if err != nil || len(cs) != 1 || next == "" {
			t.Fatalf("page 1 = %d, %q, %v", len(cs), next, err)
		}
		cs, next, err = e.Svc.ListFunctionEventInvokeConfigs(ctx, e.Account, "fn", lambda.Page{Marker: next})
		if err != nil || len(cs) != 1 || next != "" {
			t.Fatalf("page 2 = %d, %q, %v", len(cs), next, err)
		}
	})
	for _, c := range []struct {
		name string
		in   lambda.EventInvokeInput
		qual string
		code string
	}{
		{"three retries are refused", lambda.EventInvokeInput{MaximumRetryAttempts: ptr(int64(3))}, "", lambda.CodeInvalidParameterValue},
		{"an event age under a minute is refused", lambda.EventInvokeInput{MaximumEventAgeInSeconds: ptr(int64(59))}, "", lambda.CodeInvalidParameterValue},
		{"a destination that is not an ARN is refused", lambda.EventInvokeInput{OnSuccess: ptr("queue")}, "", lambda.CodeInvalidParameterValue},
		{"a missing version is ResourceNotFoundException", lambda.EventInvokeInput{}, "9", lambda.CodeResourceNotFound},
		{"a missing alias is ResourceNotFoundException", lambda.EventInvokeInput{}, "nope", lambda.CodeResourceNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.Svc.PutFunctionEventInvokeConfig(ctx, e.Account, "fn", c.qual, c.in); !awserr.Is(err, c.code) {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
		})
	}
	t.Run("delete removes it and a second delete is ResourceNotFoundException", func(t *testing.T) {
		if err := e.Svc.DeleteFunctionEventInvokeConfig(ctx, e.Account, "fn", "1"); err != nil {
			t.Fatal(err)
		}
		if err := e.Svc.DeleteFunctionEventInvokeConfig(ctx, e.Account, "fn", "1"); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("second delete = %v", err)
		}
	})
}

func TestDeadLetterTargets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	topic := "arn:aws:sns:us-east-1:" + e.Account + ":dlq"
	v := e.create(t, "fn", func(in *lambda.FunctionInput) { in.DeadLetterTarget = topic })
	if v.DeadLetterTarget != topic {
		t.Fatalf("created with %q", v.DeadLetterTarget)
	}
	queue := "arn:aws:sqs:us-east-1:" + e.Account + ":dlq"
	v, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{DeadLetterTarget: &queue})
	if err != nil || v.DeadLetterTarget != queue {
		t.Fatalf("update = %q, %v", v.DeadLetterTarget, err)
	}
	bad := "arn:aws:lambda:us-east-1:" + e.Account + ":function:other"
	if _, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{DeadLetterTarget: &bad}); !awserr.Is(err, lambda.CodeInvalidParameterValue) {
		t.Fatalf("a function as dead-letter target = %v", err)
	}
}
