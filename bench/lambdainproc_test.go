package bench

import (
	"context"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// BenchmarkLambdaInProcess invokes the no-op function on a server running in this
// process, so that `go test -bench LambdaInProcess -cpuprofile` profiles the
// server's whole invoke path (the client's share is in the profile too).
func BenchmarkLambdaInProcess(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for execution environments")
	}
	dir := b.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	cmd := exec.Command(goTool(), "build", "-o", bootstrap, "./lambdafn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	zip, err := zipBootstrap(bootstrap)
	if err != nil {
		b.Fatal(err)
	}
	ac := startServer(b)
	ctx := context.Background()
	if err := createNoopFunctions(ctx, iam.NewFromConfig(ac), lambda.NewFromConfig(ac), zip); err != nil {
		b.Fatal(err)
	}
	// Enough idle connections for every client, as a real load generator has.
	ac.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	})
	lc := lambda.NewFromConfig(ac)
	for _, clients := range []int{1, 32} {
		b.Run(map[int]string{1: "1client", 32: "32clients"}[clients], func(b *testing.B) {
			warmUp(ctx, lc, noopName, clients*4)
			b.ResetTimer()
			var wg sync.WaitGroup
			per := b.N/clients + 1
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						if err := invokeNoop(ctx, lc, noopName); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*clients)/b.Elapsed().Seconds(), "inv/s")

		})
	}
}
