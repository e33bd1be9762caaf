package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/cloudtrailshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/cloudwatchshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/configshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ec2shapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ecrshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ecsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/eventsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/logsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/organizationsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/rdsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/secretsmanagershapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/signershapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/snsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/sqsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ssmshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/stsshapes"
)

const (
	modelsDir = "../../../models"
	shapesDir = "../shapes"
)

// generatedPackages lists every generated package's entry points. A model added under
// models/ without an entry here fails TestEveryGeneratedServiceLoads.
func generatedPackages() map[string]struct {
	service    func() (*model.Service, error)
	operations func() []string
} {
	type pkg = struct {
		service    func() (*model.Service, error)
		operations func() []string
	}
	return map[string]pkg{
		"cloudtrail":     {cloudtrailshapes.Service, cloudtrailshapes.Operations},
		"cloudwatch":     {cloudwatchshapes.Service, cloudwatchshapes.Operations},
		"config":         {configshapes.Service, configshapes.Operations},
		"ec2":            {ec2shapes.Service, ec2shapes.Operations},
		"ecr":            {ecrshapes.Service, ecrshapes.Operations},
		"ecs":            {ecsshapes.Service, ecsshapes.Operations},
		"events":         {eventsshapes.Service, eventsshapes.Operations},
		"iam":            {iamshapes.Service, iamshapes.Operations},
		"kms":            {kmsshapes.Service, kmsshapes.Operations},
		"lambda":         {lambdashapes.Service, lambdashapes.Operations},
		"logs":           {logsshapes.Service, logsshapes.Operations},
		"organizations":  {organizationsshapes.Service, organizationsshapes.Operations},
		"rds":            {rdsshapes.Service, rdsshapes.Operations},
		"secretsmanager": {secretsmanagershapes.Service, secretsmanagershapes.Operations},
		"signer":         {signershapes.Service, signershapes.Operations},
		"sns":            {snsshapes.Service, snsshapes.Operations},
		"sqs":            {sqsshapes.Service, sqsshapes.Operations},
		"ssm":            {ssmshapes.Service, ssmshapes.Operations},
		"sts":            {stsshapes.Service, stsshapes.Operations},
	}
}

func TestCommittedOutputIsWhatTheGeneratorWrites(t *testing.T) {
	tmp := t.TempDir()
	if err := generate(modelsDir, tmp); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, tmp)
	got := readTree(t, shapesDir)
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is missing from %s: run go generate ./internal/awsproto/...", name, shapesDir)
		case !bytes.Equal(g, w):
			t.Errorf("%s differs from the generator's output: run go generate ./internal/awsproto/...", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is a generated file the generator no longer writes: delete it", name)
		}
	}

	t.Run("a second run gives byte-identical output", func(t *testing.T) {
		again := t.TempDir()
		if err := generate(modelsDir, again); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(readTree(t, again), want) {
			t.Error("two runs of the generator differ")
		}
	})
}

// readTree returns the generated files under dir (Go files with the generated marker
// and model.json files) by slash path relative to dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		generated, err := isGenerated(path)
		if err != nil || !generated {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestEveryGeneratedServiceLoads(t *testing.T) {
	pinned, err := listModels(modelsDir)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := generatedPackages()
	if len(pkgs) != len(pinned) {
		t.Errorf("the test knows %d generated packages, models/ holds %d models", len(pkgs), len(pinned))
	}
	for _, m := range pinned {
		t.Run(m.service+" loads with the pinned model's operations", func(t *testing.T) {
			pkg, ok := pkgs[m.service]
			if !ok {
				t.Fatalf("no entry for %s in generatedPackages", m.service)
			}
			svc, err := pkg.service()
			if err != nil {
				t.Fatal(err)
			}
			data, err := readModel(modelsDir, m)
			if err != nil {
				t.Fatal(err)
			}
			orig, err := model.Load(m.service, data)
			if err != nil {
				t.Fatal(err)
			}
			wantOps := servedOperations(m.service)
			if wantOps == nil {
				for name := range orig.Operations {
					wantOps = append(wantOps, name)
				}
			}
			wantOps = slices.Sorted(slices.Values(wantOps))
			if len(svc.Operations) != len(wantOps) {
				t.Errorf("Service() has %d operations, want %d", len(svc.Operations), len(wantOps))
			}
			if got := pkg.operations(); !slices.Equal(got, wantOps) {
				t.Errorf("Operations() = %d names, want the %d served ones, sorted", len(got), len(wantOps))
			}

			// What the codecs see must not change by minifying: every served
			// operation, with everything it reaches, loads exactly as from the
			// original; a whole service loads exactly as the original.
			if servedOperations(m.service) == nil {
				if !reflect.DeepEqual(svc, orig) {
					t.Error("the minified model does not load like the original")
				}
				return
			}
			for _, name := range wantOps {
				if !reflect.DeepEqual(svc.Operations[name], orig.Operations[name]) {
					t.Errorf("operation %s does not load like the original's", name)
				}
			}
		})
	}
}

func TestPackageNamesFollowTheService(t *testing.T) {
	for _, tc := range []struct{ service, want string }{
		{"iam", "iamshapes"},
		{"cloudwatch", "cloudwatchshapes"},
		{"resource-groups", "resourcegroupsshapes"},
	} {
		t.Run(tc.service+" becomes "+tc.want, func(t *testing.T) {
			if got := packageName(tc.service); got != tc.want {
				t.Errorf("packageName(%q) = %q", tc.service, got)
			}
		})
	}
}

func TestEC2SubsetIsOnlyWhatTheServedOperationsReach(t *testing.T) {
	svc, err := ec2shapes.Service()
	if err != nil {
		t.Fatal(err)
	}
	if svc.Operations["RunInstances"] != nil {
		t.Error("RunInstances is in the ec2 subset")
	}
	if svc.Shapes["RunInstancesRequest"] != nil {
		t.Error("an unreachable shape is in the ec2 subset")
	}
	if svc.Shapes["SecurityGroupRule"] == nil {
		t.Error("a reachable shape is missing from the ec2 subset")
	}
	if !strings.HasPrefix(svc.XMLNamespace, "http://ec2.amazonaws.com/") {
		t.Errorf("metadata lost: xmlNamespace = %q", svc.XMLNamespace)
	}
}

// BenchmarkLoadEveryService measures what loading every served model costs at
// startup.
func BenchmarkLoadEveryService(b *testing.B) {
	pkgs := generatedPackages()
	for b.Loop() {
		for name, pkg := range pkgs {
			if _, err := pkg.service(); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
		}
	}
}
