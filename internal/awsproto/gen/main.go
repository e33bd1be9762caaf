// Command gen turns the pinned botocore models under models/<service>/<version> into
// the Go packages under internal/awsproto/shapes/<service>shapes: each holds the
// model minified to what model.Load reads (embedded as model.json), a const per
// operation name, and Go structs and enum constants for the shapes the served
// operations reach. The output is gofmt'd and byte-for-byte reproducible.
//
// It runs through `go generate ./internal/awsproto/...` (see
// internal/awsproto/shapes/doc.go). Which operations of a service are served is
// decided in served.go; every service not listed there is served whole.
//
// It is not for anything at run time: the server never imports it.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	models := flag.String("models", "models", "directory holding <service>/<version>/service-2.json.gz")
	out := flag.String("out", "internal/awsproto/shapes", "directory to write the <service>shapes packages into")
	flag.Parse()
	if err := generate(*models, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
