package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	stratuscfg "github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/server"
)

// startServer runs a server in-process and returns an SDK config for its admin.
func startServer(b *testing.B) aws.Config {
	b.Helper()
	dir := b.TempDir()
	cfg := stratuscfg.Config{
		Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"),
		RootKeyFile: filepath.Join(dir, "root.key"), Region: "us-east-1", LogLevel: "error",
		Lambda: stratuscfg.DefaultLambda(),
	}
	ctx := context.Background()
	srv, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	creds, err := server.ReadCredentials(cfg.DataDir)
	if err != nil {
		b.Fatal(err)
	}
	ac, err := config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")),
		config.WithBaseEndpoint(srv.URL()),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		b.Fatal(err)
	}
	return ac
}

func report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.Logf("machine: %s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}

// BenchmarkGetCallerIdentity is the lightest authenticated call: SigV4, routing,
// query decoding and XML encoding, no store access after the credential cache.
func BenchmarkGetCallerIdentity(b *testing.B) {
	c := sts.NewFromConfig(startServer(b))
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b)
}

// BenchmarkIAMGetUser adds policy evaluation and a store read.
func BenchmarkIAMGetUser(b *testing.B) {
	c := iam.NewFromConfig(startServer(b))
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("admin")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b)
}

// BenchmarkIAMCreateUser is a durable write: it returns after the store's group
// commit has synced.
func BenchmarkIAMCreateUser(b *testing.B) {
	c := iam.NewFromConfig(startServer(b))
	ctx := context.Background()
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := fmt.Sprintf("u%d", n.Add(1))
			if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b)
}

// BenchmarkIAMGetUser32 is GetUser from 32 concurrent clients: every call is
// a management event whose audit record is synced before the answer, and
// group commit shares the syncs among the calls in flight.
func BenchmarkIAMGetUser32(b *testing.B) {
	c := iam.NewFromConfig(startServer(b))
	ctx := context.Background()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("admin")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b)
}
