package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// unsignedHeader reports whether Sign leaves a header out of signatures: it is
// hop-by-hop, rewritten by proxies and transports, or the signature itself (the Go
// SDK and botocore leave out the same).
func unsignedHeader(lowerName string) bool {
	switch lowerName {
	case "authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding":
		return true
	}
	return false
}

// Sign signs r in place with an Authorization header, as of t, for region and
// service. It sets X-Amz-Date, sets X-Amz-Security-Token to cred.SessionToken (or
// removes it), and signs every header r carries except User-Agent, Expect,
// Transfer-Encoding, X-Amzn-Trace-Id and invalid header names. body is r's whole
// body; r.Body is not read.
//
// If r has an X-Amz-Content-Sha256 header it is the payload hash, and must be
// UNSIGNED-PAYLOAD or the hex SHA-256 of body; otherwise the body is hashed.
func Sign(r *http.Request, body []byte, cred Credential, region, service string, t time.Time) error {
	_, err := sign(r, body, cred, region, service, t, pathStyleFor(service))
	return err
}

// Presign signs r in place in the query string, as of t, valid for expires (a whole
// number of seconds, at most a week). It adds the X-Amz-* parameters (replacing any
// already there), removes the Authorization header, and signs every header r carries
// as Sign does, with the body hash as payload hash except for "s3", whose presigned
// requests use UNSIGNED-PAYLOAD.
func Presign(r *http.Request, body []byte, cred Credential, region, service string, t time.Time, expires time.Duration) error {
	_, err := presign(r, body, cred, region, service, t, expires, pathStyleFor(service))
	return err
}

func pathStyleFor(service string) pathStyle {
	if service == "s3" {
		return pathRaw
	}
	return pathClean
}

// signed is what signing computed, kept for tests.
type signed struct {
	canonical    []byte
	stringToSign []byte
	signature    string
}

func sign(r *http.Request, body []byte, cred Credential, region, service string, t time.Time, style pathStyle) (signed, error) {
	t = t.UTC()
	amzDate := t.Format(timeFormat)
	ph, err := signingPayloadHash(r.Header, body)
	if err != nil {
		return signed{}, err
	}
	if ph == "" {
		ph = payloadHash(body)
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Del("Authorization")
	r.Header.Set("X-Amz-Date", amzDate)
	if cred.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", cred.SessionToken)
	} else {
		r.Header.Del("X-Amz-Security-Token")
	}
	path, rawQuery := requestTarget(r)
	m := message{
		method: r.Method, path: path, query: splitQuery(rawQuery), header: r.Header,
		host: requestHost(r), contentLength: r.ContentLength,
		signedHeaders: headersToSign(r), payloadHash: ph,
		style: style, encodePath: service != "s3",
	}
	s := compute(&m, cred.SecretAccessKey, amzDate, region, service)
	auth := []byte(Algorithm + " Credential=" + cred.AccessKeyID + "/")
	auth = appendScope(auth, amzDate[:8], region, service)
	auth = append(append(auth, ", SignedHeaders="...), m.signedHeaders...)
	auth = append(append(auth, ", Signature="...), s.signature...)
	r.Header.Set("Authorization", string(auth))
	return s, nil
}

func presign(r *http.Request, body []byte, cred Credential, region, service string, t time.Time, expires time.Duration, style pathStyle) (signed, error) {
	if expires < time.Second || expires > maxPresignExpiry || expires%time.Second != 0 {
		return signed{}, fmt.Errorf("presign: expiry %v is not a whole number of seconds between 1s and a week", expires)
	}
	t = t.UTC()
	amzDate := t.Format(timeFormat)
	ph, err := signingPayloadHash(r.Header, body)
	if err != nil {
		return signed{}, err
	}
	if ph == "" {
		ph = payloadHash(body)
		if service == "s3" {
			ph = UnsignedPayload
		}
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Del("Authorization")
	signedHeaders := headersToSign(r)

	path, rawQuery := requestTarget(r)
	var q []byte
	for _, p := range splitQuery(rawQuery) {
		switch decodeQueryComponent(p.key) {
		case paramAlgorithm, paramCredential, paramDate, paramExpires, paramSignedHeaders, paramSignature, paramSecurityToken:
			continue
		}
		q = appendParam(q, p.key, p.value)
	}
	q = appendParam(q, paramAlgorithm, Algorithm)
	q = appendParam(q, paramCredential, string(appendEncoded(nil, cred.AccessKeyID+"/"+string(appendScope(nil, amzDate[:8], region, service)), false)))
	q = appendParam(q, paramDate, amzDate)
	q = appendParam(q, paramExpires, strconv.FormatInt(int64(expires/time.Second), 10))
	q = appendParam(q, paramSignedHeaders, string(appendEncoded(nil, signedHeaders, false)))
	if cred.SessionToken != "" {
		q = appendParam(q, paramSecurityToken, string(appendEncoded(nil, cred.SessionToken, false)))
	}

	m := message{
		method: r.Method, path: path, query: splitQuery(string(q)), header: r.Header,
		host: requestHost(r), contentLength: r.ContentLength,
		signedHeaders: signedHeaders, payloadHash: ph,
		style: style, encodePath: service != "s3",
	}
	s := compute(&m, cred.SecretAccessKey, amzDate, region, service)
	q = appendParam(q, paramSignature, s.signature)
	setRawQuery(r, path, string(q))
	return s, nil
}

// compute signs m.
func compute(m *message, secret, amzDate, region, service string) signed {
	canonical := appendCanonicalRequest(make([]byte, 0, 1024), m, nil)
	sts := appendStringToSign(nil, amzDate, region, service, canonical)
	sg := newSigner()
	sg.deriveKey(secret, amzDate[:8], region, service)
	sig := sg.signature(sts)
	return signed{canonical: canonical, stringToSign: sts, signature: string(sig[:])}
}

// signingPayloadHash returns X-Amz-Content-Sha256 if h has it, checked as Verify
// will check it, or "".
func signingPayloadHash(h http.Header, body []byte) (string, error) {
	ph, aerr := verifiedPayloadHash(h, body)
	if aerr != nil {
		return "", errors.New("sign: x-amz-content-sha256 is neither UNSIGNED-PAYLOAD nor the sha-256 of the body")
	}
	return ph, nil
}

// headersToSign returns the sorted, ';'-joined lower-case names of r's headers that
// a signature covers, host included.
func headersToSign(r *http.Request) string {
	names := make([]string, 0, len(r.Header)+2)
	names = append(names, "host")
	for k := range r.Header {
		lk := strings.ToLower(k)
		if lk != "host" && !unsignedHeader(lk) && isToken(lk) {
			names = append(names, lk)
		}
	}
	if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength > 0 {
		names = append(names, "content-length")
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), ";")
}

// isToken reports whether s is a valid header name (an RFC 9110 token). Others
// cannot be sent, and could not be listed in SignedHeaders unambiguously.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+^`|", rune(c)) {
			return false
		}
	}
	return true
}

// appendParam appends key=value (both already encoded) to a raw query.
func appendParam(q []byte, key, value string) []byte {
	if len(q) > 0 {
		q = append(q, '&')
	}
	q = append(q, key...)
	q = append(q, '=')
	return append(q, value...)
}

// setRawQuery replaces r's query string, in the URL and, for a request a server
// received, in RequestURI.
func setRawQuery(r *http.Request, path, rawQuery string) {
	if r.URL != nil {
		r.URL.RawQuery = rawQuery
		r.URL.ForceQuery = false
	}
	if r.RequestURI != "" {
		r.RequestURI = path + "?" + rawQuery
	}
}
