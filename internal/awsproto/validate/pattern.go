package validate

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// matcher is a model pattern compiled for Go: the whole value must match full,
// and leading lookaheads of the Java pattern become separate checks anchored at
// the start of the value.
type matcher struct {
	full    *regexp.Regexp
	must    []*regexp.Regexp // (?=...) at the start
	mustNot []*regexp.Regexp // (?!...) at the start
}

func (m *matcher) match(s string) bool {
	for _, re := range m.must {
		if !re.MatchString(s) {
			return false
		}
	}
	for _, re := range m.mustNot {
		if re.MatchString(s) {
			return false
		}
	}
	return m.full.MatchString(s)
}

// compilePattern translates a model pattern (Java syntax) and compiles it, or
// returns nil when Go cannot express it. AWS matches the whole value against the
// pattern, so the result is anchored at both ends.
func compilePattern(p string) *matcher {
	rest := strings.TrimPrefix(p, "^")
	var must, mustNot []string
	for strings.HasPrefix(rest, "(?=") || strings.HasPrefix(rest, "(?!") {
		end := closingParen(rest)
		if end < 0 {
			return nil
		}
		if rest[2] == '=' {
			must = append(must, rest[3:end])
		} else {
			mustNot = append(mustNot, rest[3:end])
		}
		rest = rest[end+1:]
	}
	if len(must)+len(mustNot) > 0 && hasTopLevelAlternation(rest) {
		// (?!a)b|c applies the lookahead to b only; not worth expressing.
		return nil
	}
	if len(must)+len(mustNot) == 0 {
		rest = p
	}
	m := &matcher{}
	var ok bool
	if m.full, ok = compileJava(rest, true); !ok {
		return nil
	}
	for _, a := range must {
		re, ok := compileJava(a, false)
		if !ok {
			return nil
		}
		m.must = append(m.must, re)
	}
	for _, a := range mustNot {
		re, ok := compileJava(a, false)
		if !ok {
			return nil
		}
		m.mustNot = append(m.mustNot, re)
	}
	return m
}

// compileJava compiles Java pattern p anchored at the start, and at the end too
// when full is set.
func compileJava(p string, full bool) (*regexp.Regexp, bool) {
	g, ok := translate(p)
	if !ok {
		return nil, false
	}
	expr := `^(?:` + g + `)`
	if full {
		expr += `$`
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, false
	}
	return re, true
}

// closingParen returns the index of the parenthesis closing the group that opens
// at s[0], or -1.
func closingParen(s string) int {
	depth := 0
	inClass := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func hasTopLevelAlternation(s string) bool {
	depth := 0
	inClass := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			return true
		}
	}
	return false
}

// posixClass returns Java's US-ASCII \p{name} class as Go class contents.
func posixClass(name string) (string, bool) {
	switch name {
	case "Lower":
		return `a-z`, true
	case "Upper":
		return `A-Z`, true
	case "ASCII":
		return `\x00-\x7F`, true
	case "Alpha":
		return `a-zA-Z`, true
	case "Digit":
		return `0-9`, true
	case "Alnum":
		return `a-zA-Z0-9`, true
	case "Punct":
		return `!-/:-@\[-` + "`" + `{-~`, true
	case "Graph":
		return `!-~`, true
	case "Print":
		return `\x20-~`, true
	case "Blank":
		return `\x20\t`, true
	case "Cntrl":
		return `\x00-\x1F\x7F`, true
	case "XDigit":
		return `0-9a-fA-F`, true
	case "Space":
		return `\x20\t\n\x0B\f\r`, true
	}
	return "", false
}

