package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	// Algorithm is the only signing algorithm this package speaks.
	Algorithm = "AWS4-HMAC-SHA256"
	// UnsignedPayload is the X-Amz-Content-Sha256 value that leaves the body out of
	// the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"

	terminator = "aws4_request"
	timeFormat = "20060102T150405Z"
	// emptySHA256 is the hex SHA-256 of no bytes.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// pathStyle says how the path as sent becomes the canonical URI.
type pathStyle uint8

const (
	// pathClean removes "." and ".." segments and empty segments ("//"): what AWS
	// documents and the official test suite expects.
	pathClean pathStyle = iota
	// pathDots removes only "." and ".." segments (RFC 3986 5.2.4), as botocore does.
	pathDots
	// pathRaw keeps the path as sent, as the Go SDK v2 does.
	pathRaw
)

// message is the part of an HTTP request a signature covers, as the canonicalizer
// sees it.
type message struct {
	method string
	// path is the request path as sent, still percent-encoded; never empty.
	path string
	// query holds the query string's parameters as sent, still encoded.
	query  []queryParam
	header http.Header
	host   string
	// contentLength stands in for a Content-Length header that is not in header
	// (client-side requests keep it in http.Request.ContentLength).
	contentLength int64
	// signedHeaders is the SignedHeaders list exactly as it appears in the
	// signature: lower-case names joined by ';'.
	signedHeaders string
	payloadHash   string
	// style and encodePath say how path becomes the canonical URI.
	style      pathStyle
	encodePath bool
}

// queryParam is one key=value piece of a query string, still encoded.
type queryParam struct{ key, value string }

// splitQuery splits a raw query string into its pieces, skipping empty ones.
func splitQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	ps := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		ps = append(ps, queryParam{k, v})
	}
	return ps
}

// requestTarget returns the path and raw query of r as they were (or will be) sent:
// RequestURI for a request a server received, the URL for one a client builds.
func requestTarget(r *http.Request) (path, query string) {
	t := r.RequestURI
	if t == "" && r.URL != nil {
		t = r.URL.RequestURI()
	}
	if t != "" && t[0] != '/' {
		// Absolute form, "http://host/path?q", as sent to proxies.
		if _, rest, ok := strings.Cut(t, "://"); ok {
			if i := strings.IndexAny(rest, "/?"); i >= 0 {
				t = rest[i:]
			} else {
				t = "/"
			}
		}
	}
	path, query, _ = strings.Cut(t, "?")
	if path == "" {
		path = "/"
	}
	return path, query
}

// requestHost returns the host a request is (or was) sent to.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

// appendCanonicalRequest appends m's canonical request to dst, leaving out the query
// parameters omit reports true for (by encoded key).
func appendCanonicalRequest(dst []byte, m *message, omit func(encodedKey []byte) bool) []byte {
	dst = append(dst, m.method...)
	dst = append(dst, '\n')
	dst = appendCanonicalPath(dst, m.path, m.style, m.encodePath)
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, m.query, omit)
	dst = append(dst, '\n')
	for names := m.signedHeaders; names != ""; {
		var name string
		name, names, _ = strings.Cut(names, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, m, name)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = append(dst, m.signedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, m.payloadHash...)
	return dst
}

// appendCanonicalPath appends the canonical URI of path (as sent) to dst.
func appendCanonicalPath(dst []byte, path string, style pathStyle, encode bool) []byte {
	if path == "" {
		return append(dst, '/')
	}
	if style == pathRaw || !needsNormalizing(path) {
		if !encode {
			return append(dst, path...)
		}
		if path[0] != '/' {
			dst = append(dst, '/')
		}
		return appendEncoded(dst, path, true)
	}
	base := len(dst)
	// starts[i] is where the i-th segment written so far begins in dst, so ".." can
	// drop it again.
	starts := make([]int, 0, 16)
	rest := strings.TrimPrefix(path, "/")
	last := ""
	for {
		seg, more, found := strings.Cut(rest, "/")
		last = seg
		switch {
		case seg == ".":
		case seg == "..":
			if n := len(starts); n > 0 {
				dst = dst[:starts[n-1]]
				starts = starts[:n-1]
			}
		case seg == "" && (style == pathClean || !found):
			// pathClean drops empty segments; a trailing one is the trailing
			// slash, written below.
		default:
			starts = append(starts, len(dst))
			dst = append(dst, '/')
			if encode {
				dst = appendEncoded(dst, seg, false)
			} else {
				dst = append(dst, seg...)
			}
		}
		if !found {
			break
		}
		rest = more
	}
	if len(dst) == base {
		return append(dst, '/')
	}
	if last == "" || last == "." || last == ".." {
		dst = append(dst, '/')
	}
	return dst
}

// needsNormalizing reports whether path has dot segments or empty segments, or does
// not start with '/'.
func needsNormalizing(path string) bool {
	if path == "" || path[0] != '/' || strings.Contains(path, "//") {
		return true
	}
	for i := strings.Index(path, "/."); i >= 0 && i < len(path); i++ {
		if path[i] != '/' {
			continue
		}
		next := path[i+1:]
		if next == "." || next == ".." || strings.HasPrefix(next, "./") || strings.HasPrefix(next, "../") {
			return true
		}
	}
	return false
}

