package sqs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
)

type fixture struct {
	svc   *sqs.Service
	st    *store.Store
	clock *clocktest.Clock
	dir   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), clock: clocktest.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))}
	f.open(t)
	return f
}

// open opens the store and a Service on f.dir.
func (f *fixture) open(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(f.dir, "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop(context.Background()) })
	f.svc, f.st = svc, st
}

// reopen closes the store and opens it and a new Service again, as a restart.
func (f *fixture) reopen(t testing.TB) {
	t.Helper()
	f.svc.Stop(context.Background())
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t)
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "?" + err.Error()
}

func ref(name string) sqs.QueueRef { return sqs.QueueRef{Account: acct, Name: name} }

func (f *fixture) queue(t testing.TB, name string, attrs map[string]string) sqs.QueueRef {
	t.Helper()
	if _, err := f.svc.CreateQueue(context.Background(), ref(name), attrs, nil); err != nil {
		t.Fatal(err)
	}
	return ref(name)
}

func (f *fixture) send(t testing.TB, q sqs.QueueRef, in sqs.SendInput) sqs.SendResult {
	t.Helper()
	res, err := f.svc.Send(context.Background(), q, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) receive(t testing.TB, q sqs.QueueRef, in sqs.ReceiveInput) []sqs.Message {
	t.Helper()
	if in.WaitTimeSeconds == nil {
		in.WaitTimeSeconds = intp(0)
	}
	msgs, err := f.svc.ReceiveMessages(context.Background(), q, in)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func bodies(msgs []sqs.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

func intp(v int) *int { return &v }
