package iam

import (
	"context"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/store"
)

// SimulateInput is a policy simulation as IAM's SimulatePrincipalPolicy and
// SimulateCustomPolicy describe it.
type SimulateInput struct {
	// Account is the caller's account; PolicySourceARN must be in it.
	Account string
	// PolicySourceARN names the user, group or role whose policies are
	// simulated; "" simulates only PolicyInputs (SimulateCustomPolicy).
	PolicySourceARN string
	// PolicyInputs are extra identity policies, reported as
	// PolicyInputList.N.
	PolicyInputs []string
	// BoundaryInputs replace the permissions boundary, reported as
	// PermissionsBoundaryPolicyInputList.N.
	BoundaryInputs []string
	Actions        []string
	// Resources defaults to ["*"].
	Resources      []string
	ResourcePolicy string
	// ResourceOwner is the account owning the resources (an account id or
	// root ARN); "" means the caller's.
	ResourceOwner string
	// CallerARN is the principal the resource policy is evaluated for;
	// defaults to PolicySourceARN.
	CallerARN string
	// Context holds the context keys given; global keys are not filled in.
	Context policy.Context
}

// SimulationResult is the decision for one action on one resource.
type SimulationResult struct {
	Action, Resource string
	Result           policy.Result
}

// Simulate evaluates every action of in on every resource of in. Returns
// NoSuchEntity for an unknown policy source, MalformedPolicyDocument for an
// invalid input policy and InvalidInput for an unusable ARN.
func (a *Authorizer) Simulate(ctx context.Context, in SimulateInput) ([]SimulationResult, error) {
	base := policy.Input{}
	var stored []storedPolicy
	if in.PolicySourceARN != "" {
		var err error
		if stored, err = a.svc.sourcePolicies(ctx, in.Account, in.PolicySourceARN); err != nil {
			return nil, err
		}
	}
	for _, s := range stored {
		p, err := a.cache.parse(s.doc, s.kind)
		if err != nil {
			return nil, err
		}
		src := policy.Source{ID: s.id, Type: s.typ, Policy: p}
		if s.typ == sourceBoundary {
			if len(in.BoundaryInputs) == 0 {
				src.Type = sourceNone
				base.Boundary = &src
			}
			continue
		}
		base.Identity = append(base.Identity, src)
	}
	for i, doc := range in.PolicyInputs {
		p, err := a.cache.parse(doc, policy.Identity)
		if err != nil {
			return nil, err
		}
		base.Identity = append(base.Identity, policy.Source{ID: "PolicyInputList." + strconv.Itoa(i+1), Type: sourceNone, Policy: p})
	}
	for i, doc := range in.BoundaryInputs {
		p, err := a.cache.parse(doc, policy.Identity)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			base.Boundary = &policy.Source{ID: "PermissionsBoundaryPolicyInputList.1", Type: sourceNone, Policy: p}
		}
	}
	if in.ResourcePolicy != "" {
		p, err := a.cache.parse(in.ResourcePolicy, policy.Resource)
		if err != nil {
			return nil, err
		}
		base.Resource = &policy.Source{ID: "ResourcePolicy", Type: "resource", Policy: p}
	}
	caller := in.CallerARN
	if caller == "" {
		caller = in.PolicySourceARN
	}
	who := simulatedPrincipal(caller, in.Account)
	if owner := in.ResourceOwner; owner != "" {
		if acct := arn.Account(owner); acct != "" {
			owner = acct
		}
		if owner != who.Account {
			base.ResourceAccount = owner
		}
	}
	resources := in.Resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	ctxKeys := in.Context
	if ctxKeys == nil {
		ctxKeys = policy.Context{}
	}
	var out []SimulationResult
	for _, action := range in.Actions {
		for _, res := range resources {
			req := &policy.Request{Principal: who, Action: action, Resource: res, Context: ctxKeys}
			input := base
			out = append(out, SimulationResult{Action: action, Resource: res, Result: policy.Evaluate(req, &input)})
		}
	}
	return out, nil
}

// simulatedPrincipal describes the caller named by an ARN for matching
// Principal elements.
func simulatedPrincipal(callerARN, account string) policy.PrincipalInfo {
	info := policy.PrincipalInfo{Type: policy.PrincipalUser, ARN: callerARN, Account: account}
	a, err := arn.Parse(callerARN)
	if err != nil {
		return info
	}
	info.Account = a.Account
	kind, _, _, _ := arn.IAMResource(a.Resource)
	switch {
	case a.Resource == "root":
		info.Type = policy.PrincipalRoot
	case a.Service == "sts" && kind == "assumed-role":
		info.Type = policy.PrincipalAssumedRole
	case kind == "role":
		info.Type, info.IdentityARN = policy.PrincipalAssumedRole, callerARN
	}
	return info
}

// sourcePolicies reads the identity policies (and boundary) of the user, group
// or role an ARN in account names. Returns NoSuchEntity or InvalidInput.
func (s *Service) sourcePolicies(ctx context.Context, account, sourceARN string) ([]storedPolicy, error) {
	a, err := arn.Parse(sourceARN)
	kind, _, name, ok := arn.IAMResource(a.Resource)
	if err != nil || a.Service != "iam" || !ok || a.Account != account {
		return nil, invalidInput("Invalid ARN: %s", sourceARN)
	}
	key := nameKey(name)
	var q string
	var args []any
	err = s.view(ctx, func(tx *store.Tx) error {
		switch kind {
		case "user":
			_, err = getUser(ctx, tx, account, name)
			q, args = userPoliciesQuery, []any{account, key, account, key, account, key, account, key, account, key}
		case "group":
			_, err = getGroup(ctx, tx, account, name)
			q, args = groupPoliciesQuery, []any{account, key, account, key}
		case "role":
			_, err = getRole(ctx, tx, account, name)
			q, args = rolePoliciesQuery, []any{account, key, account, key, account, key}
		default:
			err = invalidInput("Invalid ARN: %s", sourceARN)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.queryPolicies(ctx, q, args...)
}
