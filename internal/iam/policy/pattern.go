package policy

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of one piece of a compiled pattern.
type tokKind uint8

const (
	tokLit   tokKind = iota // literal text
	tokStar                 // * : any run of characters
	tokQmark                // ? : exactly one character
	tokVar                  // ${key} or ${key, 'default'}
)

// token is one piece of a compiled pattern.
type token struct {
	kind tokKind
	// text is the literal text of a tokLit, or the variable name as written
	// for a tokVar.
	text string
	// key is the lowercased variable name of a tokVar.
	key string
	// def is the default of a tokVar written ${key, 'default'}; hasDef says
	// whether there is one.
	def    string
	hasDef bool
}

// pattern is a compiled string from a policy: a Resource entry, an action, or
// a condition value. Wildcards are only tokens when the pattern was compiled
// for globbing; variables only when the policy supports them.
type pattern struct {
	toks []token
	// all is set for the glob "*", which matches every string.
	all bool
	// vars is set when the pattern has at least one variable.
	vars bool
}

// compilePattern compiles raw. With glob, * and ? are wildcards; with vars,
// ${...} is a policy variable (and ${*}, ${?}, ${$} are the literal
// characters).
func compilePattern(raw string, glob, vars bool) pattern {
	var p pattern
	if glob && raw == "*" {
		p.all = true
		p.toks = []token{{kind: tokStar}}
		return p
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: tokLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case vars && c == '$' && strings.HasPrefix(raw[i:], "${"):
			end := strings.IndexByte(raw[i+2:], '}')
			if end < 0 {
				lit.WriteByte(c)
				i++
				continue
			}
			inner := raw[i+2 : i+2+end]
			switch inner {
			case "*", "?", "$":
				lit.WriteString(inner)
				i += end + 3
				continue
			}
			t, ok := parseVariable(inner)
			if !ok {
				lit.WriteByte(c)
				i++
				continue
			}
			flush()
			p.toks = append(p.toks, t)
			p.vars = true
			i += end + 3
		case glob && c == '*':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, token{kind: tokStar})
			}
			i++
		case glob && c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tokQmark})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return p
}

// parseVariable parses the inside of ${...}: a key name, optionally followed
// by a comma and a default value in single quotes.
func parseVariable(inner string) (token, bool) {
	name, def, hasDef := inner, "", false
	if i := strings.IndexByte(inner, ','); i >= 0 {
		name = inner[:i]
		rest := strings.TrimSpace(inner[i+1:])
		if len(rest) < 2 || rest[0] != '\'' || rest[len(rest)-1] != '\'' {
			return token{}, false
		}
		def, hasDef = rest[1:len(rest)-1], true
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t\r\n${'") {
		return token{}, false
	}
	return token{kind: tokVar, text: name, key: strings.ToLower(name), def: def, hasDef: hasDef}, true
}

// unresolved returns the name of the first variable of p that ctx cannot
// resolve, or "" and false when every variable resolves.
func (p *pattern) unresolved(ctx Context) (string, bool) {
	if !p.vars {
		return "", false
	}
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tokVar || t.hasDef {
			continue
		}
		if _, ok := ctx.variable(t.key); !ok {
			return t.text, true
		}
	}
	return "", false
}

// value returns the literal text a literal or variable token stands for.
// Variables must have been checked with unresolved first.
func (t *token) value(ctx Context) string {
	if t.kind == tokLit {
		return t.text
	}
	if v, ok := ctx.variable(t.key); ok {
		return v
	}
	return t.def
}

// match reports whether s matches p. fold makes literal comparisons
// case-insensitive. Every variable of p must resolve in ctx (see unresolved).
func (p *pattern) match(s string, fold bool, ctx Context) bool {
	if p.all {
		return true
	}
	return matchTokens(p.toks, s, fold, ctx)
}

// matchTokens is glob matching over tokens. Literal and variable tokens have a
// fixed length and ? is one rune, so on a mismatch it is enough to retry from
// the most recent star with one more character consumed by it.
func matchTokens(toks []token, s string, fold bool, ctx Context) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokQmark:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			default:
				lit := t.value(ctx)
				if hasPrefix(s[si:], lit, fold) {
					si += len(lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		// When a literal follows the star, skip straight to its next
		// occurrence: the star cannot usefully stop anywhere before it.
		if next := starTi + 1; next < len(toks) && !fold && (toks[next].kind == tokLit || toks[next].kind == tokVar) {
			i := strings.Index(s[starSi:], toks[next].value(ctx))
			if i < 0 {
				return false
			}
			starSi += i
		}
		si = starSi
		ti = starTi + 1
	}
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// arnPattern is an ARN pattern for the Arn condition operators: each of the
// colon-separated parts (at most six; the last one keeps any further colons)
// is matched on its own, so a wildcard never crosses a colon.
type arnPattern struct {
	parts []pattern
	all   bool
}

// compileARNPattern compiles raw as an ARN pattern.
func compileARNPattern(raw string, vars bool) arnPattern {
	whole := compilePattern(raw, true, vars)
	if whole.all {
		return arnPattern{all: true, parts: []pattern{whole}}
	}
	var ap arnPattern
	var cur pattern
	for _, t := range whole.toks {
		if t.kind != tokLit {
			cur.toks = append(cur.toks, t)
			cur.vars = cur.vars || t.kind == tokVar
			continue
		}
		text := t.text
		for len(ap.parts) < 5 {
			i := strings.IndexByte(text, ':')
			if i < 0 {
				break
			}
			if i > 0 {
				cur.toks = append(cur.toks, token{kind: tokLit, text: text[:i]})
			}
			ap.parts = append(ap.parts, cur)
			cur = pattern{}
			text = text[i+1:]
		}
		if text != "" {
			cur.toks = append(cur.toks, token{kind: tokLit, text: text})
		}
	}
	ap.parts = append(ap.parts, cur)
	return ap
}

func (ap *arnPattern) unresolved(ctx Context) (string, bool) {
	for i := range ap.parts {
		if name, bad := ap.parts[i].unresolved(ctx); bad {
			return name, true
		}
	}
	return "", false
}

// match reports whether the ARN s matches, part by part.
func (ap *arnPattern) match(s string, ctx Context) bool {
	if ap.all {
		return true
	}
	rest := s
	for i := range ap.parts {
		part := rest
		if i < len(ap.parts)-1 {
			var found bool
			part, rest, found = strings.Cut(rest, ":")
			if !found {
				return false
			}
		}
		if !matchTokens(ap.parts[i].toks, part, false, ctx) {
			return false
		}
	}
	return true
}