// isUnreserved reports whether RFC 3986 leaves c unencoded: A-Z a-z 0-9 - . _ ~.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendEncoded appends s URI-encoded the AWS way: every byte but the unreserved
// ones (and '/' when keepSlash) as %XX with upper-case hex.
func appendEncoded(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// appendQueryComponent appends a query key or value, as sent, in canonical form:
// decoded ('+' is a space; a '%' not followed by two hex digits stands for itself)
// and encoded again.
func appendQueryComponent(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		case c == '+':
			c = ' '
		}
		if isUnreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// decodeQueryComponent decodes a query key or value as sent.
func decodeQueryComponent(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		case c == '+':
			c = ' '
		}
		b = append(b, c)
	}
	return string(b)
}

// appendCanonicalQuery appends the canonical query string of ps to dst.
func appendCanonicalQuery(dst []byte, ps []queryParam, omit func(encodedKey []byte) bool) []byte {
	if len(ps) == 0 {
		return dst
	}
	// Encode every key and value once into enc; spans index into it.
	type span struct{ k0, k1, v0, v1 int }
	enc := make([]byte, 0, 2*len(ps)*16)
	spans := make([]span, 0, len(ps))
	for _, p := range ps {
		var s span
		s.k0 = len(enc)
		enc = appendQueryComponent(enc, p.key)
		s.k1 = len(enc)
		if omit != nil && omit(enc[s.k0:s.k1]) {
			enc = enc[:s.k0]
			continue
		}
		s.v0 = s.k1
		enc = appendQueryComponent(enc, p.value)
		s.v1 = len(enc)
		spans = append(spans, s)
	}
	slices.SortFunc(spans, func(a, b span) int {
		if c := bytes.Compare(enc[a.k0:a.k1], enc[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.v0:a.v1], enc[b.v0:b.v1])
	})
	for i, s := range spans {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, enc[s.k0:s.k1]...)
		dst = append(dst, '=')
		dst = append(dst, enc[s.v0:s.v1]...)
	}
	return dst
}

// appendHeaderValue appends the canonical value of the header name (lower case) to
// dst: each value trimmed, runs of spaces folded, values joined by ','.
func appendHeaderValue(dst []byte, m *message, name string) []byte {
	switch name {
	case "host":
		return appendTrimmed(dst, m.host)
	case "content-length":
		if _, ok := m.header["Content-Length"]; !ok {
			if m.contentLength > 0 {
				return strconv.AppendInt(dst, m.contentLength, 10)
			}
			return dst
		}
	}
	for i, v := range headerValues(m.header, name) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmed(dst, v)
	}
	return dst
}

// headerValues returns the values of the header name, in any case, from h.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		k := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendTrimmed appends v without leading and trailing spaces and tabs and with
// runs of spaces folded to one.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// appendStringToSign appends the string to sign for a canonical request to dst.
func appendStringToSign(dst []byte, amzDate, region, service string, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = appendScope(dst, amzDate[:8], region, service)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}

// appendScope appends date/region/service/aws4_request to dst.
func appendScope(dst []byte, date, region, service string) []byte {
	dst = append(dst, date...)
	dst = append(dst, '/')
	dst = append(dst, region...)
	dst = append(dst, '/')
	dst = append(dst, service...)
	dst = append(dst, '/')
	return append(dst, terminator...)
}

// signer computes SigV4 signatures. Its HMAC-SHA256 (RFC 2104) reuses one SHA-256
// state: crypto/hmac allocates two states and two pads per key, and a signature
// takes five keys, which made key derivation most of Verify's cost.
type signer struct {
	h   hash.Hash
	pad [sha256.BlockSize]byte
	sum [sha256.Size]byte
	key [sha256.Size]byte
}

func newSigner() *signer { return &signer{h: sha256.New()} }

// hmac appends HMAC-SHA256(key, data) to dst. key is fully read before dst is
// written, so they may share memory.
func (s *signer) hmac(dst, key, data []byte) []byte {
	if len(key) > sha256.BlockSize {
		s.h.Reset()
		s.h.Write(key)
		key = s.h.Sum(s.sum[:0])
	}
	s.pad = [sha256.BlockSize]byte{}
	copy(s.pad[:], key)
	for i := range s.pad {
		s.pad[i] ^= 0x36
	}
	s.h.Reset()
	s.h.Write(s.pad[:])
	s.h.Write(data)
	inner := s.h.Sum(s.sum[:0])
	for i := range s.pad {
		s.pad[i] ^= 0x36 ^ 0x5c
	}
	s.h.Reset()
	s.h.Write(s.pad[:])
	s.h.Write(inner)
	return s.h.Sum(dst)
}

// deriveKey sets the signing key for one day, region and service from a secret.
func (s *signer) deriveKey(secret, date, region, service string) {
	var buf [64]byte
	k := append(append(buf[:0], "AWS4"...), secret...)
	var part [64]byte
	for _, p := range [...]string{date, region, service, terminator} {
		k = s.hmac(k[:0], k, append(part[:0], p...))
	}
	copy(s.key[:], k)
}

// signature returns the hex HMAC of stringToSign under the derived key.
func (s *signer) signature(stringToSign []byte) [64]byte {
	var out [64]byte
	var sum [sha256.Size]byte
	hex.Encode(out[:], s.hmac(sum[:0], s.key[:], stringToSign))
	return out
}

// payloadHash returns the hex SHA-256 of body.
func payloadHash(body []byte) string {
	if len(body) == 0 {
		return emptySHA256
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}
