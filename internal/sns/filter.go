package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// Subscription filter policies, as AWS documents them: a JSON object whose
// keys name message attributes (FilterPolicyScope MessageAttributes) or
// properties of a JSON message body (MessageBody, where objects nest), and
// whose leaves are arrays of conditions. A message matches when every key of
// the object matches (AND) and, for each key, at least one condition of its
// array does (OR); "$or" holds alternative objects of which one must match.
//
// Conditions: a string (exact), a number (numeric equality), true, false or
// null (body values), and the operators {"prefix": s}, {"suffix": s},
// {"equals-ignore-case": s}, {"anything-but": value | [values] | {"prefix"|
// "suffix"|"equals-ignore-case": s}}, {"numeric": [op, n, (op, n)]},
// {"exists": bool} and {"cidr": "10.0.0.0/24"}.

// Filter policy scopes (the FilterPolicyScope attribute).
const (
	ScopeAttributes = "MessageAttributes"
	ScopeBody       = "MessageBody"
)

// AWS's limits on filter policies.
const (
	maxFilterKeys         = 5
	maxFilterCombinations = 150
	maxFilterPolicyBytes  = 256 * 1024
	maxFilterNumber       = 1e9
)

// filterPolicy is a parsed filter policy.
type filterPolicy struct {
	root  *filterNode
	scope string
}

// filterNode is one object of a policy: every field must match, and one
// alternative of each $or.
type filterNode struct {
	fields []filterField
	ors    [][]*filterNode
}

// filterField is one key of an object: either a leaf (conditions, OR-ed) or
// a nested object (body scope only).
type filterField struct {
	key   string
	conds []condition
	child *filterNode
}

type condKind int

const (
	condExact condKind = iota
	condPrefix
	condSuffix
	condIgnoreCase
	condAnythingBut
	condNumeric
	condExists
	condCIDR
)

// condition is one element of a leaf array.
type condition struct {
	kind condKind
	// v is the value of condExact and the string of prefix, suffix and
	// equals-ignore-case.
	v fval
	// not is the excluded set of condAnythingBut: exact values, or one
	// prefix/suffix/equals-ignore-case condition.
	not []condition
	// ranges of condNumeric: lower and upper bounds with inclusivity.
	lo, hi       float64
	loInc, hiInc bool
	exists       bool
	prefix       netip.Prefix
}

// fval is one value a condition is matched against: a string, a number, a
// bool or null.
type fval struct {
	kind byte // 's', 'n', 'b', 0 for null
	s    string
	n    float64
	b    bool
}

// policyError is a filter policy that cannot be used; the API reports it as
// InvalidParameter "FilterPolicy: ...".
type policyError struct{ msg string }

func (e *policyError) Error() string { return e.msg }

func perr(format string, args ...any) error { return &policyError{fmt.Sprintf(format, args...)} }

// parseFilterPolicy parses and checks a filter policy for scope.
func parseFilterPolicy(doc, scope string) (*filterPolicy, error) {
	if len(doc) > maxFilterPolicyBytes {
		return nil, perr("Filter policy is too big")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, perr("failed to parse JSON. %s", jsonErrorText(err))
	}
	if dec.More() {
		return nil, perr("failed to parse JSON. Unexpected content after the policy")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, perr("Filter policy must be a JSON object")
	}
	if len(obj) == 0 {
		return nil, perr("Filter policy must not be empty")
	}
	p := &filterPolicy{scope: scope}
	var err error
	if p.root, err = parseNode(obj, scope, 0); err != nil {
		return nil, err
	}
	if k := p.root.keys(); k > maxFilterKeys {
		return nil, perr("Filter policy can not have more than %d keys", maxFilterKeys)
	}
	if c := p.root.combinations(); c > maxFilterCombinations {
		return nil, perr("Filter policy is too complex")
	}
	return p, nil
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	return err.Error()
}

const maxFilterDepth = 16

