package sigv4

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// ErrUnknownAccessKey is what VerifyOptions.Lookup returns for an access key id it
// does not know.
var ErrUnknownAccessKey = errors.New("unknown access key id")

// DefaultMaxSkew is how far a request's signing time may be from the server's clock.
const DefaultMaxSkew = 15 * time.Minute

// maxPresignExpiry is the longest X-Amz-Expires AWS accepts: a week.
const maxPresignExpiry = 7 * 24 * time.Hour

// Credential is a secret access key and, for temporary credentials, the session
// token that must accompany it.
type Credential struct {
	// AccessKeyID names the key. Sign and Presign use it; Verify ignores it (the
	// request names the key).
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, if set, must be presented with every request signed with the
	// key (X-Amz-Security-Token).
	SessionToken string
	// Expires is when the credential stops working; zero means never.
	Expires time.Time
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Lookup returns the credential for an access key id, ErrUnknownAccessKey
	// (possibly wrapped) for a key it does not know, or another error if it cannot
	// tell. It must be set.
	Lookup func(accessKeyID string) (Credential, error)
	// MaxSkew is how far the signing time may be from Now; zero means
	// DefaultMaxSkew.
	MaxSkew time.Duration
	// Service, if set, is the signing name the credential scope must name (the
	// router already knows which service it is serving).
	Service string
}

// Result describes a request whose signature verified.
type Result struct {
	AccessKeyID string
	Region      string
	Service     string
	// Time is when the request was signed.
	Time time.Time
	// SignedHeaders are the lower-case names of the headers the signature covers.
	SignedHeaders []string
	// Presigned reports that the signature came in the query string.
	Presigned bool
	// SessionToken is the token the request presented, if any.
	SessionToken string
	// UnsignedPayload reports that the body is not covered by the signature
	// (X-Amz-Content-Sha256: UNSIGNED-PAYLOAD).
	UnsignedPayload bool
}

