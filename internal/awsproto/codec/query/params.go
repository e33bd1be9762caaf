package query

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// formMediaType is the only body media type that carries query parameters.
const formMediaType = "application/x-www-form-urlencoded"

// params are a request's query parameters: at most one value per name.
type params map[string]string

// readParams collects the parameters of r: its URL query string and, for a POST
// with a form (or no) content type, its body. A name given twice with different
// values, a malformed escape or a name or value that is not UTF-8 is a
// MalformedQueryString error.
func readParams(r *http.Request, body []byte) (params, error) {
	p := params{}
	if err := p.add(r.URL.RawQuery); err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost && len(body) > 0 && isForm(r.Header.Get("Content-Type")) {
		if err := p.add(string(body)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// isForm reports whether a Content-Type header announces a form body. A missing
// header counts as a form, as AWS accepts bodies from clients that omit it.
func isForm(contentType string) bool {
	if strings.TrimSpace(contentType) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && strings.EqualFold(mt, formMediaType)
}

// add parses an application/x-www-form-urlencoded string into p.
func (p params) add(raw string) error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return malformed("invalid escape in parameter name %q", truncate(k))
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return malformed("invalid escape in the value of parameter %q", truncate(key))
		}
		if !utf8.ValidString(key) || !utf8.ValidString(val) {
			return malformed("parameter %q is not valid UTF-8", truncate(strings.ToValidUTF8(key, "\uFFFD")))
		}
		if key == "" {
			continue
		}
		if old, dup := p[key]; dup && old != val {
			return malformed("parameter %q is given more than once", truncate(key))
		}
		p[key] = val
	}
	return nil
}

// truncate keeps client-supplied names short in error messages.
func truncate(s string) string {
	const max = 128
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return s[:max] + "..."
}

func malformed(format string, args ...any) *awserr.Error {
	return awserr.New("MalformedQueryString", http.StatusBadRequest, format, args...)
}

// node is one segment of the dotted parameter names, e.g. for Tags.member.1.Key
// the root has child "Tags", which has child "member", and so on.
type node struct {
	value    string
	hasValue bool
	children map[string]*node
}

// tree arranges p by the dots in its names.
func (p params) tree() *node {
	root := &node{}
	for name, v := range p {
		n := root
		for seg := range strings.SplitSeq(name, ".") {
			c := n.children[seg]
			if c == nil {
				if n.children == nil {
					n.children = map[string]*node{}
				}
				c = &node{}
				n.children[seg] = c
			}
			n = c
		}
		n.value, n.hasValue = v, true
	}
	return root
}

func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	return n.children[name]
}