func parseNode(obj map[string]any, scope string, depth int) (*filterNode, error) {
	if depth > maxFilterDepth {
		return nil, perr("Filter policy is nested too deeply")
	}
	n := &filterNode{}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		if k == "$or" {
			alts, ok := v.([]any)
			if !ok || len(alts) < 2 {
				return nil, perr("\"$or\" must be an array of at least two objects")
			}
			var or []*filterNode
			for _, a := range alts {
				ao, ok := a.(map[string]any)
				if !ok || len(ao) == 0 {
					return nil, perr("\"$or\" must be an array of at least two objects")
				}
				alt, err := parseNode(ao, scope, depth+1)
				if err != nil {
					return nil, err
				}
				or = append(or, alt)
			}
			n.ors = append(n.ors, or)
			continue
		}
		switch t := v.(type) {
		case []any:
			if len(t) == 0 {
				return nil, perr("Empty arrays are not allowed")
			}
			f := filterField{key: k}
			for _, c := range t {
				cond, err := parseCondition(k, c, scope)
				if err != nil {
					return nil, err
				}
				f.conds = append(f.conds, cond)
			}
			n.fields = append(n.fields, f)
		case map[string]any:
			if scope != ScopeBody {
				return nil, perr("Filter policy scope MessageAttributes does not support nested filter policy")
			}
			if len(t) == 0 {
				return nil, perr("Empty objects are not allowed")
			}
			child, err := parseNode(t, scope, depth+1)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, filterField{key: k, child: child})
		default:
			return nil, perr("\"%s\" must be an object or an array", k)
		}
	}
	return n, nil
}

// keys counts the leaf keys one match of n needs: its own leaves and nested
// ones, plus the largest alternative of each $or.
func (n *filterNode) keys() int {
	k := 0
	for _, f := range n.fields {
		if f.child != nil {
			k += f.child.keys()
		} else {
			k++
		}
	}
	for _, or := range n.ors {
		most := 0
		for _, alt := range or {
			most = max(most, alt.keys())
		}
		k += most
	}
	return k
}

// combinations is AWS's complexity measure: the product of the leaf array
// lengths, with the alternatives of an $or added up.
func (n *filterNode) combinations() int {
	c := 1
	for _, f := range n.fields {
		if f.child != nil {
			c *= f.child.combinations()
		} else {
			c *= len(f.conds)
		}
		if c > maxFilterCombinations {
			return c
		}
	}
	for _, or := range n.ors {
		sum := 0
		for _, alt := range or {
			sum += alt.combinations()
		}
		c *= sum
		if c > maxFilterCombinations {
			return c
		}
	}
	return c
}

func parseCondition(key string, c any, scope string) (condition, error) {
	switch t := c.(type) {
	case string:
		return condition{kind: condExact, v: fval{kind: 's', s: t}}, nil
	case json.Number:
		n, err := policyNumber(t)
		if err != nil {
			return condition{}, err
		}
		return condition{kind: condExact, v: fval{kind: 'n', n: n}}, nil
	case bool:
		return condition{kind: condExact, v: fval{kind: 'b', b: t}}, nil
	case nil:
		return condition{kind: condExact, v: fval{}}, nil
	case map[string]any:
		if len(t) != 1 {
			return condition{}, perr("Only one key allowed in match expression")
		}
		for op, arg := range t {
			return parseOperator(key, op, arg)
		}
	}
	return condition{}, perr("Match value must be String, number, true, false, or null")
}

func policyNumber(n json.Number) (float64, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, perr("Value %s is not a number", n)
	}
	if f < -maxFilterNumber || f > maxFilterNumber {
		return 0, perr("Numeric value must be between -1.0E9 and 1.0E9 inclusive")
	}
	return f, nil
}

func stringArg(op string, arg any) (string, error) {
	s, ok := arg.(string)
	if !ok {
		return "", perr("%s match pattern must be a string", op)
	}
	return s, nil
}

func parseOperator(key, op string, arg any) (condition, error) {
	switch op {
	case "prefix", "suffix", "equals-ignore-case":
		s, err := stringArg(op, arg)
		if err != nil {
			return condition{}, err
		}
		if op != "equals-ignore-case" && s == "" {
			return condition{}, perr("Null or empty %s is not allowed", op)
		}
		kind := map[string]condKind{"prefix": condPrefix, "suffix": condSuffix, "equals-ignore-case": condIgnoreCase}[op]
		return condition{kind: kind, v: fval{kind: 's', s: s}}, nil
	case "anything-but":
		return parseAnythingBut(arg)
	case "numeric":
		return parseNumeric(arg)
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return condition{}, perr("exists match pattern must be either true or false.")
		}
		return condition{kind: condExists, exists: b}, nil
	case "cidr":
		s, err := stringArg(op, arg)
		if err != nil {
			return condition{}, err
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return condition{}, perr("Malformed CIDR, one '/' required")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		return condition{kind: condCIDR, prefix: p.Masked()}, nil
	}
	return condition{}, perr("Unrecognized match type %s", op)
}

