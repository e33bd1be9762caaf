package bench

import (
	"os"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sandbox/launch"
)

// TestMain lets the benchmark binary serve as the sandbox init: the Lambda
// benchmarks start execution environments with internal/sandbox/launch, which
// re-executes this binary inside each new environment. launch.Main returns false
// for an ordinary run.
func TestMain(m *testing.M) {
	if launch.Main(os.Args) {
		return
	}
	os.Exit(m.Run())
}