// Verify checks the SigV4 signature of r, whose whole body is body (r.Body is not
// read). r must be as the server received it: its RequestURI (for a request built
// by a client, its URL) is what was signed, so handlers that rewrite r.URL must
// verify first. An Authorization header takes precedence over presigning query
// parameters. Verify is safe for concurrent use. It returns an *awserr.Error with one of the codes in the package
// documentation when the request is not authentic, or a wrapped Lookup error when
// Lookup fails with something other than ErrUnknownAccessKey.
func Verify(r *http.Request, body []byte, opts VerifyOptions) (*Result, error) {
	a := parseAuth(r)
	if a.mode == modeNone {
		return nil, MissingAuthenticationToken()
	}
	if err := a.checkComplete(); err != nil {
		return nil, err
	}
	t, amzDate, err := a.signingTime()
	if err != nil {
		return nil, err
	}
	scope, term, ok := splitCredential(a.credential)
	if !ok {
		return nil, IncompleteSignature(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", a.credential))
	}

	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	skew := opts.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if err := a.checkTime(t, now, skew); err != nil {
		return nil, err
	}
	if err := checkScope(scope, term, amzDate, opts.Service); err != nil {
		return nil, err
	}
	if !hasName(a.signedHeaders, "host") {
		return nil, signatureError("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}

	cred, err := opts.Lookup(scope.AccessKeyID)
	if errors.Is(err, ErrUnknownAccessKey) {
		return nil, InvalidClientTokenID()
	}
	if err != nil {
		return nil, fmt.Errorf("look up access key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(a.token), []byte(cred.SessionToken)) != 1 {
		return nil, InvalidClientTokenID()
	}
	if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		return nil, ExpiredToken()
	}

	ph, aerr := verifiedPayloadHash(r.Header, body)
	if aerr != nil {
		return nil, aerr
	}
	if ph == "" {
		ph = payloadHash(body)
		if a.mode == modeQuery && scope.Service == "s3" {
			ph = UnsignedPayload
		}
	}
	if a.mode == modeHeader {
		a.query = splitQuery(a.rawQuery)
	}
	m := message{
		method: r.Method, path: a.path, query: a.query, header: r.Header,
		host: requestHost(r), contentLength: r.ContentLength,
		signedHeaders: a.signedHeaders, payloadHash: ph,
	}
	if !matches(&m, &a, cred.SecretAccessKey, scope, amzDate) {
		return nil, SignatureDoesNotMatch()
	}
	return &Result{
		AccessKeyID: scope.AccessKeyID, Region: scope.Region, Service: scope.Service,
		Time: t, SignedHeaders: strings.Split(a.signedHeaders, ";"),
		Presigned: a.mode == modeQuery, SessionToken: a.token,
		UnsignedPayload: ph == UnsignedPayload,
	}, nil
}

// matches reports whether a's signature is one of the signatures of m under the
// ways real clients canonicalize it, the documented way first.
func matches(m *message, a *auth, secret string, scope Scope, amzDate string) bool {
	sg := newSigner()
	sg.deriveKey(secret, scope.Date, scope.Region, scope.Service)
	want := []byte(a.signature)

	styles := []pathStyle{pathClean}
	m.encodePath = scope.Service != "s3"
	if !m.encodePath {
		styles[0] = pathRaw
	} else if needsNormalizing(m.path) {
		styles = append(styles, pathDots, pathRaw)
	}
	omits := []func([]byte) bool{nil}
	if a.mode == modeQuery {
		omits[0] = omitSignature
		if a.token != "" {
			// The token may have been added after signing.
			omits = append(omits, omitSignatureAndToken)
		}
	}

	buf := make([]byte, 0, 1024)
	var stsBuf [256]byte
	for _, omit := range omits {
		for _, style := range styles {
			m.style = style
			buf = appendCanonicalRequest(buf[:0], m, omit)
			sts := appendStringToSign(stsBuf[:0], amzDate, scope.Region, scope.Service, buf)
			got := sg.signature(sts)
			if subtle.ConstantTimeCompare(got[:], want) == 1 {
				return true
			}
		}
	}
	return false
}

func omitSignature(k []byte) bool { return string(k) == paramSignature }

func omitSignatureAndToken(k []byte) bool {
	return string(k) == paramSignature || string(k) == paramSecurityToken
}

// checkComplete reports missing or malformed parts of the authentication data.
func (a *auth) checkComplete() error {
	if a.mode == modeQuery {
		if a.algorithm == "" || a.credential == "" || a.signature == "" || a.date == "" || a.signedHeaders == "" {
			return IncompleteSignature("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.")
		}
		if a.algorithm != Algorithm {
			return IncompleteSignature(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", a.algorithm))
		}
		return nil
	}
	sigv4 := a.algorithm == Algorithm
	if !sigv4 && strings.HasPrefix(a.algorithm, "AWS4-") {
		return IncompleteSignature(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", a.algorithm))
	}
	if sigv4 && a.badPair != "" {
		return IncompleteSignature(fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", a.badPair, a.header))
	}
	var msg strings.Builder
	if !sigv4 || a.credential == "" {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if !sigv4 || a.signature == "" {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !sigv4 || a.signedHeaders == "" {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if a.date == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() == 0 {
		return nil
	}
	msg.WriteString("Authorization=")
	msg.WriteString(a.header)
	return IncompleteSignature(msg.String())
}

// signingTime parses the request's date, and returns it also in ISO-8601 basic
// format, as the string to sign holds it.
func (a *auth) signingTime() (time.Time, string, error) {
	if a.dateFromHeader {
		if t, err := http.ParseTime(a.date); err == nil {
			return t.UTC(), t.UTC().Format(timeFormat), nil
		}
	} else if t, err := time.Parse(timeFormat, a.date); err == nil && t.Format(timeFormat) == a.date {
		return t, a.date, nil
	}
	return time.Time{}, "", IncompleteSignature(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", a.date))
}

// checkTime checks the signing time t against now: within skew for a signed
// request, within X-Amz-Expires for a presigned one.
func (a *auth) checkTime(t, now time.Time, skew time.Duration) error {
	if t.After(now.Add(skew)) {
		return SignatureNotYetCurrent(t, now, skew)
	}
	if a.mode != modeQuery || !a.hasExpires {
		if t.Before(now.Add(-skew)) {
			return SignatureExpired(t, now, skew)
		}
		return nil
	}
	secs, err := strconv.ParseInt(a.expires, 10, 64)
	switch {
	case err != nil:
		return IncompleteSignature("X-Amz-Expires should be a number")
	case secs < 0:
		return IncompleteSignature("X-Amz-Expires must be non-negative")
	case secs > int64(maxPresignExpiry/time.Second):
		return IncompleteSignature("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	expires := time.Duration(secs) * time.Second
	if deadline := t.Add(expires); now.After(deadline) {
		return RequestExpired(expires, deadline, now)
	}
	return nil
}

// checkScope checks the credential scope against the signing time and the
// expected service, reporting every problem at once as AWS does.
func checkScope(s Scope, term, amzDate, service string) error {
	var msgs []string
	if s.Region == "" {
		msgs = append(msgs, "Credential should be scoped to a valid region.")
	}
	if service != "" && s.Service != service {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service))
	}
	if term != terminator {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, term))
	}
	if s.Date != amzDate[:8] {
		msgs = append(msgs, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.Date, amzDate[:8], amzDate))
	}
	if len(msgs) == 0 {
		return nil
	}
	return signatureError(strings.Join(msgs, " "))
}

// hasName reports whether the ';'-separated list names contains name.
func hasName(names, name string) bool {
	for names != "" {
		var n string
		n, names, _ = strings.Cut(names, ";")
		if n == name {
			return true
		}
	}
	return false
}

// verifiedPayloadHash returns the X-Amz-Content-Sha256 header if the request has
// one, after checking it: UNSIGNED-PAYLOAD, or the SHA-256 of body in hex. It
// returns "" when the header is absent.
func verifiedPayloadHash(h http.Header, body []byte) (string, *awserr.Error) {
	v := h["X-Amz-Content-Sha256"]
	if len(v) == 0 {
		return "", nil
	}
	switch {
	case v[0] == UnsignedPayload:
		return v[0], nil
	case len(v[0]) == 64 && isHexString(v[0]):
		if !strings.EqualFold(v[0], payloadHash(body)) {
			return "", ContentSHA256Mismatch()
		}
		return v[0], nil
	}
	return "", IncompleteSignature("x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the payload; streaming signatures are not supported.")
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
