package jsonrpc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
)

// TestGoSDKReadsResponsesAndErrors drives the SQS client of the AWS SDK for Go v2
// (json 1.0, query-compatible) against the codec.
func TestGoSDKReadsResponsesAndErrors(t *testing.T) {
	svc := codectest.LoadService(t, "sqs")
	c := jsonrpc.New()
	var fail *awserr.Error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op, err := c.Operation(svc, r, body)
		if err == nil {
			_, err = c.DecodeRequest(svc, op, r, body)
		}
		if err != nil {
			c.WriteError(w, svc, op, err.(*awserr.Error), "rid")
			return
		}
		if fail != nil {
			c.WriteError(w, svc, op, fail, "rid")
			return
		}
		out := map[string]any{"QueueUrls": []any{"http://localhost/123456789012/q"}}
		if err := c.WriteResponse(w, svc, op, out, "rid"); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	client := sqs.New(sqs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		RetryMaxAttempts: 1, HTTPClient: srv.Client(),
	})
	ctx := context.Background()

	t.Run("a response is read into the output type", func(t *testing.T) {
		fail = nil
		out, err := client.ListQueues(ctx, &sqs.ListQueuesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.QueueUrls) != 1 || out.QueueUrls[0] != "http://localhost/123456789012/q" {
			t.Fatalf("output = %+v", out)
		}
	})
	t.Run("a modeled error reports the query code of x-amzn-query-error", func(t *testing.T) {
		fail = &awserr.Error{Code: "QueueDoesNotExist", Message: "The specified queue does not exist.",
			Headers: map[string]string{"x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"}}
		_, err := client.ListQueues(ctx, &sqs.ListQueuesInput{})
		var qdne *types.QueueDoesNotExist
		if !errors.As(err, &qdne) {
			t.Fatalf("error = %v, want QueueDoesNotExist", err)
		}
		if qdne.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" || qdne.ErrorMessage() != "The specified queue does not exist." {
			t.Fatalf("error = %q %q", qdne.ErrorCode(), qdne.ErrorMessage())
		}
	})
	t.Run("an unmodeled error keeps its code and message", func(t *testing.T) {
		fail = awserr.New("InvalidParameterValue", 400, "Value 5000 for parameter MaxResults is invalid.")
		_, err := client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(5000)})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" || api.ErrorMessage() != "Value 5000 for parameter MaxResults is invalid." {
			t.Fatalf("error = %v, want InvalidParameterValue", err)
		}
		if api.ErrorFault() != smithy.FaultClient {
			t.Fatalf("fault = %v, want client", api.ErrorFault())
		}
	})
}
