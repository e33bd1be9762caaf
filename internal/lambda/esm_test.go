package lambda_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdatest"
)

func queueARN(e *env, name string) string { return "arn:aws:sqs:us-east-1:" + e.Account + ":" + name }

func esmIn(queue, fn string) lambda.EventSourceMappingInput {
	return lambda.EventSourceMappingInput{EventSourceARN: queue, FunctionName: &fn}
}

// drain empties MappingsChanged.
func drain(s *lambda.Service) {
	select {
	case <-s.MappingsChanged():
	default:
	}
}

func TestCreateEventSourceMapping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "fn", nil)
	if _, err := e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.CreateAlias(ctx, e.Account, "fn", lambda.AliasInput{Name: "live", Version: ptr("1")}); err != nil {
		t.Fatal(err)
	}
	fnARN := "arn:aws:lambda:us-east-1:" + e.Account + ":function:fn"

	t.Run("a mapping with the defaults is answered Creating and is Enabled at rest", func(t *testing.T) {
		drain(e.Svc)
		m, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "q1"), "fn"))
		if err != nil {
			t.Fatal(err)
		}
		if m.State != lambda.ESMCreating || m.BatchSize != 10 || m.MaximumBatchingWindowInSeconds != 0 || !m.Enabled ||
			m.FunctionARN != fnARN || m.ARN != "arn:aws:lambda:us-east-1:"+e.Account+":event-source-mapping:"+m.UUID ||
			m.LastProcessingResult != lambda.ESMNoRecords || len(m.UUID) != 36 || m.UUID[14] != '4' {
			t.Fatalf("created %+v", m)
		}
		select {
		case <-e.Svc.MappingsChanged():
		default:
			t.Error("MappingsChanged was not signalled")
		}
		got, err := e.Svc.GetEventSourceMapping(ctx, e.Account, m.UUID)
		if err != nil || got.State != lambda.ESMEnabled || got.StateTransitionReason != lambda.ESMUserInitiated || got.EventSourceARN != queueARN(e, "q1") {
			t.Fatalf("get = %+v, %v", got, err)
		}
	})
	t.Run("a qualifier makes the function ARN qualified and names the alias", func(t *testing.T) {
		m, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "q2"), fnARN+":live"))
		if err != nil || m.FunctionARN != fnARN+":live" || m.FunctionName != "fn" || m.Qualifier != "live" {
			t.Fatalf("created %+v, %v", m, err)
		}
	})
	t.Run("a disabled mapping with a window, a bound and partial failures keeps them", func(t *testing.T) {
		in := esmIn(queueARN(e, "q3"), "fn")
		in.Enabled, in.BatchSize, in.MaximumBatchingWindowInSeconds = ptr(false), ptr(int64(100)), ptr(int64(5))
		in.FunctionResponseTypes = []string{lambda.ReportBatchItemFailures}
		in.ScalingConfig = &lambda.ScalingConfig{MaximumConcurrency: ptr(int64(7))}
		m, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Svc.GetEventSourceMapping(ctx, e.Account, m.UUID)
		if err != nil || got.State != lambda.ESMDisabled || got.BatchSize != 100 || got.BatchingWindow().Seconds() != 5 ||
			!got.ReportsBatchItemFailures() || got.MaximumConcurrency != 7 {
			t.Fatalf("get = %+v, %v", got, err)
		}
	})
	t.Run("the same queue and function twice is ResourceConflictException naming the first", func(t *testing.T) {
		first, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "dup"), "fn"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "dup"), "fn"))
		if !awserr.Is(err, lambda.CodeResourceConflict) || !strings.Contains(err.Error(), first.UUID) {
			t.Fatalf("second = %v", err)
		}
		if _, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "dup"), "fn:1")); err != nil {
			t.Fatalf("the same queue for a version of the function: %v", err)
		}
	})

	batch := func(n int64) *int64 { return &n }
	for _, c := range []struct {
		name string
		mut  func(*lambda.EventSourceMappingInput)
		code string
	}{
		{"a Kinesis stream is refused", func(in *lambda.EventSourceMappingInput) {
			in.EventSourceARN = "arn:aws:kinesis:us-east-1:" + e.Account + ":stream/s"
		}, lambda.CodeInvalidParameterValue},
		{"a queue of another region is refused", func(in *lambda.EventSourceMappingInput) {
			in.EventSourceARN = "arn:aws:sqs:eu-west-1:" + e.Account + ":q"
		}, lambda.CodeInvalidParameterValue},
		{"a missing event source is refused", func(in *lambda.EventSourceMappingInput) { in.EventSourceARN = "" }, lambda.CodeInvalidParameterValue},
		{"a batch of 11 without a window is refused", func(in *lambda.EventSourceMappingInput) { in.BatchSize = batch(11) }, lambda.CodeInvalidParameterValue},
		{"a batch of 10001 is refused", func(in *lambda.EventSourceMappingInput) {
			in.BatchSize, in.MaximumBatchingWindowInSeconds = batch(10001), batch(1)
		}, lambda.CodeInvalidParameterValue},
		{"a batch of 0 is refused", func(in *lambda.EventSourceMappingInput) { in.BatchSize = batch(0) }, lambda.CodeInvalidParameterValue},
		{"a window of 301 s is refused", func(in *lambda.EventSourceMappingInput) { in.MaximumBatchingWindowInSeconds = batch(301) }, lambda.CodeInvalidParameterValue},
		{"a FIFO batch of 11 is refused even with a window", func(in *lambda.EventSourceMappingInput) {
			in.EventSourceARN = queueARN(e, "f.fifo")
			in.BatchSize, in.MaximumBatchingWindowInSeconds = batch(11), batch(1)
		}, lambda.CodeInvalidParameterValue},
		{"a FIFO batching window is refused", func(in *lambda.EventSourceMappingInput) {
			in.EventSourceARN = queueARN(e, "f.fifo")
			in.MaximumBatchingWindowInSeconds = batch(1)
		}, lambda.CodeInvalidParameterValue},
		{"an unknown response type is refused", func(in *lambda.EventSourceMappingInput) { in.FunctionResponseTypes = []string{"Other"} }, lambda.CodeInvalidParameterValue},
		{"a maximum concurrency of 1 is refused", func(in *lambda.EventSourceMappingInput) {
			in.ScalingConfig = &lambda.ScalingConfig{MaximumConcurrency: batch(1)}
		}, lambda.CodeInvalidParameterValue},
		{"a stream-only parameter is refused", func(in *lambda.EventSourceMappingInput) { in.Unsupported = []string{"StartingPosition"} }, lambda.CodeInvalidParameterValue},
		{"a missing function is ResourceNotFoundException", func(in *lambda.EventSourceMappingInput) { in.FunctionName = ptr("nope") }, lambda.CodeResourceNotFound},
		{"a missing alias is ResourceNotFoundException", func(in *lambda.EventSourceMappingInput) { in.FunctionName = ptr("fn:gone") }, lambda.CodeResourceNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := esmIn(queueARN(e, "bad"), "fn")
			c.mut(&in)
			if _, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, in); !awserr.Is(err, c.code) {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
		})
	}
	t.Run("a FIFO queue takes a batch of 10 without a window", func(t *testing.T) {
		if _, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "ok.fifo"), "fn")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUpdateAndDeleteEventSourceMapping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "fn", nil)
	e.create(t, "other", nil)
	m, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, "q"), "fn"))
	if err != nil {
		t.Fatal(err)
	}
	update := func(in lambda.EventSourceMappingInput) (*lambda.EventSourceMapping, error) {
		return e.Svc.UpdateEventSourceMapping(ctx, e.Account, m.UUID, in)
	}
	t.Run("disabling answers Disabling and rests Disabled", func(t *testing.T) {
		u, err := update(lambda.EventSourceMappingInput{Enabled: ptr(false)})
		if err != nil || u.State != lambda.ESMDisabling {
			t.Fatalf("update = %+v, %v", u, err)
		}
		if g, _ := e.Svc.GetEventSourceMapping(ctx, e.Account, m.UUID); g.State != lambda.ESMDisabled {
			t.Fatalf("at rest %s", g.State)
		}
	})
	t.Run("enabling answers Enabling and other changes answer Updating", func(t *testing.T) {
		if u, err := update(lambda.EventSourceMappingInput{Enabled: ptr(true)}); err != nil || u.State != lambda.ESMEnabling {
			t.Fatalf("enable = %+v, %v", u, err)
		}
		u, err := update(lambda.EventSourceMappingInput{BatchSize: ptr(int64(50)), MaximumBatchingWindowInSeconds: ptr(int64(2))})
		if err != nil || u.State != lambda.ESMUpdating || u.BatchSize != 50 || u.MaximumBatchingWindowInSeconds != 2 || !u.Enabled {
			t.Fatalf("update = %+v, %v", u, err)
		}
	})
	t.Run("an invalid change is refused and changes nothing", func(t *testing.T) {
		if _, err := update(lambda.EventSourceMappingInput{MaximumBatchingWindowInSeconds: ptr(int64(0))}); !awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
		if g, _ := e.Svc.GetEventSourceMapping(ctx, e.Account, m.UUID); g.MaximumBatchingWindowInSeconds != 2 {
			t.Fatalf("window is now %d", g.MaximumBatchingWindowInSeconds)
		}
	})
	t.Run("the function can change, and scaling config can be removed", func(t *testing.T) {
		if _, err := update(lambda.EventSourceMappingInput{ScalingConfig: &lambda.ScalingConfig{MaximumConcurrency: ptr(int64(3))}}); err != nil {
			t.Fatal(err)
		}
		u, err := update(lambda.EventSourceMappingInput{FunctionName: ptr("other"), ScalingConfig: &lambda.ScalingConfig{}})
		if err != nil || u.FunctionName != "other" || !strings.HasSuffix(u.FunctionARN, ":function:other") || u.MaximumConcurrency != 0 {
			t.Fatalf("update = %+v, %v", u, err)
		}
	})
	t.Run("an unknown mapping is ResourceNotFoundException", func(t *testing.T) {
		if _, err := e.Svc.UpdateEventSourceMapping(ctx, e.Account, "00000000-0000-4000-8000-000000000000", lambda.EventSourceMappingInput{}); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("another account does not see the mapping", func(t *testing.T) {
		if _, err := e.Svc.GetEventSourceMapping(ctx, "999999999999", m.UUID); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a mapping outlives its function, as on AWS", func(t *testing.T) {
		if err := e.Svc.DeleteFunction(ctx, e.Account, "other", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.GetEventSourceMapping(ctx, e.Account, m.UUID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("delete answers Deleting and the mapping is gone", func(t *testing.T) {
		d, err := e.Svc.DeleteEventSourceMapping(ctx, e.Account, m.UUID)
		if err != nil || d.State != lambda.ESMDeleting || d.UUID != m.UUID {
			t.Fatalf("delete = %+v, %v", d, err)
		}
		if _, err := e.Svc.GetEventSourceMapping(ctx, e.Account, m.UUID); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("get after delete = %v", err)
		}
		if _, err := e.Svc.DeleteEventSourceMapping(ctx, e.Account, m.UUID); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("second delete = %v", err)
		}
	})
}

func TestListEventSourceMappings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "a", nil)
	e.create(t, "b", nil)
	for _, c := range [][2]string{{"q1", "a"}, {"q2", "a"}, {"q1", "b"}} {
		if _, err := e.Svc.CreateEventSourceMapping(ctx, e.Account, esmIn(queueARN(e, c[0]), c[1])); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name          string
		queue, fn     string
		want          int
		wantFunctions string
	}{
		{"without filters every mapping is listed", "", "", 3, ""},
		{"a queue lists its mappings", queueARN(e, "q1"), "", 2, ""},
		{"a function lists its mappings", "", "a", 2, "a"},
		{"a function ARN and a queue list their one mapping", queueARN(e, "q1"), "arn:aws:lambda:us-east-1:" + e.Account + ":function:b", 1, "b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, next, err := e.Svc.ListEventSourceMappings(ctx, e.Account, c.queue, c.fn, lambda.Page{})
			if err != nil || len(ms) != c.want || next != "" {
				t.Fatalf("list = %d, %q, %v", len(ms), next, err)
			}
			for _, m := range ms {
				if c.wantFunctions != "" && m.FunctionName != c.wantFunctions {
					t.Errorf("listed a mapping of %s", m.FunctionName)
				}
			}
		})
	}
	t.Run("pages follow the marker to the end", func(t *testing.T) {
		seen := map[string]bool{}
		p := lambda.Page{MaxItems: 2}
		for range 3 {
			ms, next, err := e.Svc.ListEventSourceMappings(ctx, e.Account, "", "", p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				seen[m.UUID] = true
			}
			if next == "" {
				break
			}
			p.Marker = next
		}
		if len(seen) != 3 {
			t.Fatalf("saw %d mappings", len(seen))
		}
	})
	t.Run("every mapping of every account is there for the pollers", func(t *testing.T) {
		all, err := e.Svc.AllEventSourceMappings(ctx)
		if err != nil || len(all) != 3 {
			t.Fatalf("all = %d, %v", len(all), err)
		}
	})
	t.Run("a processing result is recorded and read back", func(t *testing.T) {
		all, _ := e.Svc.AllEventSourceMappings(ctx)
		if err := e.Svc.RecordProcessingResult(ctx, all[0].UUID, "OK"); err != nil {
			t.Fatal(err)
		}
		g, err := e.Svc.GetEventSourceMapping(ctx, e.Account, all[0].UUID)
		if err != nil || g.LastProcessingResult != "OK" {
			t.Fatalf("get = %+v, %v", g, err)
		}
		if err := e.Svc.RecordProcessingResult(ctx, "00000000-0000-4000-8000-000000000000", "OK"); err != nil {
			t.Fatalf("for a deleted mapping: %v", err)
		}
	})
}

