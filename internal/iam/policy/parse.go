package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// The messages IAM answers malformed documents with.
const (
	msgSyntax           = "Syntax errors in policy."
	msgNoPrincipal      = "Policy document should not specify a principal."
	msgMissingPrincipal = "Missing required field Principal"
	msgMissingEffect    = "Missing required field Effect"
	msgNoActions        = "Policy statement must contain actions."
	msgNoResources      = "Policy statement must contain resources."
	msgVendor           = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon         = "Actions/Condition can contain only one colon."
	msgTrustActions     = "AssumeRole policy may only specify STS AssumeRole actions."
	msgSidUnique        = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum         = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
)

// ErrorCode is the awserr code of every error Parse returns for a document.
const ErrorCode = "MalformedPolicyDocument"

func malformed(msg string) *awserr.Error {
	return &awserr.Error{Code: ErrorCode, Message: msg, Status: 400}
}

// maxDepth bounds JSON nesting; real policies nest five levels at most.
const maxDepth = 32

// Parse parses and validates a policy document of the given kind.
//
// Returns an *awserr.Error with code MalformedPolicyDocument (HTTP 400) and
// IAM's message when the document is not valid JSON or not a valid policy of
// that kind. Size limits are not checked here.
func Parse(doc string, kind Kind) (*Policy, error) {
	if kind < Identity || kind > SessionPolicy {
		return nil, fmt.Errorf("parse policy: unknown kind %d", kind)
	}
	root, err := decodeJSON(doc)
	if err != nil || root.kind != jObject {
		return nil, malformed(msgSyntax)
	}
	p := &Policy{kind: kind}
	var stmtNode *jnode
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "Version":
			if v.kind != jString || (v.str != Version2012 && v.str != Version2008) {
				return nil, malformed(msgSyntax)
			}
			p.Version = v.str
		case "Id":
			if v.kind != jString {
				return nil, malformed(msgSyntax)
			}
			p.ID = v.str
		case "Statement":
			stmtNode = v
		default:
			return nil, malformed("Unknown field " + k)
		}
	}
	if stmtNode == nil {
		return nil, malformed(msgSyntax)
	}
	var nodes []*jnode
	switch stmtNode.kind {
	case jObject:
		nodes = []*jnode{stmtNode}
		p.singleStatement = true
	case jArray:
		nodes = stmtNode.vals
	default:
		return nil, malformed(msgSyntax)
	}
	if len(nodes) == 0 {
		return nil, malformed(msgSyntax)
	}

	// Shape first (any syntax error wins), then meaning.
	raws := make([]rawStatement, len(nodes))
	for i, n := range nodes {
		if err := raws[i].read(n); err != nil {
			return nil, err
		}
	}
	lines := newLineIndex(doc)
	vars := p.Version == Version2012
	p.Statements = make([]Statement, len(raws))
	for i := range raws {
		if err := raws[i].validate(kind); err != nil {
			return nil, err
		}
		st := &p.Statements[i]
		raws[i].build(st)
		st.Start = lines.pos(nodes[i].start)
		st.End = lines.pos(nodes[i].end)
		st.compile(vars)
	}
	sids := make(map[string]bool, len(p.Statements))
	for _, st := range p.Statements {
		if st.Sid == "" {
			continue
		}
		if sids[st.Sid] {
			return nil, malformed(msgSidUnique)
		}
		sids[st.Sid] = true
	}
	return p, nil
}

// rawStatement is a statement whose shape has been checked but whose meaning
// has not.
type rawStatement struct {
	sid, effect           string
	hasSid, hasEffect     bool
	action, notAction     []string
	resource, notResource []string
	principal, notPrinc   *Principals
	conds                 []Condition
	singles               uint8
}

// read checks the statement's shape: known fields with values of the right
// JSON types.
func (r *rawStatement) read(n *jnode) error {
	if n.kind != jObject {
		return malformed(msgSyntax)
	}
	for i, k := range n.keys {
		v := n.vals[i]
		var ok bool
		switch k {
		case "Sid":
			ok = v.kind == jString
			r.sid, r.hasSid = v.str, true
		case "Effect":
			ok = v.kind == jString
			r.effect, r.hasEffect = v.str, true
		case "Action":
			var single bool
			r.action, single, ok = stringList(v)
			if single {
				r.singles |= singleAction
			}
		case "NotAction":
			var single bool
			r.notAction, single, ok = stringList(v)
			if single {
				r.singles |= singleAction
			}
		case "Resource":
			var single bool
			r.resource, single, ok = stringList(v)
			if single {
				r.singles |= singleResource
			}
		case "NotResource":
			var single bool
			r.notResource, single, ok = stringList(v)
			if single {
				r.singles |= singleResource
			}
		case "Principal":
			r.principal, ok = readPrincipals(v)
		case "NotPrincipal":
			r.notPrinc, ok = readPrincipals(v)
		case "Condition":
			r.conds, ok = readConditions(v)
		default:
			return malformed("Unknown field " + k)
		}
		if !ok {
			return malformed(msgSyntax)
		}
	}
	if (r.action != nil && r.notAction != nil) ||
		(r.resource != nil && r.notResource != nil) ||
		(r.principal != nil && r.notPrinc != nil) {
		return malformed(msgSyntax)
	}
	return nil
}