func parseAnythingBut(arg any) (condition, error) {
	c := condition{kind: condAnythingBut}
	add := func(v any) error {
		switch t := v.(type) {
		case string:
			c.not = append(c.not, condition{kind: condExact, v: fval{kind: 's', s: t}})
		case json.Number:
			n, err := policyNumber(t)
			if err != nil {
				return err
			}
			c.not = append(c.not, condition{kind: condExact, v: fval{kind: 'n', n: n}})
		default:
			return perr("anything-but list can only contain strings or numbers")
		}
		return nil
	}
	switch t := arg.(type) {
	case []any:
		if len(t) == 0 {
			return condition{}, perr("Empty arrays are not allowed")
		}
		for _, v := range t {
			if err := add(v); err != nil {
				return condition{}, err
			}
		}
	case map[string]any:
		if len(t) != 1 {
			return condition{}, perr("Only one key allowed in match expression")
		}
		for op, v := range t {
			if op != "prefix" && op != "suffix" && op != "equals-ignore-case" {
				return condition{}, perr("Unsupported anything-but pattern: %s", op)
			}
			inner, err := parseOperator("", op, v)
			if err != nil {
				return condition{}, err
			}
			c.not = append(c.not, inner)
		}
	default:
		if err := add(arg); err != nil {
			return condition{}, err
		}
	}
	return c, nil
}

func parseNumeric(arg any) (condition, error) {
	list, ok := arg.([]any)
	if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return condition{}, perr("Value of numeric must be an array.")
	}
	c := condition{kind: condNumeric, lo: math.Inf(-1), hi: math.Inf(1)}
	var sawLo, sawHi, sawEq bool
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		num, nok := list[i+1].(json.Number)
		if !ok {
			return condition{}, perr("Unrecognized numeric range operator: %v", list[i])
		}
		if !nok {
			return condition{}, perr("Value of %s must be numeric", op)
		}
		n, err := policyNumber(num)
		if err != nil {
			return condition{}, err
		}
		switch op {
		case "=":
			if len(list) != 2 {
				return condition{}, perr("Bad numeric range operator: =")
			}
			c.lo, c.hi, c.loInc, c.hiInc, sawEq = n, n, true, true, true
		case ">", ">=":
			if sawLo || i != 0 {
				return condition{}, perr("Bad numeric range operator: %s", op)
			}
			c.lo, c.loInc, sawLo = n, op == ">=", true
		case "<", "<=":
			if sawHi {
				return condition{}, perr("Bad numeric range operator: %s", op)
			}
			c.hi, c.hiInc, sawHi = n, op == "<=", true
		default:
			return condition{}, perr("Unrecognized numeric range operator: %s", op)
		}
	}
	if !sawEq && sawLo && sawHi && c.lo >= c.hi {
		return condition{}, perr("Bottom must be less than top")
	}
	return c, nil
}

// matchValues reports whether c matches a key whose values are vals
// (present is false when the key is absent).
func (c *condition) matchValues(vals []fval, present bool) bool {
	switch c.kind {
	case condExists:
		return present == c.exists
	case condAnythingBut:
		if !present {
			return false
		}
		for _, v := range vals {
			excluded := false
			for i := range c.not {
				if c.not[i].matchOne(v) {
					excluded = true
					break
				}
			}
			if !excluded {
				return true
			}
		}
		return false
	}
	for _, v := range vals {
		if c.matchOne(v) {
			return true
		}
	}
	return false
}

// matchOne matches one value against a value condition.
func (c *condition) matchOne(v fval) bool {
	switch c.kind {
	case condExact:
		if c.v.kind != v.kind {
			return false
		}
		switch v.kind {
		case 's':
			return v.s == c.v.s
		case 'n':
			return v.n == c.v.n
		case 'b':
			return v.b == c.v.b
		}
		return true // null
	case condPrefix:
		return v.kind == 's' && strings.HasPrefix(v.s, c.v.s)
	case condSuffix:
		return v.kind == 's' && strings.HasSuffix(v.s, c.v.s)
	case condIgnoreCase:
		return v.kind == 's' && strings.EqualFold(v.s, c.v.s)
	case condNumeric:
		if v.kind != 'n' {
			return false
		}
		if v.n < c.lo || (v.n == c.lo && !c.loInc) {
			return false
		}
		return v.n < c.hi || (v.n == c.hi && c.hiInc)
	case condCIDR:
		if v.kind != 's' {
			return false
		}
		a, err := netip.ParseAddr(v.s)
		return err == nil && c.prefix.Contains(a.Unmap())
	}
	return false
}

