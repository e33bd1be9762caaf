package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/store"
)

// lambdaHistory records Lambda's function states as configuration items,
// each naming the audit event of the request that made the change.
type lambdaHistory struct {
	rec     *confighistory.Recorder
	region  string
	eventID func(requestID string) string
}

// RecordFunction implements lambda.History.
func (h lambdaHistory) RecordFunction(ctx context.Context, tx *store.Tx, st lambda.FunctionState) error {
	it := confighistory.Item{Account: st.Account, Region: h.region, ResourceType: "AWS::Lambda::Function",
		ResourceID: st.Name, ResourceName: st.Name, ARN: st.ARN, SupplementaryConfiguration: st.Supplementary,
		Tags: st.Tags, ResourceCreationTime: st.Created}
	if rid := identity.RequestID(ctx); rid != "" && h.eventID != nil {
		it.RelatedEvents = []string{h.eventID(rid)}
	}
	if st.Deleted {
		it.Status = confighistory.StatusDeleted
	} else {
		b, err := json.Marshal(st.Configuration)
		if err != nil {
			return fmt.Errorf("configuration item of %s: %w", st.ARN, err)
		}
		it.Configuration = string(b)
	}
	return h.rec.RecordTx(ctx, tx, it)
}
