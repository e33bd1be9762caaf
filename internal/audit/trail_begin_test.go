package audit

import (
	"context"
	"testing"

	"github.com/stratus-cloud/stratus/internal/store"
)

func TestBeginDefersTheSyncOfManagementCallsOnly(t *testing.T) {
	env := newTrail(t, Config{})
	m := models(t)
	ctx := context.Background()
	mgmt := env.trail.Begin(ctx, entry(t, m["lambda"], "CreateFunction", "r1", nil, nil))
	if !store.SyncDeferred(mgmt) {
		t.Error("a management call's writes keep their own sync: two fsyncs per call")
	}
	data := env.trail.Begin(ctx, entry(t, m["lambda"], "Invoke", "r2", nil, nil))
	if store.SyncDeferred(data) {
		t.Error("a data event's writes lost their sync, but its record is written later in a batch")
	}
}
