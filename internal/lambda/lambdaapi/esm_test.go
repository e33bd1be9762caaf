package lambdaapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestSDKEventSourceMappings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	withFunction(t, e, "fn")
	cl := e.client(e.Admin)
	queue := "arn:aws:sqs:" + apitest.Region + ":" + e.Account + ":jobs"
	var uuid string

	t.Run("CreateEventSourceMapping answers Creating with AWS's defaults", func(t *testing.T) {
		out, err := cl.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue),
			FunctionResponseTypes: []types.FunctionResponseType{types.FunctionResponseTypeReportBatchItemFailures}})
		if err != nil {
			t.Fatal(err)
		}
		uuid = aws.ToString(out.UUID)
		if aws.ToString(out.State) != "Creating" || aws.ToInt32(out.BatchSize) != 10 || aws.ToString(out.FunctionArn) != e.functionARN("fn") ||
			aws.ToString(out.EventSourceMappingArn) != "arn:aws:lambda:"+apitest.Region+":"+e.Account+":event-source-mapping:"+uuid ||
			aws.ToString(out.LastProcessingResult) != "No records processed" || out.LastModified == nil || out.LastModified.IsZero() ||
			len(out.FunctionResponseTypes) != 1 {
			t.Fatalf("create = %+v", out)
		}
	})
	t.Run("GetEventSourceMapping answers it Enabled", func(t *testing.T) {
		out, err := cl.GetEventSourceMapping(ctx, &lambdasdk.GetEventSourceMappingInput{UUID: aws.String(uuid)})
		if err != nil || aws.ToString(out.State) != "Enabled" || aws.ToString(out.EventSourceArn) != queue || aws.ToString(out.StateTransitionReason) != "USER_INITIATED" {
			t.Fatalf("get = %+v, %v", out, err)
		}
	})
	t.Run("UpdateEventSourceMapping disables it with a batching window and a scaling bound", func(t *testing.T) {
		out, err := cl.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(false),
			BatchSize: aws.Int32(100), MaximumBatchingWindowInSeconds: aws.Int32(3), ScalingConfig: &types.ScalingConfig{MaximumConcurrency: aws.Int32(4)}})
		if err != nil || aws.ToString(out.State) != "Disabling" || aws.ToInt32(out.BatchSize) != 100 || aws.ToInt32(out.MaximumBatchingWindowInSeconds) != 3 ||
			out.ScalingConfig == nil || aws.ToInt32(out.ScalingConfig.MaximumConcurrency) != 4 {
			t.Fatalf("update = %+v, %v", out, err)
		}
	})
	t.Run("a stream parameter is InvalidParameterValueException", func(t *testing.T) {
		_, err := cl.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
			EventSourceArn: aws.String(queue + "2"), StartingPosition: types.EventSourcePositionLatest})
		var bad *types.InvalidParameterValueException
		if !errors.As(err, &bad) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a second mapping of the queue and function is ResourceConflictException", func(t *testing.T) {
		_, err := cl.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue)})
		var conflict *types.ResourceConflictException
		if !errors.As(err, &conflict) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ListEventSourceMappings filters by function", func(t *testing.T) {
		out, err := cl.ListEventSourceMappings(ctx, &lambdasdk.ListEventSourceMappingsInput{FunctionName: aws.String("fn")})
		if err != nil || len(out.EventSourceMappings) != 1 || aws.ToString(out.EventSourceMappings[0].UUID) != uuid {
			t.Fatalf("list = %+v, %v", out, err)
		}
		out, err = cl.ListEventSourceMappings(ctx, &lambdasdk.ListEventSourceMappingsInput{EventSourceArn: aws.String(queue + "-other")})
		if err != nil || len(out.EventSourceMappings) != 0 {
			t.Fatalf("list of another queue = %+v, %v", out, err)
		}
	})
	t.Run("DeleteEventSourceMapping answers Deleting and then it is not found", func(t *testing.T) {
		out, err := cl.DeleteEventSourceMapping(ctx, &lambdasdk.DeleteEventSourceMappingInput{UUID: aws.String(uuid)})
		if err != nil || aws.ToString(out.State) != "Deleting" {
			t.Fatalf("delete = %+v, %v", out, err)
		}
		_, err = cl.GetEventSourceMapping(ctx, &lambdasdk.GetEventSourceMappingInput{UUID: aws.String(uuid)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("get after delete = %v", err)
		}
	})
}

func TestEventSourceMappingsFunctionArnCondition(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	withFunction(t, e, "allowed")
	withFunction(t, e, "other")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:CreateEventSourceMapping","lambda:UpdateEventSourceMapping"],"Resource":"*",
		"Condition":{"ArnLike":{"lambda:FunctionArn":"` + e.functionARN("allowed") + `*"}}}]}`
	cl := e.client(e.NewUser(t, e.Account, "mapper", doc))
	queue := "arn:aws:sqs:" + apitest.Region + ":" + e.Account + ":q"
	var uuid string
	t.Run("a caller may map a queue to the function the condition names", func(t *testing.T) {
		out, err := cl.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("allowed"), EventSourceArn: aws.String(queue)})
		if err != nil {
			t.Fatal(err)
		}
		uuid = aws.ToString(out.UUID)
	})
	t.Run("and not to another function", func(t *testing.T) {
		_, err := cl.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("other"), EventSourceArn: aws.String(queue)})
		if apitest.APICode(err) != "AccessDeniedException" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("nor move a mapping to another function", func(t *testing.T) {
		_, err := cl.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(uuid), FunctionName: aws.String("other")})
		if apitest.APICode(err) != "AccessDeniedException" {
			t.Fatalf("err = %v", err)
		}
		if _, err := cl.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(false)}); err != nil {
			t.Fatalf("an update of the allowed function's mapping: %v", err)
		}
	})
}
