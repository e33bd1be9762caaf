package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// liveSessionKey is sessionKey without an expiry, for tests that sign with the
// real clock.
var liveSessionKey = Credential{AccessKeyID: sessionKey.AccessKeyID, SecretAccessKey: sessionKey.SecretAccessKey, SessionToken: sessionKey.SessionToken}

// verified is what the test server saw of one request.
type verified struct {
	method, target string
	result         *Result
	err            error
}

// verifyingServer is an HTTP server that verifies every request it gets against
// creds and records the outcome.
type verifyingServer struct {
	*httptest.Server
	mu   sync.Mutex // guards seen
	seen []verified
}

func newVerifyingServer(t *testing.T, creds ...Credential) *verifyingServer {
	t.Helper()
	s := &verifyingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			var res *Result
			res, err = Verify(r, body, VerifyOptions{Lookup: lookupOf(creds...)})
			s.mu.Lock()
			s.seen = append(s.seen, verified{r.Method, r.RequestURI, res, err})
			s.mu.Unlock()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyingServer) results() []verified {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]verified(nil), s.seen...)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestGoSDKSignaturesVerify signs requests with the AWS SDK for Go v2's signer,
// sends them over HTTP and checks that Verify accepts them.
func TestGoSDKSignaturesVerify(t *testing.T) {
	srv := newVerifyingServer(t, testKey, liveSessionKey)
	signer := sdkv4.NewSigner()
	sdkCreds := func(c Credential) aws.Credentials {
		return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	}
	tests := []struct {
		name    string
		method  string
		target  string
		body    string
		header  map[string]string
		cred    Credential
		service string
		presign bool
		// unsigned sends X-Amz-Content-Sha256: UNSIGNED-PAYLOAD.
		unsigned bool
	}{
		{
			name: "a json request with a target header verifies", method: "POST", target: "/",
			body:   `{"QueueNamePrefix":"a"}`,
			header: map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"},
			cred:   testKey, service: "sqs",
		},
		{
			name: "a rest-json request whose path holds escaped colons and a query verifies", method: "GET",
			target: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-func/configuration?Qualifier=%24LATEST&x=a%20b",
			cred:   testKey, service: "lambda",
		},
		{
			name: "a query request signed with a session credential verifies", method: "POST", target: "/",
			body:   "Action=GetCallerIdentity&Version=2011-06-15",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
			cred:   liveSessionKey, service: "sts",
		},
		{
			name: "a request with UNSIGNED-PAYLOAD verifies", method: "PUT", target: "/2015-03-31/functions/f/code",
			body: `{"ZipFile":"UEsDBA=="}`, cred: testKey, service: "lambda", unsigned: true,
		},
		{
			name: "a presigned GET verifies", method: "GET", target: "/?Action=GetCallerIdentity&Version=2011-06-15",
			cred: testKey, service: "sts", presign: true,
		},
		{
			name: "a presigned GET with a session credential verifies", method: "GET", target: "/?Action=GetCallerIdentity&Version=2011-06-15",
			cred: liveSessionKey, service: "sts", presign: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.results())
			r, err := http.NewRequest(tt.method, srv.URL+tt.target, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			ph := sha256Hex([]byte(tt.body))
			if tt.unsigned {
				ph = UnsignedPayload
				r.Header.Set("X-Amz-Content-Sha256", ph)
			}
			now := time.Now()
			if tt.presign {
				uri, hdr, err := signer.PresignHTTP(context.Background(), sdkCreds(tt.cred), r, ph, tt.service, "eu-west-1", now)
				if err != nil {
					t.Fatal(err)
				}
				if r, err = http.NewRequest(tt.method, uri, nil); err != nil {
					t.Fatal(err)
				}
				r.Header = hdr
			} else if err := signer.SignHTTP(context.Background(), sdkCreds(tt.cred), r, ph, tt.service, "eu-west-1", now); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			seen := srv.results()[before:]
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(seen))
			}
			v := seen[0]
			if v.err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("Verify(%s %s) = %v (status %d: %s)", v.method, v.target, v.err, resp.StatusCode, msg)
			}
			if v.result.AccessKeyID != tt.cred.AccessKeyID || v.result.Service != tt.service || v.result.Region != "eu-west-1" ||
				v.result.Presigned != tt.presign || v.result.SessionToken != tt.cred.SessionToken || v.result.UnsignedPayload != tt.unsigned {
				t.Errorf("Result = %+v", v.result)
			}
		})
	}
}

// botocoreScript makes real boto3 calls against the test server (argv[1]) and
// presigns one URL with botocore and fetches it. Responses do not matter: the
// server records whether each request verified.
const botocoreScript = `
import sys, urllib.request
import boto3
from botocore.config import Config

url = sys.argv[1]
cfg = Config(retries={"total_max_attempts": 1}, region_name="eu-west-1")
long_term = dict(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
session = dict(aws_access_key_id="ASIAEXAMPLE", aws_secret_access_key="sessionsecretsessionsecretsessionsecret0",
               aws_session_token="FwoGZXIvYXdzEXAMPLETOKEN//+=")

def call(name, f):
    try:
        f()
    except Exception as e:
        print(name, type(e).__name__, e, file=sys.stderr)

sts = boto3.client("sts", endpoint_url=url, config=cfg, **long_term)
call("sts", lambda: sts.get_caller_identity())
call("iam", lambda: boto3.client("iam", endpoint_url=url, config=cfg, **session).list_users(PathPrefix="/a b/"))
lam = boto3.client("lambda", endpoint_url=url, config=cfg, **long_term)
call("lambda", lambda: lam.get_function_configuration(
    FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:my-func", Qualifier="$LATEST"))
call("sqs", lambda: boto3.client("sqs", endpoint_url=url, config=cfg, **long_term).list_queues(QueueNamePrefix="a b"))
presigned = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
call("presigned", lambda: urllib.request.urlopen(presigned).read())
`

// TestBotocoreSignaturesVerify makes real boto3 calls (query, json and rest-json
// protocols, a session credential and a presigned URL) against a verifying server.
func TestBotocoreSignaturesVerify(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3, botocore").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with boto3 and botocore is required under CI: %v", err)
		}
		t.Skipf("python3 with boto3 and botocore is not installed: %v", err)
	}
	srv := newVerifyingServer(t, testKey, liveSessionKey)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", botocoreScript, srv.URL)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "AWS_EC2_METADATA_DISABLED=true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	wantServices := []string{"sts", "iam", "lambda", "sqs", "sts"}
	seen := srv.results()
	if len(seen) != len(wantServices) {
		t.Fatalf("server saw %d requests, want %d; client said:\n%s", len(seen), len(wantServices), stderr.String())
	}
	for i, v := range seen {
		t.Run(fmt.Sprintf("request %d (%s %s) verifies", i+1, v.method, v.target), func(t *testing.T) {
			if v.err != nil {
				t.Fatalf("Verify: %v", v.err)
			}
			if v.result.Service != wantServices[i] || v.result.Region != "eu-west-1" {
				t.Errorf("Result = %+v, want service %s in eu-west-1", v.result, wantServices[i])
			}
			if presigned := i == len(seen)-1; v.result.Presigned != presigned {
				t.Errorf("Presigned = %v, want %v", v.result.Presigned, presigned)
			}
		})
	}
}
