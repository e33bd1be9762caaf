package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/stratus-cloud/stratus"

type pkg struct {
	dir     string // relative to the repository root
	hasDoc  bool
	imports map[string]bool
	files   int
}

func loadPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if name == "testdata" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.ImportsOnly)
		if err != nil {
			return err
		}
		p := pkgs[rel]
		if p == nil {
			p = &pkg{dir: rel, imports: map[string]bool{}}
			pkgs[rel] = p
		}
		p.files++
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			p.hasDoc = true
		}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			p.imports[ip] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestEveryPackageHasAPackageComment(t *testing.T) {
	for dir, p := range loadPackages(t) {
		if !p.hasDoc {
			t.Errorf("package %s has no package comment", dir)
		}
	}
}

// services are the service domain packages; they meet only through interfaces
// that internal/server wires.
var services = []string{"internal/iam", "internal/lambda", "internal/sqs", "internal/sns", "internal/kms",
	"internal/logs", "internal/cloudwatch", "internal/audit", "internal/registry", "internal/ecs", "internal/rds",
	"internal/secrets", "internal/ssm", "internal/signer", "internal/confighistory"}

// libraries are packages under a service directory that are not the
// service: the IAM policy language, which every service that keeps resource
// policies parses and evaluates.
var libraries = []string{"internal/iam/policy"}

func serviceOf(dir string) string {
	for _, l := range libraries {
		if dir == l || strings.HasPrefix(dir, l+"/") {
			return ""
		}
	}
	for _, s := range services {
		if dir == s || strings.HasPrefix(dir, s+"/") {
			return s
		}
	}
	return ""
}

func TestServicePackagesDoNotImportEachOther(t *testing.T) {
	for dir, p := range loadPackages(t) {
		own := serviceOf(dir)
		if own == "" || strings.HasSuffix(dir, "test") {
			// Test fixture packages (lambdatest, apitest) build real services
			// together, as internal/server does; production code never
			// imports them.
			continue
		}
		for ip := range p.imports {
			rel, ok := strings.CutPrefix(ip, module+"/")
			if !ok {
				continue
			}
			if other := serviceOf(rel); other != "" && other != own {
				t.Errorf("%s imports %s: services meet through interfaces wired in internal/server", dir, ip)
			}
		}
	}
}

// TestDomainPackagesDoNotSpeakHTTP keeps transport out of the service domains: a
// domain package is a service package that is not its wire adapter (…api).
func TestDomainPackagesDoNotSpeakHTTP(t *testing.T) {
	for dir, p := range loadPackages(t) {
		if serviceOf(dir) == "" || strings.HasSuffix(dir, "api") || strings.Contains(dir, "api/") {
			continue
		}
		if p.imports["net/http"] {
			t.Errorf("domain package %s imports net/http", dir)
		}
	}
}

func TestNoPackageIsNamedForWhatItIs(t *testing.T) {
	for dir := range loadPackages(t) {
		switch filepath.Base(dir) {
		case "util", "utils", "common", "helpers", "misc":
			t.Errorf("package %s: name packages for what they provide", dir)
		}
	}
}

// TestFixturePackagesAreOnlyForTests keeps the exemption above honest: no
// production package imports a …test package.
func TestFixturePackagesAreOnlyForTests(t *testing.T) {
	for dir, p := range loadPackages(t) {
		if strings.HasSuffix(dir, "test") {
			continue
		}
		for ip := range p.imports {
			if rel, ok := strings.CutPrefix(ip, module+"/"); ok && strings.HasSuffix(rel, "test") {
				t.Errorf("%s imports the test fixture package %s", dir, ip)
			}
		}
	}
}
