package main

import (
	"strconv"
	"strings"
)

// exportedName makes an exported Go identifier of a model name: characters that
// cannot appear in an identifier are dropped and start a new word, each word's first
// letter is upper-cased, the rest is kept as the model spells it ("jwtPayload" ->
// "JwtPayload", "Get-Thing" -> "GetThing"). A name starting with a digit gets an X in
// front. It returns "" for a name without letters or digits.
func exportedName(s string) string {
	var b strings.Builder
	up := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	out := b.String()
	if out != "" && isDigit(out[0]) {
		out = "X" + out
	}
	return out
}

// enumWord makes the part of an enum constant's name that stands for value: words are
// split at anything not a letter or digit, a word without lower-case letters is
// title-cased ("ACTIVE" -> "Active", "AWS_IAM" -> "AwsIam"), any other word gets its
// first letter upper-cased ("nodejs20.x" -> "Nodejs20X", "IPv4" -> "IPv4"). A value
// without letters or digits becomes "Value".
func enumWord(value string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(value, func(r rune) bool { return r > 0x7f || !isAlnum(byte(r)) }) {
		if strings.ToUpper(w) == w {
			w = strings.ToLower(w)
		}
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	if b.Len() == 0 {
		return "Value"
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// namespace hands out Go identifiers unique within one scope (a package or a
// struct's fields). The first to ask for a name gets it; later askers get the name
// with "_", then "_2", "_3"... appended. Callers ask in a fixed order so the outcome is
// deterministic.
type namespace struct {
	taken map[string]bool
}

func newNamespace(reserved ...string) *namespace {
	n := &namespace{taken: map[string]bool{}}
	for _, r := range reserved {
		n.taken[r] = true
	}
	return n
}

func (n *namespace) take(base string) string {
	name := base
	for i := 1; n.taken[name]; i++ {
		name = base + "_"
		if i > 1 {
			name += strconv.Itoa(i)
		}
	}
	n.taken[name] = true
	return name
}
