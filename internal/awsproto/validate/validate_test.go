package validate

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

const testModel = `{
  "metadata": {"protocol": "json", "apiVersion": "2020-01-01", "endpointPrefix": "test"},
  "operations": {},
  "shapes": {
    "Input": {"type": "structure", "required": ["UserName"], "members": {
      "UserName": {"shape": "Name"},
      "Mode": {"shape": "Mode"},
      "Limit": {"shape": "Limit"},
      "Ratio": {"shape": "Ratio"},
      "Tags": {"shape": "TagList"},
      "Names": {"shape": "NameList"},
      "Attrs": {"shape": "AttrMap"},
      "Password": {"shape": "Secret"},
      "Data": {"shape": "Data"},
      "When": {"shape": "When"},
      "Flag": {"shape": "Flag"},
      "DBName": {"shape": "Name"}
    }},
    "Name": {"type": "string", "min": 1, "max": 8, "pattern": "[\\w+=,.@-]+"},
    "Mode": {"type": "string", "enum": ["fast", "slow"]},
    "Limit": {"type": "integer", "min": 1, "max": 100},
    "Ratio": {"type": "double", "min": 0.5},
    "TagList": {"type": "list", "member": {"shape": "Tag"}, "max": 2},
    "Tag": {"type": "structure", "required": ["Key"], "members": {"Key": {"shape": "Name"}, "Value": {"shape": "Name"}}},
    "NameList": {"type": "list", "member": {"shape": "Name"}},
    "AttrMap": {"type": "map", "key": {"shape": "Mode"}, "value": {"shape": "Name"}},
    "Secret": {"type": "string", "min": 6, "sensitive": true},
    "Data": {"type": "blob", "max": 2},
    "When": {"type": "timestamp"},
    "Flag": {"type": "boolean"}
  }
}`

func loadShape(t *testing.T) *model.Shape {
	t.Helper()
	svc, err := model.Load("test", []byte(testModel))
	if err != nil {
		t.Fatal(err)
	}
	return svc.Shapes["Input"]
}

func TestValidate(t *testing.T) {
	shape := loadShape(t)
	tests := []struct {
		name string
		in   map[string]any
		want string // "" means valid
	}{
		{"a complete valid input passes", map[string]any{
			"UserName": "bob", "Mode": "fast", "Limit": int64(100), "Ratio": 0.5,
			"Tags": []any{map[string]any{"Key": "k"}}, "Names": []any{"a", "b"},
			"Attrs": map[string]any{"slow": "x"}, "Password": "secret!", "Data": []byte("ab"),
			"When": time.Unix(0, 0), "Flag": true,
		}, ""},
		{"a missing required member is null", map[string]any{},
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"a nil required member is null", map[string]any{"UserName": nil},
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"a too long string names the maximum length", map[string]any{"UserName": "abcdefghi"},
			"1 validation error detected: Value 'abcdefghi' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 8"},
		{"length counts characters, not bytes", map[string]any{"UserName": "ééééééé"},
			"1 validation error detected: Value 'ééééééé' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"an empty string fails both length and pattern", map[string]any{"UserName": ""},
			"2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"an unknown enum value lists the enum", map[string]any{"UserName": "a", "Mode": "medium"},
			"1 validation error detected: Value 'medium' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [fast, slow]"},
		{"a number out of range names the bound", map[string]any{"UserName": "a", "Limit": int64(0), "Ratio": 0.25},
			"2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '0.25' at 'ratio' failed to satisfy constraint: Member must have value greater than or equal to 0.5"},
		{"members are named in lower camel case", map[string]any{"UserName": "a", "DBName": "a b"},
			"1 validation error detected: Value 'a b' at 'dBName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"list elements are numbered from one", map[string]any{"UserName": "a", "Tags": []any{map[string]any{"Key": "k"}, map[string]any{"Value": "v"}}},
			"1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null"},
		{"a too long list names its maximum length", map[string]any{"UserName": "a", "Tags": []any{map[string]any{"Key": "k"}, map[string]any{"Key": "k"}, map[string]any{"Key": "k"}}},
			"1 validation error detected: Value '[{Key=k}, {Key=k}, {Key=k}]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"simple list members are reported once for the list", map[string]any{"UserName": "a", "Names": []any{"ok", "", "way-too-long"}},
			"1 validation error detected: Value '[ok, , way-too-long]' at 'names' failed to satisfy constraint: Member must satisfy constraint: " +
				"[Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\w+=,.@-]+, Member must have length less than or equal to 8]"},
		{"map keys are checked against the key shape", map[string]any{"UserName": "a", "Attrs": map[string]any{"bad": "x"}},
			"1 validation error detected: Value '{bad=x}' at 'attrs' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy enum value set: [fast, slow]]"},
		{"map values are checked against the value shape", map[string]any{"UserName": "a", "Attrs": map[string]any{"fast": ""}},
			"1 validation error detected: Value '{fast=}' at 'attrs' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\w+=,.@-]+]"},
		{"a sensitive value is never printed", map[string]any{"UserName": "a", "Password": "short"},
			"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{"a blob length counts bytes", map[string]any{"UserName": "a", "Data": []byte("abc")},
			"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"a wrong generic type is a violation", map[string]any{"UserName": "a", "Limit": "7", "Flag": "yes", "When": "now"},
			"3 validation errors detected: Value '7' at 'limit' failed to satisfy constraint: Member must be of type integer; " +
				"Value 'now' at 'when' failed to satisfy constraint: Member must be of type timestamp; " +
				"Value 'yes' at 'flag' failed to satisfy constraint: Member must be of type boolean"},
	}
	v := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(shape, tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Fatalf("Validate() =\n %s\nwant\n %s", err, tt.want)
			}
			var vs Violations
			if !errors.As(err, &vs) || len(vs) == 0 {
				t.Fatalf("Validate() returned %T, want Violations", err)
			}
		})
	}
}

