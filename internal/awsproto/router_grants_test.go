package awsproto_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// recordingAuditor keeps what the router hands it.
type recordingAuditor struct {
	mu      sync.Mutex
	entries []awsproto.AuditEntry
}

type begunKey struct{}

// Begin marks the context, so the test can see the operation ran with it.
func (a *recordingAuditor) Begin(ctx context.Context, e *awsproto.AuditEntry) context.Context {
	return context.WithValue(ctx, begunKey{}, e.Operation.Name)
}

func (a *recordingAuditor) Audit(ctx context.Context, e *awsproto.AuditEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, *e)
}

func kmsRouter(t *testing.T, authz *listAuthz, aud awsproto.Auditor) *awsproto.Router {
	t.Helper()
	rt := awsproto.NewRouter(awsproto.RouterConfig{Authenticator: keyAuth{}, Authorizer: authz, Codecs: codecs(),
		Logger: slog.New(slog.DiscardHandler), Auditor: aud})
	m, err := kmsshapes.Service()
	if err != nil {
		t.Fatal(err)
	}
	err = rt.Register(&awsproto.Service{Model: m, ActionPrefix: "kms", AccessDeniedCode: "AccessDeniedException", Ops: map[string]awsproto.Op{
		"ReEncrypt": {
			Grants: func(c *awsproto.Call, in any) ([]awsproto.Grant, error) {
				return []awsproto.Grant{{Action: "kms:ReEncryptFrom", Resource: "key/src"}, {Action: "kms:ReEncryptTo", Resource: "key/dst"}}, nil
			},
			Run: func(c *awsproto.Call, in any) (map[string]any, error) {
				if op, _ := c.Context.Value(begunKey{}).(string); op == "ReEncrypt" {
					identity.Note(c.Context, "begun", "yes")
				}
				identity.Note(c.Context, "note", "handled")
				return map[string]any{"KeyId": "dst"}, nil
			},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestGrantsNeedEveryActionOnItsResource(t *testing.T) {
	body := []byte(`{"CiphertextBlob":"AAAA","DestinationKeyId":"dst"}`)
	call := func(allow ...string) (int, []string) {
		a := &listAuthz{allow: map[string]bool{}}
		for _, k := range allow {
			a.allow[k] = true
		}
		w := serve(kmsRouter(t, a, nil), signed(t, "POST", "TrentService.ReEncrypt", "application/x-amz-json-1.1", "kms", body, nil))
		return w.Code, a.asked
	}
	t.Run("both grants allowed runs the call", func(t *testing.T) {
		code, asked := call("kms:ReEncryptFrom key/src", "kms:ReEncryptTo key/dst")
		if code != http.StatusOK || len(asked) != 2 {
			t.Fatalf("status %d, asked %v", code, asked)
		}
	})
	t.Run("the source action alone is denied", func(t *testing.T) {
		if code, _ := call("kms:ReEncryptFrom key/src"); code != http.StatusForbidden {
			t.Fatalf("status %d", code)
		}
	})
	t.Run("the right action on the wrong resource is denied", func(t *testing.T) {
		if code, _ := call("kms:ReEncryptFrom key/src", "kms:ReEncryptTo key/src"); code != http.StatusForbidden {
			t.Fatalf("status %d", code)
		}
	})
}

func TestTheAuditorIsHandedEveryAuthenticatedCall(t *testing.T) {
	body := []byte(`{"CiphertextBlob":"AAAA","DestinationKeyId":"dst"}`)
	aud := &recordingAuditor{}
	allowed := &listAuthz{allow: map[string]bool{"kms:ReEncryptFrom key/src": true, "kms:ReEncryptTo key/dst": true}}
	w := serve(kmsRouter(t, allowed, aud), signed(t, "POST", "TrentService.ReEncrypt", "application/x-amz-json-1.1", "kms", body, map[string]string{"User-Agent": "test-agent"}))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	w = serve(kmsRouter(t, &listAuthz{}, aud), signed(t, "POST", "TrentService.ReEncrypt", "application/x-amz-json-1.1", "kms", body, nil))
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d", w.Code)
	}
	if len(aud.entries) != 2 {
		t.Fatalf("auditor saw %d calls, want 2", len(aud.entries))
	}
	ok, denied := aud.entries[0], aud.entries[1]
	t.Run("a successful call comes with its input, output, caller and notes", func(t *testing.T) {
		if ok.Operation.Name != "ReEncrypt" || ok.Err != nil || ok.Out["KeyId"] != "dst" || ok.In["DestinationKeyId"] != "dst" ||
			ok.UserAgent != "test-agent" || ok.Principal == nil || ok.RequestID == "" || ok.Notes.All()["note"] != "handled" || ok.Notes.All()["begun"] != "yes" {
			t.Fatalf("entry %+v", ok)
		}
	})
	t.Run("a denied call comes with its error and no output", func(t *testing.T) {
		if denied.Err == nil || denied.Err.Code != "AccessDeniedException" || denied.Out != nil {
			t.Fatalf("entry %+v", denied)
		}
	})
}
