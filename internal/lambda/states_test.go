package lambda_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

// waitState polls $LATEST until it reaches state.
func waitState(t *testing.T, e *env, name, state string) *lambda.Version {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := e.Svc.GetFunctionConfiguration(context.Background(), e.Account, name, "")
		if err != nil {
			t.Fatal(err)
		}
		if v.State == state {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s, want %s", name, v.State, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFunctionsArePendingUntilPrepared(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	release := make(chan struct{})
	prepared := make(chan string, 10)
	if err := e.Svc.StartPreparing(ctx, func(ctx context.Context, v *lambda.Version) error {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		prepared <- v.FunctionName
		if v.FunctionName == "broken" {
			return errors.New("disk full")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	v := e.create(t, "fn", func(in *lambda.FunctionInput) { in.Publish = true })
	t.Run("a created function is Pending with AWS's reason", func(t *testing.T) {
		if v.State != "Pending" || v.StateReason != "The function is being created." || v.StateReasonCode != "Creating" || v.LastUpdateStatus != "" {
			t.Fatalf("created: %+v", v)
		}
	})
	t.Run("updates and publishing conflict while it is Pending", func(t *testing.T) {
		mem := int64(256)
		_, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{MemorySize: &mem})
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeResourceConflict ||
			ae.Message != "The operation cannot be performed at this time. The function is currently in the following state: Pending" {
			t.Fatalf("update: %v", err)
		}
		if _, err := e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", ""); !awserr.Is(err, lambda.CodeResourceConflict) {
			t.Fatalf("publish: %v", err)
		}
	})
	t.Run("once prepared, $LATEST and the version published with it are Active", func(t *testing.T) {
		close(release)
		if got := <-prepared; got != "fn" {
			t.Fatalf("prepared %q", got)
		}
		v := waitState(t, e, "fn", "Active")
		if v.LastUpdateStatus != "Successful" || v.StateReason != "" {
			t.Fatalf("active: %+v", v)
		}
		v1, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "fn", "1")
		if err != nil || v1.State != "Active" {
			t.Fatalf("version 1: %+v, %v", v1, err)
		}
		r, err := e.Svc.ResolveForInvoke(ctx, e.Account, "fn", "")
		if err != nil || r.Version.State != "Active" {
			t.Fatalf("invoke resolution still sees %+v, %v", r.Version, err)
		}
	})
	t.Run("a function whose preparation fails is Failed with the reason", func(t *testing.T) {
		e.create(t, "broken", nil)
		v := waitState(t, e, "broken", "Failed")
		if v.StateReasonCode != "InternalError" || v.StateReason == "" {
			t.Fatalf("failed: %+v", v)
		}
	})
}

func TestPendingFunctionsAreResumedAfterARestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.Svc.StartPreparing(ctx, func(ctx context.Context, v *lambda.Version) error {
		<-ctx.Done() // never finishes before Close
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "fn", nil)
	e.Svc.Close()
	if v := waitState(t, e, "fn", "Pending"); v.State != "Pending" {
		t.Fatal("not pending after close")
	}
	if err := e.Svc.StartPreparing(ctx, func(ctx context.Context, v *lambda.Version) error { return nil }); err != nil {
		t.Fatal(err)
	}
	waitState(t, e, "fn", "Active")
	e.Svc.Close()
}
