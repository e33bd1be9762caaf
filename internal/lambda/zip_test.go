package lambda_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

func hostileZips(t *testing.T) map[string][]byte {
	many := make([]entry, lambda.MaxZipEntries+1)
	for i := range many {
		many[i] = entry{Name: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + itoa(i)}
	}
	return map[string][]byte{
		"a zip with a ../ entry is rejected":              makeZip(t, entry{Name: "../evil", Body: "x"}),
		"a zip with a nested ../ entry is rejected":       makeZip(t, entry{Name: "a/../../evil", Body: "x"}),
		"a zip with an absolute entry is rejected":        makeZip(t, entry{Name: "/etc/passwd", Body: "x"}),
		"a zip with a backslash entry is rejected":        makeZip(t, entry{Name: "..\\evil", Body: "x"}),
		"a zip with an absolute symlink is rejected":      makeZip(t, entry{Name: "link", Body: "/etc/passwd", Mode: fs.ModeSymlink | 0o777}),
		"a zip with a symlink climbing out is rejected":   makeZip(t, entry{Name: "a/link", Body: "../../etc", Mode: fs.ModeSymlink | 0o777}),
		"a zip with an entry below a symlink is rejected": makeZip(t, entry{Name: "s", Body: ".", Mode: fs.ModeSymlink | 0o777}, entry{Name: "s/t", Body: "x"}),
		"a zip with a device entry is rejected":           makeZip(t, entry{Name: "dev", Mode: fs.ModeDevice | 0o644}),
		"a zip with duplicate names is rejected":          makeZip(t, entry{Name: "a", Body: "1"}, entry{Name: "a", Body: "2"}),
		"a zip bomb is rejected":                          makeZip(t, entry{Name: "bomb", Body: strings.Repeat("\x00", 8<<20), Method: 8}),
		"a zip with too many entries is rejected":         makeZip(t, many...),
		"a file that is not a zip is rejected":            []byte("this is not a zip file at all"),
		"a truncated zip is rejected":                     makeZip(t, entry{Name: "a", Body: strings.Repeat("y", 1000)})[:200],
		"a zip with a hard link entry is rejected":        makeZip(t, entry{Name: "shadow", Extra: pkwareUnixLink("/etc/shadow")}),
	}
}

// pkwareUnixLink is PKWARE's Unix extra field (0x000d) naming a link target:
// atime, mtime, uid and gid, then the target.
func pkwareUnixLink(target string) []byte {
	size := 12 + len(target)
	b := []byte{0x0d, 0x00, byte(size), byte(size >> 8)}
	b = append(b, make([]byte, 12)...)
	return append(b, target...)
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			return string(b)
		}
	}
}

func TestHostileZipsStoreNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for name, z := range hostileZips(t) {
		t.Run(name, func(t *testing.T) {
			_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{
				Name: "hostile", Runtime: "provided.al2023", Handler: "x", Role: e.Role, ZipFile: z})
			if !awserr.Is(err, lambda.CodeInvalidParameterValue) {
				t.Fatalf("CreateFunction = %v, want InvalidParameterValueException", err)
			}
			if _, err := e.Svc.PublishLayerVersion(ctx, e.Account, lambda.LayerInput{Name: "hostile", ZipFile: z}); !awserr.Is(err, lambda.CodeInvalidParameterValue) {
				t.Fatalf("PublishLayerVersion = %v, want InvalidParameterValueException", err)
			}
			if n := e.blobCount(t); n != 0 {
				t.Fatalf("%d blobs stored", n)
			}
			if _, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "hostile", ""); !awserr.Is(err, lambda.CodeResourceNotFound) {
				t.Fatalf("function exists after rejected create: %v", err)
			}
			if err := lambda.ExtractZip(ctx, z, t.TempDir()); err == nil {
				t.Fatal("ExtractZip accepted it")
			}
		})
	}
}

func TestNotAZipMessage(t *testing.T) {
	_, err := lambda.ValidateZip(context.Background(), []byte("nope"))
	if e, ok := awserr.As(err); !ok || e.Message != "Could not unzip uploaded file. Please check your file, then try to upload again." {
		t.Fatalf("error = %v, want AWS's unzip message", err)
	}
}

func TestExtractZip(t *testing.T) {
	z := makeZip(t,
		entry{Name: "bootstrap", Body: "#!/bin/sh\n", Mode: 0o755},
		entry{Name: "lib/", Mode: fs.ModeDir | 0o755},
		entry{Name: "lib/data.txt", Body: "data"},
		entry{Name: "lib/link", Body: "data.txt", Mode: fs.ModeSymlink | 0o777},
		entry{Name: "node_modules/.bin/cli", Body: "../pkg/cli.js", Mode: fs.ModeSymlink | 0o777},
		entry{Name: "node_modules/pkg/cli.js", Body: "js", Mode: 0o4755},
	)
	dir := t.TempDir()
	if err := lambda.ExtractZip(context.Background(), z, dir); err != nil {
		t.Fatal(err)
	}
	t.Run("an executable bootstrap stays executable", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(dir, "bootstrap"))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Fatalf("bootstrap mode = %v, %v", fi.Mode(), err)
		}
	})
	t.Run("setuid bits are dropped", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(dir, "node_modules/pkg/cli.js"))
		if err != nil || fi.Mode()&fs.ModeSetuid != 0 {
			t.Fatalf("cli.js mode = %v, %v", fi.Mode(), err)
		}
	})
	t.Run("symlinks inside the tree resolve", func(t *testing.T) {
		for link, want := range map[string]string{"lib/link": "data", "node_modules/.bin/cli": "js"} {
			b, err := os.ReadFile(filepath.Join(dir, link))
			if err != nil || !bytes.Equal(b, []byte(want)) {
				t.Fatalf("%s = %q, %v", link, b, err)
			}
		}
	})
}
