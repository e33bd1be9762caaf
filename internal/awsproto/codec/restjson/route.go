package restjson

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// routes are a service's operations compiled from their requestUri templates.
type routes struct {
	all []*route
	// byOp finds an operation's route again to read its labels.
	byOp map[*model.Operation]*route
}

type route struct {
	op     *model.Operation
	method string
	segs   []segment
	greedy int // index of the greedy segment, or -1
	// query are the literal query parameters of the template ("?versions",
	// "?find=LayerVersion"); a request must carry them.
	query []queryLiteral
	// literals counts literal path segments, the first measure of specificity.
	literals int
}

// segment is one path segment of a template: literal text, or a label with
// optional literal text around it ("{Name}", "{Key+}", "v{Version}").
type segment struct {
	literal        string // set for literal segments
	label          string // label name, without '+'
	prefix, suffix string // literal text around the label
	greedy         bool
}

type queryLiteral struct {
	key, value string
	anyValue   bool
}

func compileRoutes(svc *model.Service) *routes {
	rs := &routes{byOp: map[*model.Operation]*route{}}
	names := make([]string, 0, len(svc.Operations))
	for n := range svc.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		op := svc.Operations[n]
		r := compileRoute(op)
		rs.all = append(rs.all, r)
		rs.byOp[op] = r
	}
	return rs
}

func compileRoute(op *model.Operation) *route {
	method := op.Method
	if method == "" {
		method = http.MethodPost
	}
	r := &route{op: op, method: method, greedy: -1}
	path, rawQuery, _ := strings.Cut(op.RequestURI, "?")
	for _, s := range splitPath(path) {
		seg := segment{literal: s}
		if open := strings.IndexByte(s, '{'); open >= 0 {
			if end := strings.IndexByte(s[open:], '}'); end > 0 {
				name := s[open+1 : open+end]
				seg = segment{prefix: s[:open], suffix: s[open+end+1:], label: strings.TrimSuffix(name, "+"), greedy: strings.HasSuffix(name, "+")}
			}
		}
		if seg.label == "" {
			r.literals++
		}
		if seg.greedy {
			r.greedy = len(r.segs)
		}
		r.segs = append(r.segs, seg)
	}
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, hasValue := strings.Cut(part, "=")
		r.query = append(r.query, queryLiteral{key: k, value: v, anyValue: !hasValue})
	}
	return r
}

// splitPath splits a path into segments, ignoring leading and trailing slashes.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match reports whether a request with the given escaped path segments and query
// fits r, and returns the label values (unescaped).
func (r *route) match(segs []string, q url.Values) (map[string]string, bool) {
	n := len(r.segs)
	if r.greedy < 0 && len(segs) != n || r.greedy >= 0 && len(segs) < n {
		return nil, false
	}
	for _, ql := range r.query {
		vs, ok := q[ql.key]
		if !ok || !ql.anyValue && (len(vs) == 0 || vs[0] != ql.value) {
			return nil, false
		}
	}
	labels := map[string]string{}
	matchOne := func(seg segment, raw string) bool {
		v, err := url.PathUnescape(raw)
		if err != nil {
			return false
		}
		if seg.label == "" {
			return v == seg.literal
		}
		if !strings.HasPrefix(v, seg.prefix) || !strings.HasSuffix(v, seg.suffix) || len(v) <= len(seg.prefix)+len(seg.suffix) {
			return false
		}
		labels[seg.label] = v[len(seg.prefix) : len(v)-len(seg.suffix)]
		return true
	}
	if r.greedy < 0 {
		for i, seg := range r.segs {
			if !matchOne(seg, segs[i]) {
				return nil, false
			}
		}
		return labels, true
	}
	g := r.greedy
	tail := n - g - 1
	for i := 0; i < g; i++ {
		if !matchOne(r.segs[i], segs[i]) {
			return nil, false
		}
	}
	for i := 0; i < tail; i++ {
		if !matchOne(r.segs[g+1+i], segs[len(segs)-tail+i]) {
			return nil, false
		}
	}
	if !matchOne(r.segs[g], strings.Join(segs[g:len(segs)-tail], "/")) {
		return nil, false
	}
	return labels, true
}

// moreSpecific reports whether a should win over b when both match: more literal
// segments, then no greedy label, then more literal query parameters, then more
// segments.
func moreSpecific(a, b *route) bool {
	if a.literals != b.literals {
		return a.literals > b.literals
	}
	if (a.greedy < 0) != (b.greedy < 0) {
		return a.greedy < 0
	}
	if len(a.query) != len(b.query) {
		return len(a.query) > len(b.query)
	}
	return len(a.segs) > len(b.segs)
}

// find returns the most specific route of method that fits the request, or nil.
func (rs *routes) find(method string, segs []string, q url.Values) *route {
	var best *route
	for _, r := range rs.all {
		if r.method != method {
			continue
		}
		if _, ok := r.match(segs, q); ok && (best == nil || moreSpecific(r, best)) {
			best = r
		}
	}
	return best
}
