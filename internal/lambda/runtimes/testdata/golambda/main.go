// Command golambda is a provided.al2023 function written with the official
// github.com/aws/aws-lambda-go library, built by the runtimes tests into a task
// directory's bootstrap and run unmodified against Stratus's Runtime API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name string `json:"name"`
	Fail bool   `json:"fail"`
}

type reply struct {
	Greeting     string `json:"greeting"`
	RequestID    string `json:"requestId"`
	FunctionARN  string `json:"functionArn"`
	FunctionName string `json:"functionName"`
	HasDeadline  bool   `json:"hasDeadline"`
	Invokes      int    `json:"invokes"`
}

func main() {
	invokes := 0
	lambda.Start(func(ctx context.Context, ev event) (reply, error) {
		invokes++
		if ev.Fail {
			return reply{}, errors.New("boom")
		}
		lc, _ := lambdacontext.FromContext(ctx)
		_, hasDeadline := ctx.Deadline()
		fmt.Println("hello from go", ev.Name)
		return reply{
			Greeting:     "hello " + ev.Name,
			RequestID:    lc.AwsRequestID,
			FunctionARN:  lc.InvokedFunctionArn,
			FunctionName: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
			HasDeadline:  hasDeadline,
			Invokes:      invokes,
		}, nil
	})
}
