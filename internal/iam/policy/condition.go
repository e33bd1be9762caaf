package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition is one key of one operator of a statement's Condition element:
// {"Operator": {"Key": Values}}. Treat it as read-only.
type Condition struct {
	// Operator is the operator as written, with any set qualifier and
	// IfExists suffix, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written, e.g. "aws:SourceIp".
	Key string
	// Values are the policy's values for the key, as strings (JSON numbers and
	// booleans are kept as their literal text).
	Values []string

	op       opInfo
	set      setQualifier
	ifExists bool
	key      string // Key lowercased

	pats     []pattern      // String and Bool operators
	arns     []arnPattern   // Arn operators
	nums     []float64      // Numeric operators
	times    []time.Time    // Date operators
	prefixes []netip.Prefix // IP operators
	bins     [][]byte       // BinaryEquals
	nulls    []int8         // Null: 1 for "true", 0 for "false", -1 otherwise
	valid    []bool         // Numeric, Date, IP and Binary: whether each value parsed
}

type opFamily uint8

const (
	famString opFamily = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

type opCmp uint8

const (
	cmpEq opCmp = iota
	cmpLike
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// opInfo describes a base operator (without qualifier or IfExists).
type opInfo struct {
	fam  opFamily
	cmp  opCmp
	neg  bool // the negated form: matches when no policy value matches
	fold bool // case-insensitive string comparison
}

type setQualifier uint8

const (
	setNone setQualifier = iota
	setAny               // ForAnyValue:
	setAll               // ForAllValues:
)

// baseOperator returns what the base operator name means.
func baseOperator(name string) (opInfo, bool) {
	switch name {
	case "StringEquals":
		return opInfo{fam: famString}, true
	case "StringNotEquals":
		return opInfo{fam: famString, neg: true}, true
	case "StringEqualsIgnoreCase":
		return opInfo{fam: famString, fold: true}, true
	case "StringNotEqualsIgnoreCase":
		return opInfo{fam: famString, fold: true, neg: true}, true
	case "StringLike":
		return opInfo{fam: famString, cmp: cmpLike}, true
	case "StringNotLike":
		return opInfo{fam: famString, cmp: cmpLike, neg: true}, true
	case "NumericEquals":
		return opInfo{fam: famNumeric}, true
	case "NumericNotEquals":
		return opInfo{fam: famNumeric, neg: true}, true
	case "NumericLessThan":
		return opInfo{fam: famNumeric, cmp: cmpLt}, true
	case "NumericLessThanEquals":
		return opInfo{fam: famNumeric, cmp: cmpLe}, true
	case "NumericGreaterThan":
		return opInfo{fam: famNumeric, cmp: cmpGt}, true
	case "NumericGreaterThanEquals":
		return opInfo{fam: famNumeric, cmp: cmpGe}, true
	case "DateEquals":
		return opInfo{fam: famDate}, true
	case "DateNotEquals":
		return opInfo{fam: famDate, neg: true}, true
	case "DateLessThan":
		return opInfo{fam: famDate, cmp: cmpLt}, true
	case "DateLessThanEquals":
		return opInfo{fam: famDate, cmp: cmpLe}, true
	case "DateGreaterThan":
		return opInfo{fam: famDate, cmp: cmpGt}, true
	case "DateGreaterThanEquals":
		return opInfo{fam: famDate, cmp: cmpGe}, true
	case "Bool":
		return opInfo{fam: famBool, fold: true}, true
	case "BinaryEquals":
		return opInfo{fam: famBinary}, true
	case "IpAddress":
		return opInfo{fam: famIP}, true
	case "NotIpAddress":
		return opInfo{fam: famIP, neg: true}, true
	case "ArnEquals", "ArnLike":
		return opInfo{fam: famARN, cmp: cmpLike}, true
	case "ArnNotEquals", "ArnNotLike":
		return opInfo{fam: famARN, cmp: cmpLike, neg: true}, true
	case "Null":
		return opInfo{fam: famNull}, true
	}
	return opInfo{}, false
}

// parseOperator splits an operator as written into its set qualifier, base
// operator and IfExists suffix.
func parseOperator(name string) (opInfo, setQualifier, bool, bool) {
	set := setNone
	rest := name
	if r, ok := strings.CutPrefix(rest, "ForAnyValue:"); ok {
		set, rest = setAny, r
	} else if r, ok := strings.CutPrefix(rest, "ForAllValues:"); ok {
		set, rest = setAll, r
	}
	ifExists := false
	if r, ok := strings.CutSuffix(rest, "IfExists"); ok {
		ifExists, rest = true, r
	}
	op, ok := baseOperator(rest)
	if !ok || (ifExists && op.fam == famNull) {
		return opInfo{}, 0, false, false
	}
	return op, set, ifExists, true
}

// compile prepares the condition's values for evaluation. vars says whether
// the policy supports policy variables.
func (c *Condition) compile(vars bool) {
	c.key = strings.ToLower(c.Key)
	switch c.op.fam {
	case famString:
		for _, v := range c.Values {
			c.pats = append(c.pats, compilePattern(v, c.op.cmp == cmpLike, vars))
		}
	case famBool:
		for _, v := range c.Values {
			c.pats = append(c.pats, compilePattern(v, false, vars))
		}
	case famARN:
		for _, v := range c.Values {
			c.arns = append(c.arns, compileARNPattern(v, vars))
		}
	case famNumeric:
		for _, v := range c.Values {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			c.nums = append(c.nums, f)
			c.valid = append(c.valid, err == nil)
		}
	case famDate:
		for _, v := range c.Values {
			t, ok := parseDate(v)
			c.times = append(c.times, t)
			c.valid = append(c.valid, ok)
		}
	case famIP:
		for _, v := range c.Values {
			p, ok := parseCIDR(v)
			c.prefixes = append(c.prefixes, p)
			c.valid = append(c.valid, ok)
		}
	case famBinary:
		for _, v := range c.Values {
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			c.bins = append(c.bins, b)
			c.valid = append(c.valid, err == nil)
		}
	case famNull:
		for _, v := range c.Values {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				c.nulls = append(c.nulls, 1)
			case "false":
				c.nulls = append(c.nulls, 0)
			default:
				c.nulls = append(c.nulls, -1)
			}
		}
	}
}

// parseCIDR parses an IPv4 or IPv6 CIDR, or a bare address (a /32 or /128).
func parseCIDR(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseDate parses a date as IAM accepts it: epoch seconds, or one of the W3C
// profiles of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s]]TZD,
// with TZD "Z" or ±hh:mm; a missing zone means UTC).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isEpoch(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
	}
	var layouts []string
	switch {
	case len(s) == 4:
		layouts = []string{"2006"}
	case len(s) == 7:
		layouts = []string{"2006-01"}
	case len(s) == 10:
		layouts = []string{"2006-01-02"}
	case strings.IndexByte(s, '-') < 0:
		layouts = []string{"20060102T150405Z07:00", "20060102T150405Z0700"}
	default:
		layouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04"}
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isEpoch(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && !(i == 0 && c == '-') {
			return false
		}
	}
	return true
}

// condResult is the outcome of evaluating one condition.
type condResult struct {
	ok bool
	// missing is set when the key is not in the request context.
	missing bool
	// badVar names a policy variable that could not be resolved; the
	// statement then does not apply.
	badVar string
}

// eval evaluates the condition against ctx.
func (c *Condition) eval(ctx Context) condResult {
	cv, found := ctx.lookup(c.key)
	present := found && len(cv.Values) > 0
	if c.op.fam == famNull {
		for _, n := range c.nulls {
			if (n == 1 && !present) || (n == 0 && present) {
				return condResult{ok: true}
			}
		}
		return condResult{}
	}
	if name, bad := c.unresolved(ctx); bad {
		return condResult{missing: !present, badVar: name}
	}
	if !present {
		r := condResult{missing: true}
		switch {
		case c.ifExists:
			r.ok = true
		case c.set == setAll:
			r.ok = true
		case c.set == setAny:
			r.ok = false
		default:
			r.ok = c.op.neg
		}
		return r
	}
	switch c.set {
	case setAny:
		for _, v := range cv.Values {
			if c.matchAny(v, ctx) != c.op.neg {
				return condResult{ok: true}
			}
		}
		return condResult{}
	case setAll:
		for _, v := range cv.Values {
			if c.matchAny(v, ctx) == c.op.neg {
				return condResult{}
			}
		}
		return condResult{ok: true}
	}
	// Without a set qualifier: a positive operator needs a match for some
	// request value; a negated one needs no match for any.
	for _, v := range cv.Values {
		if c.matchAny(v, ctx) {
			return condResult{ok: !c.op.neg}
		}
	}
	return condResult{ok: c.op.neg}
}

func (c *Condition) unresolved(ctx Context) (string, bool) {
	for i := range c.pats {
		if name, bad := c.pats[i].unresolved(ctx); bad {
			return name, true
		}
	}
	for i := range c.arns {
		if name, bad := c.arns[i].unresolved(ctx); bad {
			return name, true
		}
	}
	return "", false
}

// matchAny reports whether the request value v matches any of the policy's
// values under the positive form of the operator.
func (c *Condition) matchAny(v string, ctx Context) bool {
	switch c.op.fam {
	case famString, famBool:
		for i := range c.pats {
			if c.pats[i].match(v, c.op.fold, ctx) {
				return true
			}
		}
	case famARN:
		for i := range c.arns {
			if c.arns[i].match(v, ctx) {
				return true
			}
		}
	case famNumeric:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return false
		}
		for i, n := range c.nums {
			if c.valid[i] && compare(c.op.cmp, cmpFloat(f, n)) {
				return true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for i, pt := range c.times {
			if c.valid[i] && compare(c.op.cmp, t.Compare(pt)) {
				return true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return false
		}
		a = a.Unmap()
		for i, p := range c.prefixes {
			if c.valid[i] && p.Contains(a) {
				return true
			}
		}
	case famBinary:
		var buf [256]byte
		s := strings.TrimSpace(v)
		var b []byte
		if base64.StdEncoding.DecodedLen(len(s)) <= len(buf) {
			n, err := base64.StdEncoding.Decode(buf[:], []byte(s))
			if err != nil {
				return false
			}
			b = buf[:n]
		} else {
			var err error
			if b, err = base64.StdEncoding.DecodeString(s); err != nil {
				return false
			}
		}
		for i, pb := range c.bins {
			if c.valid[i] && bytes.Equal(b, pb) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return 2 // NaN: matches nothing
}

// compare reports whether the result of comparing a request value with a
// policy value (-1, 0, 1) satisfies the operator.
func compare(op opCmp, c int) bool {
	switch op {
	case cmpEq:
		return c == 0
	case cmpLt:
		return c == -1
	case cmpLe:
		return c == -1 || c == 0
	case cmpGt:
		return c == 1
	case cmpGe:
		return c == 1 || c == 0
	}
	return false
}
