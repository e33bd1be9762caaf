package kms

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/stratus-cloud/stratus/internal/store"
)

// PolicyName is the only key policy name KMS knows.
const PolicyName = "default"

// GetKeyPolicy returns the key policy of the key ref names.
func (s *Service) GetKeyPolicy(ctx context.Context, account, region, ref, name string) (string, error) {
	if name != "" && name != PolicyName {
		return "", newErr(CodeNotFound, "No such policy exists")
	}
	k, err := s.DescribeKey(ctx, account, region, ref)
	if err != nil {
		return "", err
	}
	return k.Policy, nil
}

// PutKeyPolicy replaces the key policy. Unless bypass is set, the new policy
// must still let the account's root principal manage the key, as KMS's
// lockout safety check demands (MalformedPolicyDocumentException otherwise).
func (s *Service) PutKeyPolicy(ctx context.Context, account, region, ref, name, policy string, bypass bool) error {
	if name != "" && name != PolicyName {
		return newErr(CodeValidation, "The policy name must be %q.", PolicyName)
	}
	if err := checkPolicy(policy); err != nil {
		return err
	}
	if !bypass && !rootCanManage(policy, account) {
		return newErr(CodeMalformedPolicy, "The new key policy will not allow you to update the key policy in the future.")
	}
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if err := notPending(k); err != nil {
			return err
		}
		k.Policy = policy
		return nil
	})
	return err
}

// TagResource adds or replaces tags of a key.
func (s *Service) TagResource(ctx context.Context, account, region, ref string, tags map[string]string) error {
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		next := map[string]string{}
		for t, v := range k.Tags {
			next[t] = v
		}
		for t, v := range tags {
			next[t] = v
		}
		if err := checkTags(next); err != nil {
			return err
		}
		k.Tags = next
		return nil
	})
	return err
}

// UntagResource removes tags of a key.
func (s *Service) UntagResource(ctx context.Context, account, region, ref string, keys []string) error {
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		for _, t := range keys {
			delete(k.Tags, t)
		}
		return nil
	})
	return err
}

// ListResourceTags returns a key's tags sorted by key.
func (s *Service) ListResourceTags(ctx context.Context, account, region, ref string) ([][2]string, error) {
	k, err := s.DescribeKey(ctx, account, region, ref)
	if err != nil {
		return nil, err
	}
	out := make([][2]string, 0, len(k.Tags))
	for t, v := range k.Tags {
		out = append(out, [2]string{t, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, nil
}

// rootCanManage reports whether policy has an Allow statement letting the
// account's root principal (or everyone) call kms:PutKeyPolicy.
func rootCanManage(policy, account string) bool {
	var doc struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return false
	}
	var stmts []struct {
		Effect    string
		Principal json.RawMessage
		Action    json.RawMessage
	}
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one struct {
			Effect    string
			Principal json.RawMessage
			Action    json.RawMessage
		}
		if json.Unmarshal(doc.Statement, &one) != nil {
			return false
		}
		stmts = append(stmts, one)
	}
	for _, st := range stmts {
		if st.Effect != "Allow" || !anyOf(st.Action, "*", "kms:*", "kms:PutKeyPolicy") {
			continue
		}
		var star string
		if json.Unmarshal(st.Principal, &star) == nil && star == "*" {
			return true
		}
		var p struct{ AWS json.RawMessage }
		if json.Unmarshal(st.Principal, &p) == nil && anyOf(p.AWS, "*", account, "arn:aws:iam::"+account+":root") {
			return true
		}
	}
	return false
}

// anyOf reports whether raw (a string or a list of strings) holds one of want.
func anyOf(raw json.RawMessage, want ...string) bool {
	var list []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		list = []string{one}
	} else if json.Unmarshal(raw, &list) != nil {
		return false
	}
	for _, v := range list {
		for _, w := range want {
			if v == w {
				return true
			}
		}
	}
	return false
}