// translate rewrites a Java regular expression in Go's syntax. It reports false
// for constructs Go lacks: lookaround, backreferences, possessive quantifiers,
// atomic groups, class intersections and nested classes.
func translate(p string) (string, bool) {
	var b strings.Builder
	inClass := false
	classStart := false // just after '[' or '[^'
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' {
			if i+1 >= len(p) {
				return "", false
			}
			n, consumed, ok := translateEscape(p[i+1:], inClass)
			if !ok {
				return "", false
			}
			b.WriteString(n)
			i += consumed
			classStart = false
			continue
		}
		if inClass {
			switch {
			case c == '[':
				return "", false // nested class (union)
			case c == '&' && i+1 < len(p) && p[i+1] == '&':
				return "", false // intersection
			case c == ']' && !classStart:
				inClass = false
			case c == '^' && classStart && i > 0 && p[i-1] == '[':
				b.WriteByte(c)
				continue // still at the start of the class
			}
			classStart = false
			b.WriteByte(c)
			continue
		}
		switch c {
		case '[':
			inClass, classStart = true, true
		case '(':
			if i+1 < len(p) && p[i+1] == '?' {
				if i+2 >= len(p) {
					return "", false
				}
				switch p[i+2] {
				case '=', '!', '>':
					return "", false
				case '<':
					if i+3 < len(p) && (p[i+3] == '=' || p[i+3] == '!') {
						return "", false
					}
				case 'x', 'u', 'd':
					return "", false // comments, unicode-case and unix-lines flags
				}
			}
		case '*', '+', '?', '}':
			if i+1 < len(p) && p[i+1] == '+' {
				return "", false // possessive
			}
			if c == '}' {
				// Go limits counted repetition to 1000: relax larger bounds (the
				// shape's length traits still apply).
				if s, ok := relaxRepeat(b.String()); ok {
					b.Reset()
					b.WriteString(s)
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	if inClass {
		return "", false
	}
	return b.String(), true
}

// relaxRepeat looks at out, the translation so far ending just before a '}', for a
// counted repetition {n}, {n,} or {n,m} with a bound over 1000 and returns out
// with the repetition replaced by an unbounded one.
func relaxRepeat(out string) (string, bool) {
	open := strings.LastIndexByte(out, '{')
	if open < 0 {
		return "", false
	}
	body := out[open+1:]
	lo, hi, hasComma := strings.Cut(body, ",")
	n, err := strconv.Atoi(lo)
	if err != nil {
		return "", false
	}
	m := n
	if hasComma && hi != "" {
		if m, err = strconv.Atoi(hi); err != nil {
			return "", false
		}
	}
	if n <= 1000 && m <= 1000 {
		return "", false
	}
	if n > 1000 {
		n = 1000
	}
	return out[:open] + "{" + strconv.Itoa(n) + ",}", true
}

// translateEscape translates the escape whose text (after the backslash) starts s.
// It returns the Go text and how many bytes of s it consumed.
func translateEscape(s string, inClass bool) (string, int, bool) {
	c := s[0]
	switch {
	case c == 'p' || c == 'P':
		name, n := "", 1
		if len(s) > 1 && s[1] == '{' {
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return "", 0, false
			}
			name, n = s[2:end], end+1
		} else if len(s) > 1 {
			name, n = s[1:2], 2
		} else {
			return "", 0, false
		}
		neg := c == 'P'
		if r, ok := posixClass(strings.TrimPrefix(name, "Is")); ok {
			switch {
			case inClass && neg:
				return "", 0, false
			case inClass:
				return r, n, true
			case neg:
				return "[^" + r + "]", n, true
			default:
				return "[" + r + "]", n, true
			}
		}
		name = strings.TrimPrefix(name, "Is")
		if _, ok := unicode.Categories[name]; !ok {
			if _, ok := unicode.Scripts[name]; !ok {
				return "", 0, false
			}
		}
		return `\` + string(c) + "{" + name + "}", n, true
	case c == 'u':
		if len(s) < 5 || !isHex(s[1:5]) {
			return "", 0, false
		}
		// Java reads a surrogate pair written as two escapes as one code point.
		hi, _ := strconv.ParseUint(s[1:5], 16, 32)
		if utf16.IsSurrogate(rune(hi)) && len(s) >= 11 && s[5:7] == `\u` && isHex(s[7:11]) {
			lo, _ := strconv.ParseUint(s[7:11], 16, 32)
			if r := utf16.DecodeRune(rune(hi), rune(lo)); r != unicode.ReplacementChar {
				return `\x{` + strconv.FormatInt(int64(r), 16) + `}`, 11, true
			}
		}
		return `\x{` + s[1:5] + `}`, 5, true
	case c == 'x':
		if len(s) > 1 && s[1] == '{' {
			end := strings.IndexByte(s, '}')
			if end < 0 || !isHex(s[2:end]) {
				return "", 0, false
			}
			return `\x{` + s[2:end] + `}`, end + 1, true
		}
		if len(s) < 3 || !isHex(s[1:3]) {
			return "", 0, false
		}
		return `\x` + s[1:3], 3, true
	case c == '0':
		// Octal: \0n, \0nn, \0mnn (m <= 3).
		j := 1
		for j < len(s) && j < 4 && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		if j == 4 && s[1] > '3' {
			j = 3
		}
		if j == 1 {
			return "", 0, false
		}
		v, _ := strconv.ParseUint(s[1:j], 8, 32)
		return `\x{` + strconv.FormatUint(v, 16) + `}`, j, true
	case c == 'Z':
		return `\z`, 1, true
	case c == 'e':
		return `\x1B`, 1, true
	case c == 'Q':
		end := strings.Index(s, `\E`)
		if end < 0 {
			return regexp.QuoteMeta(s[1:]), len(s), true
		}
		return regexp.QuoteMeta(s[1:end]), end + 2, true
	case strings.IndexByte("dDsSwWbBAztnrfa", c) >= 0:
		return `\` + string(c), 1, true
	case c >= '1' && c <= '9':
		return "", 0, false // backreference
	case c < 0x80 && !isAlnum(c):
		return `\` + string(c), 1, true
	}
	return "", 0, false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
