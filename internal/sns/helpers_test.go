package sns_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sns/snsapi"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "111122223333"
	other  = "444455556666"
	region = "us-east-1"
)

// sent is one message a fake endpoint received.
type sent struct {
	Target, Body    string
	Attrs           map[string]sns.MessageAttribute
	Group, Dedup    string
	FIFO            bool
	FunctionPayload []byte
}

// fakeQueues records what SNS sends to SQS queues (standard and FIFO) and
// fails the sends failFor says to.
type fakeQueues struct {
	mu      sync.Mutex // guards the fields below
	sent    []sent
	failFor func(queueARN, body string) bool
	calls   int
}

func (q *fakeQueues) record(s sent) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if q.failFor != nil && q.failFor(s.Target, s.Body) {
		return errors.New("queue unavailable")
	}
	q.sent = append(q.sent, s)
	return nil
}

func (q *fakeQueues) SendToQueue(_ context.Context, queueARN, body string, attrs map[string]sns.MessageAttribute) (string, error) {
	return "m", q.record(sent{Target: queueARN, Body: body, Attrs: attrs})
}

func (q *fakeQueues) SendToFIFOQueue(_ context.Context, queueARN, body string, attrs map[string]sns.MessageAttribute, group, dedup string) (string, error) {
	return "m", q.record(sent{Target: queueARN, Body: body, Attrs: attrs, Group: group, Dedup: dedup, FIFO: true})
}

func (q *fakeQueues) to(queueARN string) []sent {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []sent
	for _, s := range q.sent {
		if s.Target == queueARN {
			out = append(out, s)
		}
	}
	return out
}

func (q *fakeQueues) setFail(f func(queueARN, body string) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.failFor = f
}

// fakeFunctions records Lambda invocations.
type fakeFunctions struct {
	mu   sync.Mutex // guards sent
	sent []sent
}

func (f *fakeFunctions) InvokeAsync(_ context.Context, functionARN, _ string, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sent{Target: functionARN, FunctionPayload: payload})
	return nil
}

func (f *fakeFunctions) all() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.sent...)
}

// template is a database with the sns tables and a signing key, made once:
// fixtures start from a copy instead of generating an RSA key each.
var template string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sns-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	template = filepath.Join(dir, "template.db")
	if err := makeTemplate(template); err != nil {
		fmt.Fprintln(os.Stderr, "make template database:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func makeTemplate(path string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: path, NoSync: true})
	if err != nil {
		return err
	}
	if _, err := sns.New(ctx, sns.Config{Store: st}); err != nil {
		st.Close()
		return err
	}
	return st.Close()
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

type fixture struct {
	svc       *sns.Service
	st        *store.Store
	dbPath    string
	clock     *clocktest.Clock
	queues    *fakeQueues
	functions *fakeFunctions
	// links serves snsapi.Handler; messages' links point at it.
	links *httptest.Server
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{clock: clocktest.NewWall(), queues: &fakeQueues{}, functions: &fakeFunctions{}, dbPath: filepath.Join(t.TempDir(), "stratus.db")}
	if err := copyFile(template, f.dbPath); err != nil {
		t.Fatal(err)
	}
	f.open(t)
	return f
}

// open opens the store and a started Service over it (again after close).
func (f *fixture) open(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: f.dbPath, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var linkURL string
	svc, err := sns.New(ctx, sns.Config{
		Store: st, Region: region, Now: f.clock.Now, Queues: f.queues, Functions: f.functions,
		HTTP: snsapi.NewHTTPPoster(nil), Endpoint: func() string { return linkURL },
		PollEvery: 5 * time.Millisecond, Workers: 4,
	})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	f.links = httptest.NewServer(snsapi.Handler(svc))
	linkURL = f.links.URL
	f.svc, f.st = svc, st
	svc.Start()
	t.Cleanup(f.close)
}

func (f *fixture) close() {
	if f.svc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f.svc.Stop(ctx)
	f.links.Close()
	f.st.Close()
	f.svc = nil
}

func (f *fixture) topic(t testing.TB, name string, attrs map[string]string) string {
	t.Helper()
	arn, err := f.svc.CreateTopic(context.Background(), acct, region, name, attrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func (f *fixture) subscribe(t testing.TB, topic, protocol, endpoint string, attrs map[string]string) *sns.Subscription {
	t.Helper()
	sub, err := f.svc.Subscribe(context.Background(), acct, topic, protocol, endpoint, attrs)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func (f *fixture) publish(t testing.TB, in sns.PublishInput) *sns.PublishResult {
	t.Helper()
	r, err := f.svc.Publish(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// drained waits until no delivery is pending.
func (f *fixture) drained(t testing.TB) {
	t.Helper()
	eventually(t, "every delivery is done", func() bool {
		n, err := f.svc.PendingDeliveries(context.Background())
		return err == nil && n == 0
	})
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func queueARN(name string) string { return "arn:aws:sqs:" + region + ":" + acct + ":" + name }

func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "?" + err.Error()
}

// envelope is the JSON SNS sends, decoded.
type envelope map[string]any

func decode(t testing.TB, body string) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return e
}

func (e envelope) s(k string) string { v, _ := e[k].(string); return v }

// verify checks an envelope's signature as AWS's message validators do:
// the canonical string of its type, signed with the key of the certificate
// served at SigningCertURL (certPEM here).
func verify(t testing.TB, e envelope, certPEM []byte) {
	t.Helper()
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if e.s("Type") != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var canon string
	for _, k := range keys {
		if v, ok := e[k].(string); ok {
			canon += k + "\n" + v + "\n"
		}
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("the certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(e.s("Signature"))
	if err != nil {
		t.Fatalf("signature is not base64: %v", err)
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	if e.s("SignatureVersion") == "2" {
		sum := sha256.Sum256([]byte(canon))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	} else {
		sum := sha1.Sum([]byte(canon))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
	}
	if err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}
