// Command lambdafn is the no-op function the Lambda benchmarks run: a
// provided.al2023 bootstrap written with the official github.com/aws/aws-lambda-go
// library that does nothing and returns null. It is built into a temporary
// directory by bench/lambda_test.go and served both by Stratus and by AWS's
// Runtime Interface Emulator, so the two are compared on the same program.
//
// It is not a test fixture for behaviour: it prints nothing and reads nothing, so
// the figures measure the platform, not the function.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) error { return nil })
}