// stringList reads a string or an array of strings.
func stringList(n *jnode) (list []string, single, ok bool) {
	switch n.kind {
	case jString:
		return []string{n.str}, true, true
	case jArray:
		list = make([]string, 0, len(n.vals))
		for _, e := range n.vals {
			if e.kind != jString {
				return nil, false, false
			}
			list = append(list, e.str)
		}
		return list, false, true
	}
	return nil, false, false
}

func readPrincipals(n *jnode) (*Principals, bool) {
	if n.kind == jString {
		return &Principals{All: true}, n.str == "*"
	}
	if n.kind != jObject || len(n.keys) == 0 {
		return nil, false
	}
	p := &Principals{}
	for i, k := range n.keys {
		list, single, ok := stringList(n.vals[i])
		if !ok || len(list) == 0 {
			return nil, false
		}
		var bit uint8
		switch k {
		case "AWS":
			p.AWS, bit = list, singleAWS
		case "Service":
			p.Service, bit = list, singleService
		case "Federated":
			p.Federated, bit = list, singleFederated
		case "CanonicalUser":
			p.CanonicalUser, bit = list, singleCanonical
		default:
			return nil, false
		}
		if single {
			p.singles |= bit
		}
	}
	return p, true
}

// readConditions reads {operator: {key: value | [values]}}. Values may be
// strings, numbers or booleans.
func readConditions(n *jnode) ([]Condition, bool) {
	if n.kind != jObject {
		return nil, false
	}
	conds := []Condition{}
	for i, op := range n.keys {
		block := n.vals[i]
		if block.kind != jObject {
			return nil, false
		}
		for j, key := range block.keys {
			c := Condition{Operator: op, Key: key}
			v := block.vals[j]
			switch v.kind {
			case jString, jNumber, jBool:
				c.Values = []string{v.str}
			case jArray:
				c.Values = make([]string, 0, len(v.vals))
				for _, e := range v.vals {
					if e.kind != jString && e.kind != jNumber && e.kind != jBool {
						return nil, false
					}
					c.Values = append(c.Values, e.str)
				}
			default:
				return nil, false
			}
			conds = append(conds, c)
		}
	}
	return conds, true
}

// validate checks what the statement means for a policy of kind.
func (r *rawStatement) validate(kind Kind) error {
	if !r.hasEffect {
		return malformed(msgMissingEffect)
	}
	if r.effect != "Allow" && r.effect != "Deny" {
		return malformed("Invalid effect: " + r.effect)
	}
	if r.hasSid && kind != Resource && !isAlnum(r.sid) {
		return malformed(msgSidAlnum)
	}
	switch kind {
	case Identity, SessionPolicy:
		if r.principal != nil || r.notPrinc != nil {
			return malformed(msgNoPrincipal)
		}
	case Resource, Trust:
		if r.principal == nil && r.notPrinc == nil {
			return malformed(msgMissingPrincipal)
		}
		for _, p := range []*Principals{r.principal, r.notPrinc} {
			if err := p.validate(); err != nil {
				return err
			}
		}
	}
	actions := r.action
	if actions == nil {
		actions = r.notAction
	}
	if len(actions) == 0 {
		return malformed(msgNoActions)
	}
	switch kind {
	case Identity, SessionPolicy:
		if len(r.resource) == 0 && len(r.notResource) == 0 {
			return malformed(msgNoResources)
		}
	case Trust:
		if r.resource != nil {
			return malformed("Has prohibited field Resource")
		}
		if r.notResource != nil {
			return malformed("Has prohibited field NotResource")
		}
	case Resource:
		if (r.resource != nil && len(r.resource) == 0) || (r.notResource != nil && len(r.notResource) == 0) {
			return malformed(msgNoResources)
		}
	}
	for _, a := range actions {
		if err := validateAction(a); err != nil {
			return err
		}
		if kind == Trust && a != "*" && !strings.EqualFold(a[:strings.IndexByte(a, ':')], "sts") {
			return malformed(msgTrustActions)
		}
	}
	for _, list := range [][]string{r.resource, r.notResource} {
		for _, res := range list {
			if res != "*" && !strings.Contains(res, ":") {
				return malformed(fmt.Sprintf("Resource %s must be in ARN format or \"*\".", res))
			}
		}
	}
	for i := range r.conds {
		c := &r.conds[i]
		op, set, ifExists, ok := parseOperator(c.Operator)
		if !ok {
			return malformed("Invalid condition operator: " + c.Operator)
		}
		c.op, c.set, c.ifExists = op, set, ifExists
		if strings.IndexByte(c.Key, ':') <= 0 {
			return malformed(msgVendor)
		}
	}
	return nil
}

