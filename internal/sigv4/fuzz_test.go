package sigv4

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzCanonicalRequest checks that whatever request net/http's server would accept,
// Verify accepts it once Sign (or Presign) has signed it, with a long-term key and
// with a session credential.
func FuzzCanonicalRequest(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(wireForm(v.file(f, "request.txt")))
	}
	f.Add([]byte("GET /a/./b/../c//d?x=%zz&y=a+b&&z HTTP/1.1\r\nHost: h:8080\r\nX-A:  a   b \r\nX-A: c\r\n\r\n"))
	f.Add([]byte("POST http://h/p?X-Amz-Signature=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\n\r\n{}"))

	f.Fuzz(func(t *testing.T, raw []byte) {
		parse := func() (*http.Request, []byte, bool) {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				return nil, nil, false
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, nil, false
			}
			return r, body, true
		}
		for _, cred := range []Credential{testKey, liveSessionKey} {
			opts := optsAt(t0, cred)
			if r, body, ok := parse(); ok {
				if err := Sign(r, body, cred, "us-east-1", "service", t0); err == nil {
					if _, err := Verify(r, body, opts); err != nil {
						t.Fatalf("Verify(Sign(%q)) = %v", raw, err)
					}
				}
			}
			if r, body, ok := parse(); ok {
				if err := Presign(r, body, cred, "us-east-1", "service", t0, time.Hour); err == nil {
					if _, err := Verify(r, body, opts); err != nil {
						t.Fatalf("Verify(Presign(%q)) = %v", raw, err)
					}
				}
			}
		}
	})
}

// FuzzParseAuthorization feeds arbitrary Authorization headers and query strings
// to ParseScope and Verify, which must answer without panicking.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/us-east-1/iam/aws4_request,SignedHeaders=,Signature", "")
	f.Add("AWS4-HMAC-SHA256", "")
	f.Add("Bearer x", "")
	f.Add(" , = ;", "")
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=e9")
	f.Add("", "X-Amz-Credential=%&X-Amz-Date=99999999T999999Z&X-Amz-Expires=99999999999999999999&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=&X-Amz-SignedHeaders=host")
	f.Fuzz(func(t *testing.T, authorization, query string) {
		r, err := http.NewRequest("GET", "http://example.amazonaws.com/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = query
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		r.Header.Set("X-Amz-Date", "20150830T123600Z")
		if s, ok := ParseScope(r); ok && (s.AccessKeyID == "" || s.Service == "") {
			t.Errorf("ParseScope reported %+v as a scope", s)
		}
		res, err := Verify(r, nil, optsAt(t0, testKey))
		if (res == nil) == (err == nil) {
			t.Errorf("Verify = %v, %v: want exactly one of a result and an error", res, err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"QueueUrl":"http://localhost:4566/123456789012/my-queue","MessageBody":"hello, world","DelaySeconds":0}`)
	r, err := http.NewRequest("POST", "http://localhost:4566/", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0 os/linux lang/go#1.26")
	r.Header.Set("Amz-Sdk-Invocation-Id", "3c1f0b66-4a8f-4d3b-9d9d-2b3c4d5e6f70")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	if err := Sign(r, body, testKey, "us-east-1", "sqs", t0); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	r.Body = readCloser{bytes.NewReader(body)}
	if err := r.Write(&buf); err != nil {
		b.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		b.Fatal(err)
	}
	opts := optsAt(t0, testKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(sr, body, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// wireForm rewrites a request as the test suite writes it (LF line ends, no blank
// line after the headers when there is no body) in HTTP/1.1 wire form.
func wireForm(raw []byte) []byte {
	head, body, _ := bytes.Cut(raw, []byte("\n\n"))
	head = bytes.TrimRight(head, "\n")
	out := bytes.ReplaceAll(head, []byte("\n"), []byte("\r\n"))
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

// TestFuzzSeedsParse keeps the fuzz seeds honest: most vector requests must be
// requests net/http accepts, or FuzzCanonicalRequest would check little.
func TestFuzzSeedsParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vectorDir, "*", "request.txt"))
	if err != nil {
		t.Fatal(err)
	}
	parsed := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wireForm(raw)))); err == nil {
			parsed++
		}
	}
	if parsed < 30 {
		t.Errorf("net/http parses %d of %d vector requests, want at least 30", parsed, len(files))
	}
}
