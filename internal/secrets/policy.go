package secrets

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/stratus-cloud/stratus/internal/store"
)

// PutResourcePolicy attaches policy (a JSON policy document) to a secret.
// Returns MalformedPolicyDocumentException for a document that is not a JSON
// object with a Statement.
func (s *Service) PutResourcePolicy(ctx context.Context, account, region, ref, policy string) (*Secret, error) {
	if err := checkPolicy(policy); err != nil {
		return nil, err
	}
	return s.setPolicy(ctx, account, region, ref, policy)
}

// DeleteResourcePolicy removes a secret's resource policy; a secret without
// one is left as it is.
func (s *Service) DeleteResourcePolicy(ctx context.Context, account, region, ref string) (*Secret, error) {
	return s.setPolicy(ctx, account, region, ref, "")
}

// GetResourcePolicy returns the secret with its Policy ("" when it has none).
func (s *Service) GetResourcePolicy(ctx context.Context, account, region, ref string) (*Secret, error) {
	return s.DescribeSecret(ctx, account, region, ref)
}

func (s *Service) setPolicy(ctx context.Context, account, region, ref, policy string) (*Secret, error) {
	var sec *Secret
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.load(ctx, tx, account, region, ref); err != nil {
			return err
		}
		sec.Policy = policy
		_, err = tx.Exec(ctx, `UPDATE secrets SET policy = ? WHERE arn = ?`, policy, sec.ARN)
		return err
	})
	return sec, err
}

func checkPolicy(policy string) error {
	if len(policy) > maxPolicy {
		return newErr(CodeMalformedPolicy, "The resource policy exceeds %d characters.", maxPolicy)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return newErr(CodeMalformedPolicy, "This resource policy contains a syntax error.")
	}
	if _, ok := doc["Statement"]; !ok {
		return newErr(CodeMalformedPolicy, "This resource policy contains a syntax error: missing Statement.")
	}
	return nil
}

// ResourcePolicy returns the resource policy of the secret resourceARN
// names (a full secret ARN), for iam.Authorizer; ok is false when it names no
// existing secret or the secret has no policy.
func (s *Service) ResourcePolicy(ctx context.Context, resourceARN, action string) (string, bool, error) {
	rest, ok := strings.CutPrefix(resourceARN, "arn:aws:secretsmanager:")
	if !ok {
		return "", false, nil
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "secret:") {
		return "", false, nil
	}
	sec, err := s.DescribeSecret(ctx, parts[1], parts[0], resourceARN)
	if isNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if sec.Policy == "" || sec.ARN != resourceARN {
		return "", false, nil
	}
	return sec.Policy, true, nil
}
