package sigv4

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

const vectorDir = "testdata/aws-signing-test-suite/v4"

// vectorContext is a case's context.json.
type vectorContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	ExpirationInSeconds int       `json:"expiration_in_seconds"`
	Normalize           bool      `json:"normalize"`
	Region              string    `json:"region"`
	Service             string    `json:"service"`
	SignBody            bool      `json:"sign_body"`
	Timestamp           time.Time `json:"timestamp"`
	OmitSessionToken    bool      `json:"omit_session_token"`
}

type vector struct {
	name string
	dir  string
	ctx  vectorContext
}

func (v vector) file(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(v.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// request parses one of the case's request files as a server would have received it.
func (v vector) request(t testing.TB, name string) (*http.Request, []byte) {
	t.Helper()
	r, body, err := readSuiteRequest(v.file(t, name))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return r, body
}

// signingCredential is what the case signs with: the token is left out when the
// case adds it only after signing.
func (v vector) signingCredential() Credential {
	c := v.credential()
	if v.ctx.OmitSessionToken {
		c.SessionToken = ""
	}
	return c
}

// credential is what the server knows about the case's key.
func (v vector) credential() Credential {
	return Credential{
		AccessKeyID:     v.ctx.Credentials.AccessKeyID,
		SecretAccessKey: v.ctx.Credentials.SecretAccessKey,
		SessionToken:    v.ctx.Credentials.Token,
	}
}

func (v vector) style() pathStyle {
	if v.ctx.Normalize {
		return pathClean
	}
	return pathRaw
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	entries, err := os.ReadDir(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		v := vector{name: e.Name(), dir: filepath.Join(vectorDir, e.Name())}
		if err := json.Unmarshal(v.file(t, "context.json"), &v.ctx); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		vs = append(vs, v)
	}
	return vs
}

// readSuiteRequest parses a request as the test suite writes it: LF line ends, a
// request target that may hold spaces and raw UTF-8, folded header lines, the body
// after the first blank line. The result looks like what net/http's server hands a
// handler: RequestURI is the target as sent, Host is out of Header.
func readSuiteRequest(raw []byte) (*http.Request, []byte, error) {
	line, rest, _ := bytes.Cut(raw, []byte("\n"))
	first := strings.TrimRight(string(line), "\r")
	method, target, _ := strings.Cut(first, " ")
	if i := strings.LastIndexByte(target, ' '); i >= 0 {
		target = target[:i]
	}
	head, body, found := bytes.Cut(rest, []byte("\n\n"))
	if !found {
		head, body = rest, nil
	}
	head = append(bytes.TrimRight(head, "\n"), "\n\n"...)
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(head))).ReadMIMEHeader()
	if err != nil {
		return nil, nil, err
	}
	path, query, _ := strings.Cut(target, "?")
	r := &http.Request{
		Method: method, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		RequestURI: target, URL: &url.URL{Path: path, RawQuery: query},
		Header: http.Header(h), Host: h.Get("Host"),
	}
	r.Header.Del("Host")
	if cl := r.Header.Get("Content-Length"); cl != "" {
		if r.ContentLength, err = strconv.ParseInt(cl, 10, 64); err != nil {
			return nil, nil, err
		}
	}
	return r, body, nil
}

func TestOfficialVectors(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) != 38 {
		t.Fatalf("found %d v4 cases, want 38", len(vs))
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			t.Run("header signing produces the expected canonical request, string to sign and signature", func(t *testing.T) {
				r, body := v.request(t, "request.txt")
				if v.ctx.SignBody {
					r.Header.Set("X-Amz-Content-Sha256", payloadHash(body))
				}
				s, err := sign(r, body, v.signingCredential(), v.ctx.Region, v.ctx.Service, v.ctx.Timestamp, v.style())
				if err != nil {
					t.Fatal(err)
				}
				assertSigned(t, v, "header", s)
				want, _ := v.request(t, "header-signed-request.txt")
				if got, want := r.Header.Get("Authorization"), want.Header.Get("Authorization"); got != want {
					t.Errorf("Authorization:\ngot  %s\nwant %s", got, want)
				}
			})
			t.Run("query signing produces the expected canonical request, string to sign and signature", func(t *testing.T) {
				r, body := v.request(t, "request.txt")
				expires := time.Duration(v.ctx.ExpirationInSeconds) * time.Second
				s, err := presign(r, body, v.signingCredential(), v.ctx.Region, v.ctx.Service, v.ctx.Timestamp, expires, v.style())
				if err != nil {
					t.Fatal(err)
				}
				assertSigned(t, v, "query", s)
			})
			for _, mode := range []string{"header", "query"} {
				t.Run("Verify accepts the suite's "+mode+"-signed request and rejects it altered", func(t *testing.T) {
					testVerifyVector(t, v, mode+"-signed-request.txt")
				})
			}
		})
	}
}