func TestViolationsReportKindAndMember(t *testing.T) {
	shape := loadShape(t)
	err := Validate(shape, map[string]any{"Tags": []any{map[string]any{}}})
	var vs Violations
	if !errors.As(err, &vs) || len(vs) != 2 {
		t.Fatalf("Validate() = %v, want two violations", err)
	}
	if vs[0].Kind != Required || vs[0].Member != "UserName" || vs[1].Member != "Key" || vs[1].Path != "tags.1.member.key" {
		t.Errorf("violations = %+v", vs)
	}
	if !vs.OnlyRequired() {
		t.Error("OnlyRequired() = false for missing members only")
	}
	err = Validate(shape, map[string]any{"Mode": "x"})
	if errors.As(err, &vs); vs.OnlyRequired() {
		t.Error("OnlyRequired() = true with an enum violation")
	}
}

func TestValidateWithoutInputShapeAcceptsAnything(t *testing.T) {
	if err := Validate(nil, map[string]any{"x": 1}); err != nil {
		t.Fatalf("Validate(nil) = %v", err)
	}
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		match   []string
		noMatch []string
	}{
		{"the whole value must match", `[a-z]+`, []string{"abc"}, []string{"abc1", "1abc"}},
		{"anchors already in the pattern are kept", `^[0-9]{12}$`, []string{"123456789012"}, []string{"1234"}},
		{"unicode categories are supported", `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, []string{"héllo wörld 42", ""}, []string{"a!b"}},
		{"java posix classes become ascii ranges", `\p{Alnum}+\p{Punct}`, []string{"ab1!"}, []string{"é!", "ab1"}},
		{"a negated posix class is a negated range", `\P{ASCII}+`, []string{"é"}, []string{"e"}},
		{"unicode escapes become code points", `[\u0009\u000A\u000D\u0020-\u00FF]+`, []string{"a\tb ÿ"}, []string{"a\x01b", "Ā"}},
		{"escaped surrogate pairs are one code point", `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*`, []string{"a😀b"}, []string{"\x01"}},
		{"a leading negative lookahead is a separate check", `^(?!\s*$).+`, []string{"a", " a "}, []string{"   ", ""}},
		{"a leading positive lookahead is a separate check", `^(?=.{5,10}$)arn:.*`, []string{"arn:x"}, []string{"arn:", "arn:xxxxxxxxxxxx"}},
		{"a negative lookahead guards the rest", `^(?!aws:)[a-zA-Z+-=._:/]+$`, []string{"mine:x"}, []string{"aws:x"}},
		{"counted repetition over Go's limit is relaxed", `^.{1,100000}$`, []string{"x"}, []string{""}},
		{"octal escapes are code points", `[\0101]+`, []string{"AA"}, []string{"B"}},
		{"quoted sections are literal", `\Qa.b\E`, []string{"a.b"}, []string{"axb"}},
		{"inline flags are kept", `(?i)all|[0-9]{12}`, []string{"ALL", "123456789012"}, []string{"none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compilePattern(tt.pattern)
			if m == nil {
				t.Fatalf("compilePattern(%q) = nil, want a matcher", tt.pattern)
			}
			for _, s := range tt.match {
				if !m.match(s) {
					t.Errorf("%q does not match %q", s, tt.pattern)
				}
			}
			for _, s := range tt.noMatch {
				if m.match(s) {
					t.Errorf("%q matches %q", s, tt.pattern)
				}
			}
		})
	}
}

func TestUnsupportedPatternsAreNotEnforced(t *testing.T) {
	for _, p := range []string{
		`[0-9A-Za-z\.\-_]*(?<!\.)`,          // lookbehind
		`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}$`, // lookahead inside
		`(a)\1`,                             // backreference
		`a++`,                               // possessive
		`(?>a)`,                             // atomic group
		`[a-z&&[^e]]`,                       // intersection
		`[a[b]]`,                            // union
		`\p{javaLowerCase}`,                 // java-only property
		`(?!x)a|b`,                          // lookahead before an alternation
	} {
		t.Run("the pattern "+p+" is skipped", func(t *testing.T) {
			if m := compilePattern(p); m != nil {
				t.Fatalf("compilePattern(%q) = %v, want nil", p, m.full)
			}
		})
	}
	t.Run("a value is accepted when its pattern is skipped", func(t *testing.T) {
		svc, err := model.Load("t", []byte(`{"metadata":{},"operations":{},"shapes":{
			"In":{"type":"structure","members":{"A":{"shape":"S"}}},
			"S":{"type":"string","pattern":"[a-z]*(?<!\\.)"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(svc.Shapes["In"], map[string]any{"A": "a."}); err != nil {
			t.Fatalf("Validate() = %v, want nil", err)
		}
	})
}

func TestValidatorIsSafeForConcurrentUse(t *testing.T) {
	shape := loadShape(t)
	v := New()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = v.Validate(shape, map[string]any{"UserName": "a b"})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "regular expression pattern") {
			t.Fatalf("Validate() = %v, want a pattern violation", err)
		}
	}
}
