package sigv4

import (
	"net/http"
	"strings"
)

// The query parameters of a presigned request.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
)

// Scope is the credential scope a request claims: who signed it, on which day, for
// which region and service.
type Scope struct {
	AccessKeyID string
	// Date is the scope's day, YYYYMMDD.
	Date    string
	Region  string
	Service string
}

// ParseScope returns the credential scope of r's SigV4 authentication, from the
// Authorization header or else the X-Amz-Credential query parameter, without
// verifying anything. It reports false when r carries no well-formed SigV4 scope.
// Routers use it to pick the service before authenticating.
func ParseScope(r *http.Request) (Scope, bool) {
	a := parseAuth(r)
	if a.mode == modeNone || a.credential == "" {
		return Scope{}, false
	}
	s, term, ok := splitCredential(a.credential)
	return s, ok && term == terminator && s.AccessKeyID != "" && s.Region != "" && s.Service != ""
}

// splitCredential splits AKID/date/region/service/terminator.
func splitCredential(c string) (s Scope, term string, ok bool) {
	parts := [5]string{}
	for i := range parts {
		var found bool
		parts[i], c, found = strings.Cut(c, "/")
		if found != (i < 4) {
			return Scope{}, "", false
		}
	}
	return Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, parts[4], true
}

type authMode uint8

const (
	modeNone authMode = iota
	modeHeader
	modeQuery
)

// auth is the SigV4 authentication data of a request, not yet checked.
type auth struct {
	mode authMode
	// header is the Authorization header, for messages.
	header        string
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	// date is X-Amz-Date, or the Date header in header mode; dateFromHeader says
	// which.
	date           string
	dateFromHeader bool
	expires        string
	hasExpires     bool
	token          string
	// badPair is the first Authorization piece that is not key=value.
	badPair string
	// path and rawQuery are the request target as sent; query is rawQuery split,
	// filled in query mode only.
	path     string
	rawQuery string
	query    []queryParam
}

// parseAuth extracts r's SigV4 authentication data. The Authorization header wins
// over query parameters: in header mode the query is just part of what is signed.
func parseAuth(r *http.Request) auth {
	var a auth
	a.path, a.rawQuery = requestTarget(r)
	if h := r.Header["Authorization"]; len(h) > 0 {
		a.mode = modeHeader
		a.header = h[0]
		a.parseHeader(h[0])
		if v := r.Header["X-Amz-Date"]; len(v) > 0 {
			a.date = v[0]
		} else if v := r.Header["Date"]; len(v) > 0 {
			a.date, a.dateFromHeader = v[0], true
		}
		if v := r.Header["X-Amz-Security-Token"]; len(v) > 0 {
			a.token = v[0]
		}
		return a
	}
	a.query = splitQuery(a.rawQuery)
	for _, p := range a.query {
		if !strings.HasPrefix(p.key, "X-Amz-") && strings.IndexByte(p.key, '%') < 0 {
			continue
		}
		switch decodeQueryComponent(p.key) {
		case paramAlgorithm:
			a.algorithm, a.mode = decodeQueryComponent(p.value), modeQuery
		case paramCredential:
			a.credential, a.mode = decodeQueryComponent(p.value), modeQuery
		case paramSignature:
			a.signature, a.mode = decodeQueryComponent(p.value), modeQuery
		case paramDate:
			a.date = decodeQueryComponent(p.value)
		case paramSignedHeaders:
			a.signedHeaders = decodeQueryComponent(p.value)
		case paramExpires:
			a.expires, a.hasExpires = decodeQueryComponent(p.value), true
		case paramSecurityToken:
			a.token = decodeQueryComponent(p.value)
		}
	}
	if a.mode == modeQuery && a.token == "" {
		if v := r.Header["X-Amz-Security-Token"]; len(v) > 0 {
			a.token = v[0]
		}
	}
	return a
}

// parseHeader reads "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
// Pieces may be separated by commas, spaces or both.
func (a *auth) parseHeader(h string) {
	h = strings.TrimLeft(h, " ")
	alg, rest, _ := strings.Cut(h, " ")
	a.algorithm = alg
	for rest != "" {
		i := strings.IndexAny(rest, ", \t")
		var piece string
		if i < 0 {
			piece, rest = rest, ""
		} else {
			piece, rest = rest[:i], rest[i+1:]
		}
		if piece == "" {
			continue
		}
		k, v, ok := strings.Cut(piece, "=")
		if !ok {
			if a.badPair == "" {
				a.badPair = piece
			}
			continue
		}
		switch k {
		case "Credential":
			a.credential = v
		case "SignedHeaders":
			a.signedHeaders = v
		case "Signature":
			a.signature = v
		}
	}
}