func assertSigned(t *testing.T, v vector, mode string, s signed) {
	t.Helper()
	for _, c := range []struct {
		file string
		got  string
	}{
		{mode + "-canonical-request.txt", string(s.canonical)},
		{mode + "-string-to-sign.txt", string(s.stringToSign)},
		{mode + "-signature.txt", s.signature},
	} {
		if want := string(v.file(t, c.file)); c.got != want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.file, c.got, want)
		}
	}
}

func testVerifyVector(t *testing.T, v vector, file string) {
	opts := func(cred Credential) VerifyOptions {
		return VerifyOptions{
			Now: func() time.Time { return v.ctx.Timestamp },
			Lookup: func(id string) (Credential, error) {
				if id != cred.AccessKeyID {
					return Credential{}, ErrUnknownAccessKey
				}
				return cred, nil
			},
		}
	}
	r, body := v.request(t, file)
	res, err := Verify(r, body, opts(v.credential()))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.AccessKeyID != v.ctx.Credentials.AccessKeyID || res.Region != v.ctx.Region || res.Service != v.ctx.Service ||
		!res.Time.Equal(v.ctx.Timestamp) || res.SessionToken != v.ctx.Credentials.Token ||
		res.Presigned != strings.HasPrefix(file, "query") {
		t.Errorf("Result = %+v", res)
	}

	t.Run("one byte of the secret changed", func(t *testing.T) {
		r, body := v.request(t, file)
		cred := v.credential()
		cred.SecretAccessKey = flipByte(cred.SecretAccessKey)
		_, err := Verify(r, body, opts(cred))
		wantCode(t, err, CodeSignatureDoesNotMatch)
	})
	t.Run("one byte of the body changed", func(t *testing.T) {
		r, body := v.request(t, file)
		if len(body) == 0 {
			body = []byte("x")
		} else {
			body = []byte(flipByte(string(body)))
		}
		_, err := Verify(r, body, opts(v.credential()))
		if _, ok := r.Header["X-Amz-Content-Sha256"]; ok {
			wantCode(t, err, CodeContentSHA256Mismatch)
		} else {
			wantCode(t, err, CodeSignatureDoesNotMatch)
		}
	})
	t.Run("one byte of a signed header changed", func(t *testing.T) {
		r, body := v.request(t, file)
		name := alterableHeader(res.SignedHeaders)
		if name == "host" {
			r.Host = flipByte(r.Host)
		} else {
			vals := headerValues(r.Header, name)
			vals[0] = flipByte(vals[0])
		}
		_, err := Verify(r, body, opts(v.credential()))
		wantCode(t, err, CodeSignatureDoesNotMatch)
	})
}

// alterableHeader picks a signed header whose change only the signature can catch.
func alterableHeader(names []string) string {
	for _, n := range names {
		switch n {
		case "host", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256":
		default:
			return n
		}
	}
	return "host"
}

// flipByte changes the first letter or digit of s to another one.
func flipByte(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c < 'z', c >= 'A' && c < 'Z', c >= '0' && c < '9':
			b[i] = c + 1
			return string(b)
		case c == 'z', c == 'Z', c == '9':
			b[i] = c - 1
			return string(b)
		}
	}
	return s + "x"
}

func wantCode(t *testing.T, err error, code string) *awserr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s", code)
	}
	ae, ok := awserr.As(err)
	if !ok || ae.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	return ae
}