// lookup finds the values of a key: for attributes a flat map, for bodies a
// JSON object walked one level per nested policy object.
type lookup func(key string) (vals []fval, children []map[string]any, present bool)

func (n *filterNode) match(look lookup) bool {
	for i := range n.fields {
		f := &n.fields[i]
		vals, children, present := look(f.key)
		if f.child != nil {
			if !f.child.matchAny(children) {
				return false
			}
			continue
		}
		ok := false
		for j := range f.conds {
			if f.conds[j].matchValues(vals, present) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, or := range n.ors {
		ok := false
		for _, alt := range or {
			if alt.match(look) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchAny matches a nested policy object against the objects found at its
// key (several when the body holds an array of objects there). A nested
// object of only {"exists": false} leaves also matches when nothing is there.
func (n *filterNode) matchAny(objs []map[string]any) bool {
	if len(objs) == 0 {
		return n.match(bodyLookup(nil))
	}
	for _, o := range objs {
		if n.match(bodyLookup(o)) {
			return true
		}
	}
	return false
}

// MatchAttributes reports whether a message with attrs passes p (scope
// MessageAttributes). Binary attributes are never compared.
func (p *filterPolicy) matchAttributes(attrs map[string]MessageAttribute) bool {
	return p.root.match(func(key string) ([]fval, []map[string]any, bool) {
		a, ok := attrs[key]
		if !ok {
			return nil, nil, false
		}
		switch baseType(a.DataType) {
		case "String":
			return []fval{{kind: 's', s: a.StringValue}}, nil, true
		case "Number":
			n, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64)
			if err != nil {
				return nil, nil, true
			}
			return []fval{{kind: 'n', n: n}}, nil, true
		case "String.Array":
			return arrayValues(a.StringValue), nil, true
		}
		return nil, nil, false
	})
}

// matchBody reports whether a message body passes p (scope MessageBody). A
// body that is not a JSON object matches nothing.
func (p *filterPolicy) matchBody(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return false
	}
	return p.root.match(bodyLookup(obj))
}

func bodyLookup(obj map[string]any) lookup {
	return func(key string) ([]fval, []map[string]any, bool) {
		v, ok := obj[key]
		if !ok {
			return nil, nil, false
		}
		var vals []fval
		var children []map[string]any
		var add func(v any, nested bool)
		add = func(v any, nested bool) {
			switch t := v.(type) {
			case map[string]any:
				children = append(children, t)
			case []any:
				if nested {
					return
				}
				for _, e := range t {
					add(e, true)
				}
			default:
				vals = append(vals, jsonValue(t))
			}
		}
		add(v, false)
		return vals, children, true
	}
}

func jsonValue(v any) fval {
	switch t := v.(type) {
	case string:
		return fval{kind: 's', s: t}
	case json.Number:
		n, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return fval{kind: 's', s: string(t)}
		}
		return fval{kind: 'n', n: n}
	case bool:
		return fval{kind: 'b', b: t}
	}
	return fval{}
}

// arrayValues are the elements of a String.Array attribute value.
func arrayValues(s string) []fval {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var list []any
	if err := dec.Decode(&list); err != nil {
		return nil
	}
	out := make([]fval, 0, len(list))
	for _, e := range list {
		if _, nested := e.([]any); nested {
			continue
		}
		if _, obj := e.(map[string]any); obj {
			continue
		}
		out = append(out, jsonValue(e))
	}
	return out
}

// filterCache keeps parsed filter policies by scope and text, so Publish does
// not parse a subscription's policy for every message.
type filterCache struct {
	mu      sync.Mutex // guards entries
	entries map[[2]string]*filterPolicy
}

const maxCachedFilters = 4096

func newFilterCache() *filterCache {
	return &filterCache{entries: map[[2]string]*filterPolicy{}}
}

// get returns the parsed policy; a stored policy that no longer parses (it
// was valid when set) matches nothing.
func (c *filterCache) get(doc, scope string) *filterPolicy {
	k := [2]string{scope, doc}
	c.mu.Lock()
	p, ok := c.entries[k]
	c.mu.Unlock()
	if ok {
		return p
	}
	p, err := parseFilterPolicy(doc, scope)
	if err != nil {
		p = nil
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedFilters {
		clear(c.entries)
	}
	c.entries[k] = p
	c.mu.Unlock()
	return p
}
