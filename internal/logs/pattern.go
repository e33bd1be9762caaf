package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Pattern is a parsed CloudWatch Logs filter pattern. The zero pattern (from
// "") matches every event. A Pattern is immutable and safe for concurrent use.
//
// Two forms are understood, as AWS documents them:
//
//   - Text: space-separated terms, each a bare word or a "quoted phrase",
//     matched case-sensitively anywhere in the message. Every plain term must
//     appear; a term written ?term makes the event match if any ?term
//     appears; a term written -term must not appear. %regex% matches a
//     regular expression.
//   - JSON, in braces: { $.a.b[0] = "value" } with = and != on strings (with
//   - wildcards), = != < <= > >= on numbers, IS NULL, IS TRUE, IS FALSE,
//     NOT EXISTS, [*] for any array element, && (binding tighter) and ||,
//     and parentheses. JSON patterns match only messages that are JSON.
//
// Space-delimited patterns ([a, b, c = 1]) are not supported and fail to
// parse.
type Pattern struct {
	text *textPattern
	re   *regexp.Regexp
	json jsonExpr
}

// ParsePattern parses a filter pattern.
func ParsePattern(s string) (*Pattern, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return &Pattern{}, nil
	case strings.HasPrefix(s, "{"):
		e, err := parseJSONPattern(s)
		if err != nil {
			return nil, err
		}
		return &Pattern{json: e}, nil
	case strings.HasPrefix(s, "["):
		return nil, errors.New("space-delimited filter patterns are not supported")
	case len(s) >= 2 && s[0] == '%' && s[len(s)-1] == '%':
		re, err := regexp.Compile(s[1 : len(s)-1])
		if err != nil {
			return nil, fmt.Errorf("regular expression: %w", err)
		}
		return &Pattern{re: re}, nil
	}
	t, err := parseTextPattern(s)
	if err != nil {
		return nil, err
	}
	return &Pattern{text: t}, nil
}

// Match reports whether message matches the pattern.
func (p *Pattern) Match(message string) bool {
	switch {
	case p.text != nil:
		return p.text.match(message)
	case p.re != nil:
		return p.re.MatchString(message)
	case p.json != nil:
		doc, ok := decodeJSON(message)
		return ok && p.json.eval(doc)
	}
	return true
}

// Text patterns.

type textPattern struct {
	all, any, none []string
}

func parseTextPattern(s string) (*textPattern, error) {
	t := &textPattern{}
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		kind := byte(0)
		if s[i] == '?' || s[i] == '-' {
			kind = s[i]
			i++
		}
		var term string
		if i < len(s) && s[i] == '"' {
			q, n, err := readQuoted(s[i:])
			if err != nil {
				return nil, err
			}
			term, i = q, i+n
		} else {
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			term, i = s[i:j], j
		}
		if term == "" {
			return nil, fmt.Errorf("empty term at offset %d", i)
		}
		switch kind {
		case '?':
			t.any = append(t.any, term)
		case '-':
			t.none = append(t.none, term)
		default:
			t.all = append(t.all, term)
		}
	}
	return t, nil
}

func (t *textPattern) match(msg string) bool {
	for _, term := range t.all {
		if !strings.Contains(msg, term) {
			return false
		}
	}
	for _, term := range t.none {
		if strings.Contains(msg, term) {
			return false
		}
	}
	if len(t.any) == 0 {
		return true
	}
	for _, term := range t.any {
		if strings.Contains(msg, term) {
			return true
		}
	}
	return false
}

// readQuoted reads a "quoted" string at the start of s (with \" and \\
// escapes) and returns it and the bytes consumed.
func readQuoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, errors.New("unterminated quoted string")
}

// JSON patterns.

