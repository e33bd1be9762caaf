// Package runtimeapi serves the Lambda Runtime API (version 2018-06-01) to the runtime
// running inside one execution environment, and gives the invoke path a Go API to hand it
// invocations and collect their results.
//
// One Server belongs to one execution environment. It is served on a listener it is given
// (the sandbox opens 127.0.0.1:9001 inside the environment's network namespace), and it
// carries one invocation at a time, as an environment does on AWS:
//
//	srv := runtimeapi.New(runtimeapi.Config{})
//	go srv.Serve(ln)          // returns when srv.Close is called
//	defer srv.Close()         // stops serving and waits for Serve to return
//	err := srv.WaitInit(ctx)  // nil once the runtime asks for its first event
//	res, err := srv.Invoke(ctx, runtimeapi.Invocation{RequestID: id, Payload: event})
//
// The runtime side is AWS's documented protocol: GET /runtime/invocation/next blocks until
// an invocation is handed over, POST /runtime/invocation/{id}/response and
// /runtime/invocation/{id}/error finish it, POST /runtime/init/error reports a failed
// initialisation. Errors to the runtime carry AWS's JSON bodies
// ({"errorMessage": ..., "errorType": ...}) and statuses.
//
// It is not the sandbox (it does not start or stop the runtime process), not the Lambda
// Invoke API (it knows nothing of functions, versions or the 6 MB request limit of
// Invoke), and not the extensions or telemetry APIs.
package runtimeapi
