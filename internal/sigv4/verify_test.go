package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

var (
	t0         = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	testKey    = Credential{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	sessionKey = Credential{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "sessionsecretsessionsecretsessionsecret0", SessionToken: "FwoGZXIvYXdzEXAMPLETOKEN//+=", Expires: t0.Add(time.Hour)}
)

// lookupOf returns a Lookup that knows the given credentials.
func lookupOf(creds ...Credential) func(string) (Credential, error) {
	return func(id string) (Credential, error) {
		for _, c := range creds {
			if c.AccessKeyID == id {
				return c, nil
			}
		}
		return Credential{}, ErrUnknownAccessKey
	}
}

func optsAt(now time.Time, creds ...Credential) VerifyOptions {
	return VerifyOptions{Now: func() time.Time { return now }, Lookup: lookupOf(creds...)}
}

// newIAMRequest is a query-protocol POST as the AWS CLI sends it, not yet signed.
func newIAMRequest(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	body := []byte("Action=ListUsers&Version=2010-05-08")
	r, err := http.NewRequest("POST", "https://iam.amazonaws.com/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r, body
}

// overTheWire sends r through net/http's wire format and returns what a server
// would hand its handler.
func overTheWire(t *testing.T, r *http.Request, body []byte) *http.Request {
	t.Helper()
	r.Body = http.NoBody
	if len(body) > 0 {
		r.Body = readCloser{bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// signedIAM returns a signed IAM request as the server receives it.
func signedIAM(t *testing.T, cred Credential, at time.Time, edit func(*http.Request)) (*http.Request, []byte) {
	t.Helper()
	r, body := newIAMRequest(t)
	if edit != nil {
		edit(r)
	}
	if err := Sign(r, body, cred, "us-east-1", "iam", at); err != nil {
		t.Fatal(err)
	}
	return overTheWire(t, r, body), body
}

// presignedSTS returns a presigned STS GetCallerIdentity URL as the server receives it.
func presignedSTS(t *testing.T, cred Credential, at time.Time, expires time.Duration) (*http.Request, []byte) {
	t.Helper()
	r, err := http.NewRequest("GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Presign(r, nil, cred, "us-east-1", "sts", at, expires); err != nil {
		t.Fatal(err)
	}
	return overTheWire(t, r, nil), nil
}

// replaceAuth rewrites the Authorization header with edit.
func replaceAuth(r *http.Request, edit func(string) string) {
	r.Header.Set("Authorization", edit(r.Header.Get("Authorization")))
}

func TestVerifyRejects(t *testing.T) {
	lookupFailure := errors.New("store is down")
	tests := []struct {
		name    string
		request func(t *testing.T) (*http.Request, []byte)
		opts    VerifyOptions
		code    string
		status  int
		// message, if set, is the exact message; prefix, if set, its start.
		message, prefix string
	}{
		{
			name: "a request without any authentication is missing its token",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := newIAMRequest(t)
				return overTheWire(t, r, body), body
			},
			opts: optsAt(t0, testKey), code: CodeMissingAuthenticationToken, status: 403,
			message: "Request is missing Authentication Token",
		},
		{
			name: "a bearer token is an incomplete signature that names every missing part",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := newIAMRequest(t)
				r.Header.Set("Authorization", "Bearer abc.def")
				return overTheWire(t, r, body), body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=Bearer abc.def",
		},
		{
			name: "an Authorization header without its signature is an incomplete signature",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return s[:strings.Index(s, ", Signature=")] })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date",
		},
		{
			name: "a space inside the credential leaves a piece that is not a key=value pair",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.Replace(s, "AKIDEXAMPLE/", "AKIDEXAMPLE /", 1) })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			prefix: "'/20150830/us-east-1/iam/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/",
		},
		{
			name: "an algorithm other than AWS4-HMAC-SHA256 is unsupported",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.Replace(s, "SHA256", "SHA512", 1) })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
		},
		{
			name: "a credential without five parts is an incomplete signature",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.Replace(s, "/us-east-1/iam", "", 1) })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/aws4_request'",
		},
		{
			name: "an X-Amz-Date not in ISO-8601 basic format is an incomplete signature",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				r.Header.Set("X-Amz-Date", "2015-08-30T12:36:00Z")
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		{
			name: "a request signed 20 minutes ago has an expired signature",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, testKey, t0, nil)
			},
			opts: optsAt(t0.Add(20*time.Minute), testKey), code: CodeSignatureDoesNotMatch, status: 403,
			message: "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T125600Z - 15 min.)",
		},
		{
			name: "a request signed 20 minutes ahead of the server is not yet current",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, testKey, t0.Add(20*time.Minute), nil)
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
			message: "Signature not yet current: 20150830T125600Z is still later than 20150830T125100Z (20150830T123600Z + 15 min.)",
		},
		{
			name: "a request signed with the wrong secret does not match",
			request: func(t *testing.T) (*http.Request, []byte) {
				wrong := testKey
				wrong.SecretAccessKey = flipByte(wrong.SecretAccessKey)
				return signedIAM(t, wrong, t0, nil)
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
			message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
		},
		{
			name: "an unknown access key is an invalid client token id",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, testKey, t0, nil)
			},
			opts: optsAt(t0, sessionKey), code: CodeInvalidClientTokenID, status: 403,
			message: "The security token included in the request is invalid.",
		},
		{
			name: "a session credential presented without its token is an invalid client token id",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, sessionKey, t0, nil)
				r.Header.Del("X-Amz-Security-Token")
				return r, body
			},
			opts: optsAt(t0, sessionKey), code: CodeInvalidClientTokenID, status: 403,
		},
		{
			name: "a session credential presented with another token is an invalid client token id",
			request: func(t *testing.T) (*http.Request, []byte) {
				other := sessionKey
				other.SessionToken = "another-token"
				return signedIAM(t, other, t0, nil)
			},
			opts: optsAt(t0, sessionKey), code: CodeInvalidClientTokenID, status: 403,
		},
		{
			name: "a long-term key presented with a session token is an invalid client token id",
			request: func(t *testing.T) (*http.Request, []byte) {
				withToken := testKey
				withToken.SessionToken = "a-token"
				return signedIAM(t, withToken, t0, nil)
			},
			opts: optsAt(t0, testKey), code: CodeInvalidClientTokenID, status: 403,
		},
		{
			name: "an expired session token is reported as expired",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, sessionKey, t0.Add(2*time.Hour), nil)
			},
			opts: optsAt(t0.Add(2*time.Hour), sessionKey), code: CodeExpiredToken, status: 403,
			message: "The security token included in the request is expired",
		},
		{
			name: "a scope dated another day than X-Amz-Date does not match",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.Replace(s, "/20150830/", "/20150831/", 1) })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
		},
		{
			name: "a scope not terminated by aws4_request does not match",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.Replace(s, "aws4_request", "aws5_request", 1) })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
			message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
		},
		{
			name: "a scope for another service than the one served does not match",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, testKey, t0, nil)
			},
			opts: VerifyOptions{Now: func() time.Time { return t0 }, Lookup: lookupOf(testKey), Service: "sts"},
			code: CodeSignatureDoesNotMatch, status: 403,
			message: "Credential should be scoped to correct service: 'sts'.",
		},
		{
			name: "a signature that does not cover host is rejected",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.Replace(s, "host;", "", 1) })
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
			message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "a changed body does not match its signature",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, _ := signedIAM(t, testKey, t0, nil)
				return r, []byte("Action=DeleteUser&Version=2010-05-08")
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
		},
		{
			name: "a body other than the one X-Amz-Content-Sha256 names is rejected",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := newIAMRequest(t)
				r.Header.Set("X-Amz-Content-Sha256", payloadHash(body))
				if err := Sign(r, body, testKey, "us-east-1", "iam", t0); err != nil {
					t.Fatal(err)
				}
				return overTheWire(t, r, body), []byte("Action=DeleteUser&Version=2010-05-08")
			},
			opts: optsAt(t0, testKey), code: CodeContentSHA256Mismatch, status: 400,
		},
		{
			name: "a streaming payload signature is not supported",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
		},
		{
			name: "a presigned URL used after X-Amz-Expires has expired",
			request: func(t *testing.T) (*http.Request, []byte) {
				return presignedSTS(t, testKey, t0, time.Hour)
			},
			opts: optsAt(t0.Add(time.Hour+time.Second), testKey), code: CodeAccessDenied, status: 403,
			message: "Request has expired",
		},
		{
			name: "a presigned URL without its signature is an incomplete signature",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := presignedSTS(t, testKey, t0, time.Hour)
				r.RequestURI = r.RequestURI[:strings.Index(r.RequestURI, "&X-Amz-Signature=")]
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
		},
		{
			name: "a presigned URL valid for more than a week is rejected",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := presignedSTS(t, testKey, t0, time.Hour)
				r.RequestURI = strings.Replace(r.RequestURI, "X-Amz-Expires=3600", "X-Amz-Expires=604801", 1)
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeIncompleteSignature, status: 400,
			message: "X-Amz-Expires must be less than a week (in seconds) that is 604800",
		},
		{
			name: "a presigned URL with a changed parameter does not match",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := presignedSTS(t, testKey, t0, time.Hour)
				r.RequestURI = strings.Replace(r.RequestURI, "GetCallerIdentity", "GetSessionToken", 1)
				return r, body
			},
			opts: optsAt(t0, testKey), code: CodeSignatureDoesNotMatch, status: 403,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.request(t)
			res, err := Verify(r, body, tt.opts)
			if res != nil {
				t.Errorf("Result = %+v, want nil", res)
			}
			ae := wantCode(t, err, tt.code)
			if ae.HTTPStatus() != tt.status {
				t.Errorf("status = %d, want %d", ae.HTTPStatus(), tt.status)
			}
			if tt.message != "" && ae.Message != tt.message {
				t.Errorf("message:\ngot  %q\nwant %q", ae.Message, tt.message)
			}
			if !strings.HasPrefix(ae.Message, tt.prefix) {
				t.Errorf("message:\ngot  %q\nwant it to start with %q", ae.Message, tt.prefix)
			}
		})
	}

	t.Run("a lookup failure is returned wrapped, not as an AWS error", func(t *testing.T) {
		r, body := signedIAM(t, testKey, t0, nil)
		_, err := Verify(r, body, VerifyOptions{
			Now:    func() time.Time { return t0 },
			Lookup: func(string) (Credential, error) { return Credential{}, lookupFailure },
		})
		if !errors.Is(err, lookupFailure) {
			t.Fatalf("err = %v, want it to wrap %v", err, lookupFailure)
		}
		if _, ok := awserr.As(err); ok {
			t.Errorf("err = %v is an *awserr.Error; a server fault must not be", err)
		}
	})
}