// decodeJSON parses a message that is a JSON object or array, keeping
// numbers as json.Number.
func decodeJSON(msg string) (any, bool) {
	m := strings.TrimSpace(msg)
	if m == "" || (m[0] != '{' && m[0] != '[') {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader([]byte(m)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

type jsonExpr interface {
	eval(doc any) bool
}

type orExpr []jsonExpr
type andExpr []jsonExpr

func (o orExpr) eval(doc any) bool {
	for _, e := range o {
		if e.eval(doc) {
			return true
		}
	}
	return false
}

func (a andExpr) eval(doc any) bool {
	for _, e := range a {
		if !e.eval(doc) {
			return false
		}
	}
	return true
}

// step is one selector step: a member name, an array index, or every
// element ([*]).
type step struct {
	name  string
	index int // -1 for a name, -2 for [*]
}

const anyIndex = -2

type selector []step

// resolve returns every value the selector reaches in doc.
func (sel selector) resolve(doc any) []any {
	cur := []any{doc}
	for _, st := range sel {
		var next []any
		for _, v := range cur {
			switch {
			case st.index == -1:
				if m, ok := v.(map[string]any); ok {
					if x, ok := m[st.name]; ok {
						next = append(next, x)
					}
				}
			case st.index == anyIndex:
				if a, ok := v.([]any); ok {
					next = append(next, a...)
				}
			default:
				if a, ok := v.([]any); ok && st.index < len(a) {
					next = append(next, a[st.index])
				}
			}
		}
		cur = next
	}
	return cur
}

type comparison struct {
	sel selector
	// op is = != < <= > >=, or "null", "true", "false", "notexists".
	op string
	// num is set when the value is a number literal; str holds the literal's
	// text (a pattern with * wildcards for strings).
	num    *float64
	str    string
	quoted bool
}

func (c *comparison) eval(doc any) bool {
	vals := c.sel.resolve(doc)
	if c.op == "notexists" {
		return len(vals) == 0
	}
	for _, v := range vals {
		if c.evalOne(v) {
			return true
		}
	}
	return false
}

func (c *comparison) evalOne(v any) bool {
	switch c.op {
	case "null":
		return v == nil
	case "true", "false":
		b, ok := v.(bool)
		return ok && b == (c.op == "true")
	}
	if n, ok := v.(json.Number); ok && c.num != nil && !c.quoted {
		f, err := n.Float64()
		if err != nil {
			return false
		}
		switch c.op {
		case "=":
			return f == *c.num
		case "!=":
			return f != *c.num
		case "<":
			return f < *c.num
		case "<=":
			return f <= *c.num
		case ">":
			return f > *c.num
		case ">=":
			return f >= *c.num
		}
		return false
	}
	if c.op != "=" && c.op != "!=" {
		return false
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text = x.String()
	case bool:
		text = strconv.FormatBool(x)
	default:
		return false
	}
	eq := wildcardMatch(c.str, text)
	if c.op == "!=" {
		return !eq
	}
	return eq
}

// wildcardMatch matches text against pattern, in which * stands for any run
// of characters.
func wildcardMatch(pattern, text string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == text
	}
	if !strings.HasPrefix(text, parts[0]) {
		return false
	}
	text = text[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(text, p)
		if i < 0 {
			return false
		}
		text = text[i+len(p):]
	}
	return len(text) >= len(last) && strings.HasSuffix(text, last)
}

// The JSON pattern parser: a lexer producing tokens and a recursive descent
// over
//
//	pattern    = "{" expr "}"
//	expr       = and { "||" and }
//	and        = primary { "&&" primary }
//	primary    = "(" expr ")" | selector test
//	test       = op value | "IS" ("NULL" | "TRUE" | "FALSE") | "NOT" "EXISTS"

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokPunct
	tokSelector
	tokString
	tokWord
)

type token struct {
	kind tokenKind
	text string
}

type jsonParser struct {
	src  string
	pos  int
	tok  token
	prev int // start offset of tok, for errors
}

func parseJSONPattern(s string) (jsonExpr, error) {
	p := &jsonParser{src: s}
	if err := p.next(); err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect("}"); err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %q after the closing brace", p.tok.text)
	}
	return e, nil
}

func (p *jsonParser) expect(punct string) error {
	if p.tok.kind != tokPunct || p.tok.text != punct {
		return fmt.Errorf("expected %q at offset %d, found %q", punct, p.prev, p.tok.text)
	}
	return p.next()
}

