package restjson_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
)

// TestGoSDKReadsResponsesAndErrors drives the Lambda client of the AWS SDK for Go
// v2 against the codec: it must read the codec's output and its errors as the
// modeled types with the right code and message.
func TestGoSDKReadsResponsesAndErrors(t *testing.T) {
	svc := codectest.LoadService(t, "lambda")
	c := restjson.New()
	var fail *awserr.Error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, err := c.Operation(svc, r, nil)
		if err != nil {
			c.WriteError(w, svc, nil, err.(*awserr.Error), "rid")
			return
		}
		if fail != nil {
			c.WriteError(w, svc, op, fail, "rid")
			return
		}
		out := map[string]any{"Configuration": map[string]any{"FunctionName": "f", "MemorySize": int64(256)}}
		if err := c.WriteResponse(w, svc, op, out, "rid"); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	client := lambda.New(lambda.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		RetryMaxAttempts: 1, HTTPClient: srv.Client(),
	})
	ctx := context.Background()

	t.Run("a response is read into the output type", func(t *testing.T) {
		fail = nil
		out, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Configuration.FunctionName) != "f" || aws.ToInt32(out.Configuration.MemorySize) != 256 {
			t.Fatalf("output = %+v", out.Configuration)
		}
	})
	t.Run("a modeled error is read as its type with message and Type", func(t *testing.T) {
		fail = awserr.New("ResourceNotFoundException", 404, "Function not found: f")
		_, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
		var rnf *types.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Fatalf("error = %v, want ResourceNotFoundException", err)
		}
		if rnf.ErrorCode() != "ResourceNotFoundException" || rnf.ErrorMessage() != "Function not found: f" || aws.ToString(rnf.Type) != "User" {
			t.Fatalf("error = %q %q %q", rnf.ErrorCode(), rnf.ErrorMessage(), aws.ToString(rnf.Type))
		}
	})
	t.Run("an unmodeled error keeps its code and message", func(t *testing.T) {
		fail = awserr.New("ValidationException", 400, "1 validation error detected: x")
		_, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" || api.ErrorMessage() != "1 validation error detected: x" {
			t.Fatalf("error = %v", err)
		}
	})
}
