// Package bench holds Stratus's benchmarks, run by `make bench`. The API
// benchmarks start the real server in-process on a loopback port with a temporary data
// directory and drives it with the AWS SDK for Go v2, so the figures include SigV4,
// routing, decoding, authorization, the store and encoding.
//
// Where a peer can run on this machine, a benchmark runs it in the same process and
// reports the ratio; the foundation's API path has none (LocalStack cannot be
// installed here), so these print absolute figures with the machine they ran on.
//
// BenchmarkLambda starts the stratus binary and AWS's Runtime Interface Emulator
// as peer processes serving the same no-op aws-lambda-go function, and needs
// root (execution environments).
package bench