func (p *jsonParser) next() error {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	p.prev = p.pos
	if p.pos == len(s) {
		p.tok = token{kind: tokEOF}
		return nil
	}
	for _, op := range []string{"&&", "||", "!=", "<=", ">=", "{", "}", "(", ")", "=", "<", ">"} {
		if strings.HasPrefix(s[p.pos:], op) {
			p.pos += len(op)
			p.tok = token{kind: tokPunct, text: op}
			return nil
		}
	}
	if s[p.pos] == '"' {
		q, n, err := readQuoted(s[p.pos:])
		if err != nil {
			return err
		}
		p.pos += n
		p.tok = token{kind: tokString, text: q}
		return nil
	}
	start := p.pos
	for p.pos < len(s) && !strings.ContainsRune(" \t\r\n=!<>(){}&|\"", rune(s[p.pos])) {
		p.pos++
	}
	if p.pos == start {
		return fmt.Errorf("unexpected %q at offset %d", s[p.pos], p.pos)
	}
	word := s[start:p.pos]
	if word[0] == '$' {
		p.tok = token{kind: tokSelector, text: word}
	} else {
		p.tok = token{kind: tokWord, text: word}
	}
	return nil
}

func (p *jsonParser) isPunct(s string) bool { return p.tok.kind == tokPunct && p.tok.text == s }

func (p *jsonParser) expr() (jsonExpr, error) {
	var or orExpr
	for {
		a, err := p.and()
		if err != nil {
			return nil, err
		}
		or = append(or, a)
		if !p.isPunct("||") {
			break
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if len(or) == 1 {
		return or[0], nil
	}
	return or, nil
}

func (p *jsonParser) and() (jsonExpr, error) {
	var and andExpr
	for {
		e, err := p.primary()
		if err != nil {
			return nil, err
		}
		and = append(and, e)
		if !p.isPunct("&&") {
			break
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return and, nil
}

func (p *jsonParser) primary() (jsonExpr, error) {
	if p.isPunct("(") {
		if err := p.next(); err != nil {
			return nil, err
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	}
	if p.tok.kind != tokSelector {
		return nil, fmt.Errorf("expected a selector ($.field) at offset %d, found %q", p.prev, p.tok.text)
	}
	sel, err := parseSelector(p.tok.text)
	if err != nil {
		return nil, err
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	c := &comparison{sel: sel}
	if p.tok.kind == tokWord {
		kw := strings.ToUpper(p.tok.text)
		if err := p.next(); err != nil {
			return nil, err
		}
		arg := strings.ToUpper(p.tok.text)
		switch {
		case kw == "IS" && p.tok.kind == tokWord && (arg == "NULL" || arg == "TRUE" || arg == "FALSE"):
			c.op = strings.ToLower(arg)
		case kw == "NOT" && p.tok.kind == tokWord && arg == "EXISTS":
			c.op = "notexists"
		default:
			return nil, fmt.Errorf("expected IS NULL, IS TRUE, IS FALSE or NOT EXISTS at offset %d", p.prev)
		}
		return c, p.next()
	}
	if p.tok.kind != tokPunct || !strings.Contains(" = != < <= > >= ", " "+p.tok.text+" ") {
		return nil, fmt.Errorf("expected a comparison operator at offset %d, found %q", p.prev, p.tok.text)
	}
	c.op = p.tok.text
	if err := p.next(); err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tokString:
		c.str, c.quoted = p.tok.text, true
	case tokWord:
		c.str = p.tok.text
		if f, err := strconv.ParseFloat(p.tok.text, 64); err == nil {
			c.num = &f
		}
	default:
		return nil, fmt.Errorf("expected a value at offset %d, found %q", p.prev, p.tok.text)
	}
	if c.op != "=" && c.op != "!=" && c.num == nil {
		return nil, fmt.Errorf("%s needs a number, found %q", c.op, c.str)
	}
	return c, p.next()
}

// parseSelector parses $.a.b[0][*].c.
func parseSelector(s string) (selector, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("selector %q does not start with $", s)
	}
	var sel selector
	rest := s[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			n := strings.IndexAny(rest, ".[")
			if n < 0 {
				n = len(rest)
			}
			if n == 0 {
				return nil, fmt.Errorf("selector %q has an empty member name", s)
			}
			sel = append(sel, step{name: rest[:n], index: -1})
			rest = rest[n:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("selector %q has an unclosed [", s)
			}
			idx := rest[1:end]
			if idx == "*" {
				sel = append(sel, step{index: anyIndex})
			} else {
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("selector %q has a bad index %q", s, idx)
				}
				sel = append(sel, step{index: n})
			}
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("selector %q: unexpected %q", s, rest[0])
		}
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("selector %q selects nothing", s)
	}
	return sel, nil
}
