package policy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// globRegexp is a slow, obviously correct reference for glob matching.
func globRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

func TestGlobMatching(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		s       string
		want    bool
	}{
		{"a lone star matches the empty string", "*", "", true},
		{"a star matches across colons and slashes", "arn:*:q", "arn:aws:sqs:us-east-1:1:q", true},
		{"a star may match nothing", "a*b", "ab", true},
		{"the last literal must end the string", "a*b", "abc", false},
		{"backtracking finds a later occurrence", "*ab*abc", "xabyabzabc", true},
		{"a question mark matches one multibyte character", "caf?", "café", true},
		{"a question mark does not match nothing", "ab?", "ab", false},
		{"consecutive stars behave like one", "a**c", "abbbc", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := compilePattern(tc.pattern, true, false)
			if got := p.match(tc.s, false, nil); got != tc.want {
				t.Errorf("%q ~ %q: got %v, want %v", tc.pattern, tc.s, got, tc.want)
			}
		})
	}
	t.Run("random patterns agree with a regular-expression reference", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		const patAlphabet, strAlphabet = "ab*?:", "ab:"
		pick := func(alpha string, n int) string {
			var b strings.Builder
			for range n {
				b.WriteByte(alpha[rng.IntN(len(alpha))])
			}
			return b.String()
		}
		for range 5000 {
			pat, s := pick(patAlphabet, rng.IntN(7)), pick(strAlphabet, rng.IntN(9))
			p := compilePattern(pat, true, false)
			if got, want := p.match(s, false, nil), globRegexp(pat).MatchString(s); got != want {
				t.Fatalf("%q ~ %q: got %v, want %v", pat, s, got, want)
			}
			if got, want := p.match(strings.ToUpper(s), true, nil), globRegexp(pat).MatchString(s); got != want {
				t.Fatalf("case-insensitive %q ~ %q: got %v, want %v", pat, strings.ToUpper(s), got, want)
			}
		}
	})
}

func TestPolicyVariableSyntax(t *testing.T) {
	c := ctx("aws:username", StringValue("alice"))
	tests := []struct {
		name    string
		pattern string
		s       string
		want    bool
	}{
		{"a variable expands to its value", "home/${aws:username}", "home/alice", true},
		{"variable names are case-insensitive", "home/${AWS:UserName}", "home/alice", true},
		{"a default in single quotes is used for a missing key", "${aws:userid, 'anonymous'}", "anonymous", true},
		{"a default is not used when the key is present", "${aws:username, 'anonymous'}", "alice", true},
		{"an unterminated variable is literal text", "a${aws:username", "a${aws:username", true},
		{"an empty variable is literal text", "${}", "${}", true},
		{"a default without quotes makes the text literal", "${aws:userid, anonymous}", "${aws:userid, anonymous}", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := compilePattern(tc.pattern, true, true)
			if name, bad := p.unresolved(c); bad {
				t.Fatalf("variable %s did not resolve", name)
			}
			if got := p.match(tc.s, false, c); got != tc.want {
				t.Errorf("%q ~ %q: got %v, want %v", tc.pattern, tc.s, got, tc.want)
			}
		})
	}
	t.Run("a variable without a default reports its name when missing", func(t *testing.T) {
		p := compilePattern("x/${aws:PrincipalTag/team}", true, true)
		if name, bad := p.unresolved(c); !bad || name != "aws:PrincipalTag/team" {
			t.Errorf("got %q %v", name, bad)
		}
	})
}
