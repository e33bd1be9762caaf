// Command gofn is the provided.al2023 function of the end-to-end runtime tests: the
// tests build it with CGO_ENABLED=0 into a bootstrap, as a user builds a Go function
// with the official github.com/aws/aws-lambda-go library, and it answers from its event
// and context.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

var envKeys = []string{
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_REGION",
	"_HANDLER",
	"LAMBDA_TASK_ROOT",
	"AWS_LAMBDA_RUNTIME_API",
	"GREETING",
}

type event struct {
	Name string `json:"name"`
}

type reply struct {
	Echo         string            `json:"echo"`
	RequestID    string            `json:"requestId"`
	FunctionName string            `json:"functionName"`
	ARN          string            `json:"arn"`
	RemainingMs  int64             `json:"remainingMs"`
	Env          map[string]string `json:"env"`
}

func handle(ctx context.Context, ev event) (reply, error) {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return reply{}, errors.New("no lambda context")
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return reply{}, errors.New("no deadline")
	}
	env := map[string]string{}
	for _, k := range envKeys {
		env[k] = os.Getenv(k)
	}
	return reply{
		Echo:         "hello " + ev.Name,
		RequestID:    lc.AwsRequestID,
		FunctionName: lambdacontext.FunctionName,
		ARN:          lc.InvokedFunctionArn,
		RemainingMs:  time.Until(deadline).Milliseconds(),
		Env:          env,
	}, nil
}

func main() {
	lambda.Start(handle)
}