func TestVerifyAccepts(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) (*http.Request, []byte)
		opts    VerifyOptions
		want    Result
	}{
		{
			name: "a signed request verifies and reports its scope and signed headers",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, testKey, t0, nil)
			},
			opts: optsAt(t0, testKey),
			want: Result{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "iam", Time: t0,
				SignedHeaders: []string{"content-length", "content-type", "host", "x-amz-date"}},
		},
		{
			name: "a request signed 14 minutes ago is within the allowed skew",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, testKey, t0, nil)
			},
			opts: optsAt(t0.Add(14*time.Minute), testKey),
			want: Result{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "iam", Time: t0,
				SignedHeaders: []string{"content-length", "content-type", "host", "x-amz-date"}},
		},
		{
			name: "a session credential with its token verifies and reports the token",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedIAM(t, sessionKey, t0, nil)
			},
			opts: optsAt(t0, sessionKey),
			want: Result{AccessKeyID: "ASIAEXAMPLE", Region: "us-east-1", Service: "iam", Time: t0,
				SignedHeaders: []string{"content-length", "content-type", "host", "x-amz-date", "x-amz-security-token"},
				SessionToken:  sessionKey.SessionToken},
		},
		{
			name: "an UNSIGNED-PAYLOAD request verifies whatever its body",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, _ := signedIAM(t, testKey, t0, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload) })
				return r, []byte("Action=DeleteUser&Version=2010-05-08")
			},
			opts: optsAt(t0, testKey),
			want: Result{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "iam", Time: t0,
				SignedHeaders:   []string{"content-length", "content-type", "host", "x-amz-content-sha256", "x-amz-date"},
				UnsignedPayload: true},
		},
		{
			name: "a presigned URL verifies within its expiry",
			request: func(t *testing.T) (*http.Request, []byte) {
				return presignedSTS(t, testKey, t0, time.Hour)
			},
			opts: optsAt(t0.Add(59*time.Minute), testKey),
			want: Result{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "sts", Time: t0,
				SignedHeaders: []string{"host"}, Presigned: true},
		},
		{
			name: "a presigned URL with a session token verifies",
			request: func(t *testing.T) (*http.Request, []byte) {
				return presignedSTS(t, sessionKey, t0, time.Hour)
			},
			opts: optsAt(t0, sessionKey),
			want: Result{AccessKeyID: "ASIAEXAMPLE", Region: "us-east-1", Service: "sts", Time: t0,
				SignedHeaders: []string{"host"}, Presigned: true, SessionToken: sessionKey.SessionToken},
		},
		{
			name: "a request dated by the Date header instead of X-Amz-Date verifies",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := newIAMRequest(t)
				r.Header.Set("Date", t0.Format(http.TimeFormat))
				r = overTheWire(t, r, body)
				m := message{method: r.Method, path: "/", header: r.Header, host: r.Host,
					signedHeaders: "content-type;date;host", payloadHash: payloadHash(body), encodePath: true}
				s := compute(&m, testKey.SecretAccessKey, "20150830T123600Z", "us-east-1", "iam")
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;date;host, Signature="+s.signature)
				return r, body
			},
			opts: optsAt(t0, testKey),
			want: Result{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "iam", Time: t0,
				SignedHeaders: []string{"content-type", "date", "host"}},
		},
		{
			name: "pieces of the Authorization header separated by commas alone verify",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedIAM(t, testKey, t0, nil)
				replaceAuth(r, func(s string) string { return strings.ReplaceAll(s, ", ", ",") })
				return r, body
			},
			opts: optsAt(t0, testKey),
			want: Result{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "iam", Time: t0,
				SignedHeaders: []string{"content-length", "content-type", "host", "x-amz-date"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.request(t)
			res, err := Verify(r, body, tt.opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got, want := *res, tt.want; !got.Time.Equal(want.Time) || strings.Join(got.SignedHeaders, ";") != strings.Join(want.SignedHeaders, ";") ||
				got.AccessKeyID != want.AccessKeyID || got.Region != want.Region || got.Service != want.Service ||
				got.Presigned != want.Presigned || got.SessionToken != want.SessionToken || got.UnsignedPayload != want.UnsignedPayload {
				t.Errorf("Result:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVerifyTriesEachClientsPathCanonicalization(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		style pathStyle
	}{
		{"a path signed normalized as AWS documents verifies", "/a/./b/../c//d", pathClean},
		{"a path signed with only dot segments removed, as botocore does, verifies", "/a/./b/../c//d", pathDots},
		{"a path signed exactly as sent, as the Go SDK does, verifies", "/a/./b/../c//d", pathRaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest("GET", "https://example.amazonaws.com"+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sign(r, nil, testKey, "us-east-1", "service", t0, tt.style); err != nil {
				t.Fatal(err)
			}
			sr := overTheWire(t, r, nil)
			if sr.RequestURI != tt.path {
				t.Fatalf("sent %q, want %q", sr.RequestURI, tt.path)
			}
			if _, err := Verify(sr, nil, optsAt(t0, testKey)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		name, path string
		style      pathStyle
		encode     bool
		want       string
	}{
		{"an encoded path is encoded again", "/a%20b/c:d", pathClean, true, "/a%2520b/c%3Ad"},
		{"dot and empty segments are removed and the trailing slash kept", "//a/./b/../c//", pathClean, true, "/a/c/"},
		{"dot segments alone are removed in the botocore style", "//a/./b/../c//", pathDots, true, "//a/c//"},
		{"a path climbing above the root stays at the root", "/../..", pathClean, true, "/"},
		{"a path ending in a dot segment keeps a trailing slash", "/a/b/.", pathClean, true, "/a/b/"},
		{"s3 paths are used as sent", "/bucket/a%20b//c", pathRaw, false, "/bucket/a%20b//c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendCanonicalPath(nil, tt.path, tt.style, tt.encode)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"parameters are sorted by key, then value", "b=2&a=2&a=1", "a=1&a=2&b=2"},
		{"a key without a value gets an empty one", "acl&a=1", "a=1&acl="},
		{"plus is a space and is encoded as %20", "q=a+b", "q=a%20b"},
		{"lower-case escapes become upper-case and unreserved escapes are decoded", "k=%2f%7e", "k=%2F~"},
		{"a stray percent sign stands for itself", "k=100%", "k=100%25"},
		{"empty pieces are ignored", "&a=1&&", "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendCanonicalQuery(nil, splitQuery(tt.raw), nil)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseScope(t *testing.T) {
	header, _ := signedIAM(t, testKey, t0, nil)
	presigned, _ := presignedSTS(t, testKey, t0, time.Hour)
	bearer, _ := newIAMRequest(t)
	bearer.Header.Set("Authorization", "Bearer x")
	bare, _ := newIAMRequest(t)
	fourParts, _ := signedIAM(t, testKey, t0, nil)
	replaceAuth(fourParts, func(s string) string { return strings.Replace(s, "/iam", "", 1) })
	tests := []struct {
		name string
		r    *http.Request
		want Scope
		ok   bool
	}{
		{"the scope of a signed request comes from its Authorization header", header, Scope{"AKIDEXAMPLE", "20150830", "us-east-1", "iam"}, true},
		{"the scope of a presigned request comes from X-Amz-Credential", presigned, Scope{"AKIDEXAMPLE", "20150830", "us-east-1", "sts"}, true},
		{"a request without SigV4 has no scope", bare, Scope{}, false},
		{"a bearer token has no scope", bearer, Scope{}, false},
		{"a credential with four parts has no scope", fourParts, Scope{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseScope(tt.r)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseScope = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestJSONCode(t *testing.T) {
	tests := []struct {
		name, code, want string
		differs          bool
	}{
		{"a missing token is MissingAuthenticationTokenException", CodeMissingAuthenticationToken, "MissingAuthenticationTokenException", true},
		{"an incomplete signature is IncompleteSignatureException", CodeIncompleteSignature, "IncompleteSignatureException", true},
		{"an unknown key is UnrecognizedClientException", CodeInvalidClientTokenID, "UnrecognizedClientException", true},
		{"a bad or expired signature is InvalidSignatureException", CodeSignatureDoesNotMatch, "InvalidSignatureException", true},
		{"an expired token is ExpiredTokenException", CodeExpiredToken, "ExpiredTokenException", true},
		{"an expired presigned URL is AccessDeniedException", CodeAccessDenied, "AccessDeniedException", true},
		{"a payload hash mismatch is spelled the same", CodeContentSHA256Mismatch, CodeContentSHA256Mismatch, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, differs := JSONCode(tt.code)
			if got != tt.want || differs != tt.differs {
				t.Errorf("JSONCode(%q) = %q, %v; want %q, %v", tt.code, got, differs, tt.want, tt.differs)
			}
		})
	}
}

func TestPresignRejectsExpiriesAWSWouldRefuse(t *testing.T) {
	for _, tt := range []struct {
		name    string
		expires time.Duration
	}{
		{"zero is refused", 0},
		{"more than a week is refused", maxPresignExpiry + time.Second},
		{"a fraction of a second is refused", 1500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "https://sts.amazonaws.com/", nil)
			if err := Presign(r, nil, testKey, "us-east-1", "sts", t0, tt.expires); err == nil {
				t.Errorf("Presign with expiry %v succeeded", tt.expires)
			}
		})
	}
}

func TestSignerHMACMatchesCryptoHMAC(t *testing.T) {
	for _, n := range []int{0, 1, 32, 63, 64, 65, 200} {
		t.Run(fmt.Sprintf("a %d-byte key gives the standard HMAC-SHA256", n), func(t *testing.T) {
			key := bytes.Repeat([]byte{byte(n + 1)}, n)
			data := []byte(strings.Repeat("data", n+1))
			want := hmac.New(sha256.New, key)
			want.Write(data)
			if got := newSigner().hmac(nil, key, data); !bytes.Equal(got, want.Sum(nil)) {
				t.Errorf("got %x, want %x", got, want.Sum(nil))
			}
		})
	}
}