func TestEventSourceMappingSourceAccess(t *testing.T) {
	base := lambdatest.New(t)
	ctx := context.Background()
	bs, err := blob.Open(blob.Options{Dir: filepath.Join(t.TempDir(), "blobs"), Sealer: base.Box})
	if err != nil {
		t.Fatal(err)
	}
	type call struct{ account, role, queue string }
	var calls []call
	answer := error(nil)
	svc, err := lambda.New(ctx, lambda.Config{Store: base.Store, Blobs: bs, Sealer: base.Box, Roles: lambdatest.IAMRoles{IAM: base.IAM}, Region: "us-east-1",
		SourceAccess: func(ctx context.Context, account, roleARN, queueARN string) error {
			calls = append(calls, call{account, roleARN, queueARN})
			return answer
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateFunction(ctx, base.Account, lambda.FunctionInput{Name: "fn", Runtime: "provided.al2023", Handler: "bootstrap",
		Role: base.Role, ZipFile: lambdatest.BootstrapZip(t)}); err != nil {
		t.Fatal(err)
	}
	queue := "arn:aws:sqs:us-east-1:" + base.Account + ":q"
	t.Run("the execution role and the queue are checked", func(t *testing.T) {
		if _, err := svc.CreateEventSourceMapping(ctx, base.Account, lambda.EventSourceMappingInput{EventSourceARN: queue, FunctionName: ptr("fn")}); err != nil {
			t.Fatal(err)
		}
		if len(calls) != 1 || calls[0] != (call{base.Account, base.Role, queue}) {
			t.Fatalf("calls = %+v", calls)
		}
	})
	t.Run("a denial is answered as AWS answers it and nothing is created", func(t *testing.T) {
		answer = lambda.SourceAccessDenied("ReceiveMessage")
		_, err := svc.CreateEventSourceMapping(ctx, base.Account, lambda.EventSourceMappingInput{EventSourceARN: queue + "2", FunctionName: ptr("fn")})
		if !awserr.Is(err, lambda.CodeInvalidParameterValue) || !strings.Contains(err.Error(), "does not have permissions to call ReceiveMessage on SQS") {
			t.Fatalf("err = %v", err)
		}
		if ms, _, _ := svc.ListEventSourceMappings(ctx, base.Account, queue+"2", "", lambda.Page{}); len(ms) != 0 {
			t.Fatalf("a denied mapping was created")
		}
	})
	t.Run("a check that could not decide is not the caller's fault", func(t *testing.T) {
		answer = errors.New("iam unavailable")
		_, err := svc.CreateEventSourceMapping(ctx, base.Account, lambda.EventSourceMappingInput{EventSourceARN: queue + "3", FunctionName: ptr("fn")})
		if err == nil || awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
	})
}