func validateAction(a string) error {
	if a == "*" {
		return nil
	}
	vendor, _, found := strings.Cut(a, ":")
	if !found {
		return malformed(msgVendor)
	}
	if strings.Count(a, ":") > 1 {
		return malformed(msgOneColon)
	}
	if vendor == "*" {
		return nil
	}
	if vendor == "" {
		return malformed("Vendor  is not valid")
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return malformed("Vendor " + vendor + " is not valid")
		}
	}
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validate checks the values of a Principal element (nil is valid).
func (p *Principals) validate() error {
	if p == nil {
		return nil
	}
	for _, a := range p.AWS {
		if !validAWSPrincipal(a) {
			return malformed(fmt.Sprintf("Invalid principal in policy: \"AWS\":\"%s\"", a))
		}
	}
	for _, list := range [][]string{p.Service, p.Federated, p.CanonicalUser} {
		for _, s := range list {
			if strings.TrimSpace(s) == "" {
				return malformed(msgSyntax)
			}
		}
	}
	return nil
}

// validAWSPrincipal accepts "*", a 12-digit account id, an iam or sts ARN with
// an account, or an IAM unique id (AIDA..., AROA...).
func validAWSPrincipal(s string) bool {
	if s == "*" || isAccountID(s) {
		return true
	}
	if parts := strings.SplitN(s, ":", 6); len(parts) == 6 && parts[0] == "arn" && parts[1] != "" &&
		(parts[2] == "iam" || parts[2] == "sts") && parts[3] == "" && isAccountID(parts[4]) && parts[5] != "" {
		return true
	}
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// build fills st from a validated raw statement.
func (r *rawStatement) build(st *Statement) {
	st.Sid = r.sid
	st.Effect = Allow
	if r.effect == "Deny" {
		st.Effect = Deny
	}
	st.Principal, st.NotPrincipal = r.principal, r.notPrinc
	st.Action, st.NotAction = r.action, r.notAction
	st.Resource, st.NotResource = r.resource, r.notResource
	st.Conditions = r.conds
	st.singles = r.singles
}

// compile prepares the statement's patterns and conditions.
func (st *Statement) compile(vars bool) {
	actions := st.Action
	if actions == nil {
		actions = st.NotAction
	}
	st.actions = make([]pattern, len(actions))
	for i, a := range actions {
		st.actions[i] = compilePattern(a, true, false)
	}
	resources := st.Resource
	if resources == nil {
		resources = st.NotResource
	}
	st.resources = make([]pattern, len(resources))
	for i, r := range resources {
		st.resources[i] = compilePattern(r, true, vars)
	}
	for i := range st.Conditions {
		st.Conditions[i].compile(vars)
	}
}

// lineIndex turns byte offsets of a document into Positions.
type lineIndex struct {
	doc    string
	starts []int // byte offset where each line starts
}

func newLineIndex(doc string) lineIndex {
	li := lineIndex{doc: doc, starts: []int{0}}
	for i := 0; i < len(doc); i++ {
		if doc[i] == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li lineIndex) pos(off int) Position {
	line := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return Position{Line: line + 1, Column: utf8.RuneCountInString(li.doc[li.starts[line]:off]) + 1}
}

// jnode is a JSON value with the byte offsets it spans, so that statements can
// report where they are.
type jnode struct {
	kind jkind
	// str is a string's value, a number's literal text or "true"/"false".
	str string
	// keys and vals are an object's members in document order; vals alone
	// are an array's elements.
	keys []string
	vals []*jnode
	// start is the offset of an object's or array's opening bracket; end
	// the offset just after its closing one.
	start, end int
}

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// errJSON is what decodeJSON returns for JSON it refuses beyond what
// encoding/json reports (wrong token kinds, duplicate keys, deep nesting).
func errJSON() error { return errors.New("invalid policy json") }

// decodeJSON parses doc, which must hold exactly one JSON value with no
// duplicate object keys.
func decodeJSON(doc string) (*jnode, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("decode policy: %w", err)
	}
	root, err := readNode(dec, tok, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errJSON()
	}
	return root, nil
}

func readNode(dec *json.Decoder, tok json.Token, depth int) (*jnode, error) {
	if depth > maxDepth {
		return nil, errJSON()
	}
	switch t := tok.(type) {
	case nil:
		return &jnode{kind: jNull}, nil
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &jnode{kind: jBool, str: s}, nil
	case json.Number:
		return &jnode{kind: jNumber, str: string(t)}, nil
	case string:
		return &jnode{kind: jString, str: t}, nil
	case json.Delim:
		n := &jnode{start: int(dec.InputOffset()) - 1}
		switch t {
		case '{':
			n.kind = jObject
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("decode policy: %w", err)
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errJSON()
				}
				for _, k := range n.keys {
					if k == key {
						return nil, errJSON()
					}
				}
				v, err := next(dec, depth)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = jArray
			for dec.More() {
				v, err := next(dec, depth)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
		default:
			return nil, errJSON()
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("decode policy: %w", err)
		}
		n.end = int(dec.InputOffset())
		return n, nil
	}
	return nil, errJSON()
}

func next(dec *json.Decoder, depth int) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("decode policy: %w", err)
	}
	return readNode(dec, tok, depth+1)
}
