package sqs

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// ResourcePolicy returns the Policy attribute of the queue resourceARN
// names, for the IAM authorizer (it implements iam.ResourcePolicySource);
// ok is false when the queue has none or does not exist. The policy governs
// every action on the queue.
func (s *Service) ResourcePolicy(ctx context.Context, resourceARN, action string) (string, bool, error) {
	ref, err := ParseARN(resourceARN)
	if err != nil {
		return "", false, nil
	}
	q, err := s.queue(ctx, ref)
	if awsCode(err) == CodeQueueDoesNotExist {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return q.cfg.policy, q.cfg.policy != "", nil
}

// permissionActions are the actions AddPermission grants.
func permissionActions() []string {
	return []string{"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
		"GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue"}
}

// AddPermission adds to ref's policy a statement with Sid label allowing the
// accounts the actions (SendMessage, ... or "*") on the queue, as AWS does.
//
// Returns QueueDoesNotExist or InvalidParameterValue (a bad or existing
// label, account or action).
func (s *Service) AddPermission(ctx context.Context, ref QueueRef, label string, accounts, actions []string) error {
	if !validBatchID(label) {
		return invalidValue("Label", label, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.")
	}
	if len(accounts) == 0 {
		return missingParameter("AWSAccountId")
	}
	if len(actions) == 0 {
		return missingParameter("ActionName")
	}
	principals := make([]string, len(accounts))
	for i, a := range accounts {
		if !validAccount(a) {
			return invalidValue("AWSAccountId", a, "Must be a 12-digit AWS account id.")
		}
		principals[i] = arn.IAMRoot(a)
	}
	qualified := make([]string, len(actions))
	for i, a := range actions {
		if !slices.Contains(permissionActions(), a) {
			return invalidValue("ActionName", a, "Please refer to the appropriate WSDL for a list of valid actions.")
		}
		qualified[i] = "SQS:" + a
	}
	return s.changeQueue(ctx, ref, func(tx *store.Tx, q *queue) error {
		doc, stmts := policyStatements(q.attrs[AttrPolicy])
		for _, st := range stmts {
			if sid, _ := st["Sid"].(string); sid == label {
				return invalidValue("Label", label, "Already exists.")
			}
		}
		if doc == nil {
			doc = map[string]any{"Version": "2012-10-17", "Id": ref.ARN(s.region) + "/SQSDefaultPolicy"}
		}
		st := map[string]any{"Sid": label, "Effect": "Allow", "Principal": map[string]any{"AWS": oneOrMany(principals)},
			"Action": oneOrMany(qualified), "Resource": ref.ARN(s.region)}
		doc["Statement"] = append(stmts, st)
		return s.writePolicy(ctx, tx, q, doc)
	})
}

// RemovePermission removes the statement with Sid label from ref's policy
// (and the policy when no statement is left). Returns QueueDoesNotExist or
// InvalidParameterValue when there is no such statement.
func (s *Service) RemovePermission(ctx context.Context, ref QueueRef, label string) error {
	return s.changeQueue(ctx, ref, func(tx *store.Tx, q *queue) error {
		doc, stmts := policyStatements(q.attrs[AttrPolicy])
		kept := slices.DeleteFunc(slices.Clone(stmts), func(st map[string]any) bool {
			sid, _ := st["Sid"].(string)
			return sid == label
		})
		if len(kept) == len(stmts) {
			return invalidValue("Label", label, "can't find label.")
		}
		if len(kept) == 0 {
			doc = nil
		} else {
			doc["Statement"] = kept
		}
		return s.writePolicy(ctx, tx, q, doc)
	})
}

// policyStatements parses a policy document into its top level and its
// statements (a single statement object counts as a list of one).
func policyStatements(policy string) (map[string]any, []map[string]any) {
	if policy == "" {
		return nil, nil
	}
	var doc map[string]any
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return nil, nil
	}
	var out []map[string]any
	switch st := doc["Statement"].(type) {
	case map[string]any:
		out = append(out, st)
	case []any:
		for _, x := range st {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return doc, out
}

// writePolicy stores doc (nil removes the policy) as q's Policy.
func (s *Service) writePolicy(ctx context.Context, tx *store.Tx, q *queue, doc map[string]any) error {
	attrs := maps.Clone(q.attrs)
	delete(attrs, AttrPolicy)
	if doc != nil {
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		attrs[AttrPolicy] = string(b)
	}
	_, err := tx.Exec(ctx, `UPDATE sqs_queues SET attributes = ?, modified_ms = ? WHERE id = ?`, encodeMap(attrs), millis(s.now()), q.id)
	return err
}

// oneOrMany is a JSON policy value: the string for one, the list for more.
func oneOrMany(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}
