package rpcv2cbor_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/rpcv2cbor"
)

// TestGoSDKReadsResponsesAndErrors drives the CloudWatch client of the AWS SDK for
// Go v2, which speaks rpc-v2-cbor, against the codec in both directions.
func TestGoSDKReadsResponsesAndErrors(t *testing.T) {
	svc := codectest.LoadService(t, "cloudwatch")
	c := rpcv2cbor.New()
	var fail *awserr.Error
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op, err := c.Operation(svc, r, body)
		if err == nil {
			got, err = c.DecodeRequest(svc, op, r, body)
		}
		if err != nil {
			c.WriteError(w, svc, op, err.(*awserr.Error), "rid")
			return
		}
		if fail != nil {
			c.WriteError(w, svc, op, fail, "rid")
			return
		}
		out := map[string]any{"Metrics": []any{map[string]any{"Namespace": "ns", "MetricName": "m",
			"Dimensions": []any{map[string]any{"Name": "d", "Value": "v"}}}}, "NextToken": "t"}
		if err := c.WriteResponse(w, svc, op, out, "rid"); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	client := cloudwatch.New(cloudwatch.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		RetryMaxAttempts: 1, HTTPClient: srv.Client(),
		// Stratus's router does not inflate Content-Encoding: gzip yet.
		DisableRequestCompression: true,
	})
	ctx := context.Background()

	t.Run("a request decodes and a response is read into the output type", func(t *testing.T) {
		fail = nil
		out, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("ns"), RecentlyActive: types.RecentlyActivePt3h})
		if err != nil {
			t.Fatal(err)
		}
		if got["Namespace"] != "ns" || got["RecentlyActive"] != "PT3H" {
			t.Fatalf("decoded input = %v", got)
		}
		if len(out.Metrics) != 1 || aws.ToString(out.Metrics[0].MetricName) != "m" || aws.ToString(out.Metrics[0].Dimensions[0].Value) != "v" || aws.ToString(out.NextToken) != "t" {
			t.Fatalf("output = %+v", out)
		}
	})
	t.Run("timestamps and doubles arrive as sent", func(t *testing.T) {
		fail = nil
		ts := time.Date(2024, 1, 2, 3, 4, 5, 250e6, time.UTC)
		_, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("ns"),
			MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Timestamp: aws.Time(ts), Value: aws.Float64(2.5)}}})
		if err != nil {
			t.Fatal(err)
		}
		d := got["MetricData"].([]any)[0].(map[string]any)
		if !d["Timestamp"].(time.Time).Equal(ts) || d["Value"] != 2.5 {
			t.Fatalf("decoded datum = %v", d)
		}
	})
	t.Run("a modeled error is read as its type with the query code", func(t *testing.T) {
		fail = awserr.New("InvalidParameterValue", 400, "The value x is invalid.")
		_, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
		var ipv *types.InvalidParameterValueException
		if !errors.As(err, &ipv) || ipv.ErrorCode() != "InvalidParameterValue" || ipv.ErrorMessage() != "The value x is invalid." {
			t.Fatalf("error = %v, want InvalidParameterValueException", err)
		}
	})
	t.Run("a validation failure reaches the client as ValidationError", func(t *testing.T) {
		fail = nil
		_, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String(":x")})
		var api smithy.APIError
		want := "1 validation error detected: Value ':x' at 'namespace' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:].*"
		if !errors.As(err, &api) || api.ErrorCode() != "ValidationError" || api.ErrorMessage() != want {
			t.Fatalf("error = %v, want ValidationError", err)
		}
	})
}
