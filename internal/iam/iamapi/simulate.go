package iamapi

import (
	"strconv"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
)

// simulation is what both Simulate operations share.
type simulation struct {
	boundaries     []string
	actions        []string
	resources      []string
	resourcePolicy *string
	resourceOwner  *string
	callerARN      *string
	entries        []iamshapes.ContextEntry
	marker         *string
	maxItems       *int64
}

func (a *api) simulatePrincipalPolicy(c *awsproto.Call, in *iamshapes.SimulatePrincipalPolicyRequest) (*iamshapes.SimulatePolicyResponse, error) {
	return a.simulate(c, str(in.PolicySourceArn), in.PolicyInputList, simulation{
		boundaries: in.PermissionsBoundaryPolicyInputList, actions: in.ActionNames, resources: in.ResourceArns,
		resourcePolicy: in.ResourcePolicy, resourceOwner: in.ResourceOwner, callerARN: in.CallerArn,
		entries: in.ContextEntries, marker: in.Marker, maxItems: in.MaxItems,
	})
}

func (a *api) simulateCustomPolicy(c *awsproto.Call, in *iamshapes.SimulateCustomPolicyRequest) (*iamshapes.SimulatePolicyResponse, error) {
	return a.simulate(c, "", in.PolicyInputList, simulation{
		boundaries: in.PermissionsBoundaryPolicyInputList, actions: in.ActionNames, resources: in.ResourceArns,
		resourcePolicy: in.ResourcePolicy, resourceOwner: in.ResourceOwner, callerARN: in.CallerArn,
		entries: in.ContextEntries, marker: in.Marker, maxItems: in.MaxItems,
	})
}

func (a *api) simulate(c *awsproto.Call, source string, policies []string, s simulation) (*iamshapes.SimulatePolicyResponse, error) {
	keys, err := contextEntries(s.entries)
	if err != nil {
		return nil, err
	}
	results, err := a.authz.Simulate(c.Context, iam.SimulateInput{
		Account: account(c), PolicySourceARN: source, PolicyInputs: policies, BoundaryInputs: s.boundaries,
		Actions: s.actions, Resources: s.resources, ResourcePolicy: str(s.resourcePolicy),
		ResourceOwner: str(s.resourceOwner), CallerARN: str(s.callerARN), Context: keys,
	})
	if err != nil {
		return nil, err
	}
	start := 0
	if m := str(s.marker); m != "" {
		if start, err = strconv.Atoi(m); err != nil || start < 0 || start > len(results) {
			return nil, awserr.New(iam.CodeInvalidInput, 400, "Invalid Marker.")
		}
	}
	limit := 100
	if s.maxItems != nil {
		limit = int(*s.maxItems)
	}
	end := min(start+limit, len(results))
	out := &iamshapes.SimulatePolicyResponse{EvaluationResults: make([]iamshapes.EvaluationResult, 0, end-start)}
	for _, r := range results[start:end] {
		out.EvaluationResults = append(out.EvaluationResults, evaluationOut(r))
	}
	next := ""
	if end < len(results) {
		next = strconv.Itoa(end)
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

// contextEntries converts ContextEntries into a policy context. Returns
// InvalidInput for an unknown type or an entry without values.
func contextEntries(entries []iamshapes.ContextEntry) (policy.Context, error) {
	c := make(policy.Context, len(entries))
	for _, e := range entries {
		t := policy.TypeString
		if ty := str(e.ContextKeyType); ty != "" {
			var err error
			if t, err = policy.ParseValueType(ty); err != nil {
				return nil, awserr.New(iam.CodeInvalidInput, 400, "Invalid ContextKeyType %s for context key %s.", ty, str(e.ContextKeyName))
			}
		}
		if len(e.ContextKeyValues) > 1 && !t.IsList() {
			return nil, awserr.New(iam.CodeInvalidInput, 400, "Context key %s of type %s takes one value.", str(e.ContextKeyName), t)
		}
		c.Set(str(e.ContextKeyName), policy.ContextValue{Type: t, Values: e.ContextKeyValues})
	}
	return c, nil
}

func evaluationOut(r iam.SimulationResult) iamshapes.EvaluationResult {
	decision := r.Result.Decision.String()
	matched := statementsOut(r.Result.Matched)
	missing := r.Result.MissingContextKeys
	if missing == nil {
		missing = []string{}
	}
	return iamshapes.EvaluationResult{
		EvalActionName: ptr(r.Action), EvalResourceName: ptr(r.Resource), EvalDecision: ptr(decision),
		MatchedStatements: matched, MissingContextValues: missing,
		ResourceSpecificResults: []iamshapes.ResourceSpecificResult{{
			EvalResourceName: ptr(r.Resource), EvalResourceDecision: ptr(decision),
			MatchedStatements: matched, MissingContextValues: missing,
		}},
	}
}

func statementsOut(ms []policy.MatchedStatement) []iamshapes.Statement {
	out := make([]iamshapes.Statement, len(ms))
	for i, m := range ms {
		out[i] = iamshapes.Statement{
			SourcePolicyId: ptr(m.PolicyID), SourcePolicyType: ptr(sourceType(m.PolicyType)),
			StartPosition: &iamshapes.Position{Line: ptr(int64(m.Start.Line)), Column: ptr(int64(m.Start.Column))},
			EndPosition:   &iamshapes.Position{Line: ptr(int64(m.End.Line)), Column: ptr(int64(m.End.Column))},
		}
	}
	return out
}

// sourceType maps the authorizer's source types onto IAM's PolicySourceType
// enum.
func sourceType(t string) string {
	switch t {
	case iamshapes.PolicySourceTypeUser, iamshapes.PolicySourceTypeGroup, iamshapes.PolicySourceTypeRole,
		iamshapes.PolicySourceTypeAwsManaged, iamshapes.PolicySourceTypeUserManaged, iamshapes.PolicySourceTypeResource:
		return t
	}
	return iamshapes.PolicySourceTypeNone
}
