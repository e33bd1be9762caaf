package policy

import (
	"strconv"
	"strings"
)

// Decision is the outcome of evaluating a request.
type Decision uint8

const (
	// ImplicitDeny: nothing allowed the request (the zero value).
	ImplicitDeny Decision = iota
	// Allowed: the policies allow the request.
	Allowed
	// ExplicitDeny: a Deny statement applies to the request.
	ExplicitDeny
)

// String returns the decision as IAM's Simulate APIs write EvalDecision:
// "allowed", "explicitDeny" or "implicitDeny".
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "implicitDeny"
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Request is what is being asked: who, what action, on what resource, with
// which context keys.
type Request struct {
	Principal PrincipalInfo
	// Action is the action in service:Name form, e.g. "iam:CreateUser";
	// it is matched case-insensitively.
	Action string
	// Resource is the resource ARN, or "*" for actions that take none.
	Resource string
	// Context holds the context keys. The caller fills the global keys it
	// knows (aws:SourceIp, aws:CurrentTime, aws:EpochTime,
	// aws:SecureTransport, aws:PrincipalArn, aws:PrincipalAccount,
	// aws:PrincipalType, aws:RequestedRegion, aws:username, aws:userid, ...)
	// and the service-specific ones. Policy variables resolve from it too.
	Context Context
}

// Source is a policy with the names it is reported under.
type Source struct {
	// ID identifies the policy in MatchedStatement (SourcePolicyId in
	// IAM's Simulate APIs).
	ID string
	// Type is reported as is (SourcePolicyType: "user", "group", "role",
	// "aws-managed", "user-managed", "resource", "none").
	Type   string
	Policy *Policy
}

// Input is the set of policies that apply to a request.
type Input struct {
	// Identity are the identity-based policies of the user or role: inline,
	// attached and (for users) those of its groups.
	Identity []Source
	// Resource is the resource-based policy (or the role's trust policy when
	// the action is sts:AssumeRole*), nil when there is none.
	Resource *Source
	// ResourceAccount is the account that owns the resource. Empty means the
	// caller's own account; any other account makes the request
	// cross-account, where identity and resource policies must both allow.
	ResourceAccount string
	// SessionPolicies are the session policies of a role or federated-user
	// session. When there are any, an identity-based allow also needs an
	// allow in one of them. A federated-user session without session
	// policies has no permissions but those resource policies grant it
	// directly.
	SessionPolicies []Source
	// Boundary is the permissions boundary of the user or role, nil when
	// there is none.
	Boundary *Source
	// ResourceRequired makes the resource policy the gate even within its
	// account, as KMS key policies are: identity policies count only where
	// the resource policy grants the account (its root), and nothing is
	// allowed that the resource policy does not grant.
	ResourceRequired bool
}

// MatchedStatement is a statement that decided a request.
type MatchedStatement struct {
	PolicyID   string
	PolicyType string
	// Index is the statement's 0-based index in its policy.
	Index int
	Sid   string
	// Effect is the statement's effect.
	Effect     Effect
	Start, End Position
}

// Result is a decision with the details IAM's Simulate APIs report.
type Result struct {
	Decision Decision
	// Matched lists the Deny statements that apply for ExplicitDeny and the
	// Allow statements that apply for Allowed (empty for ImplicitDeny).
	Matched []MatchedStatement
	// MissingContextKeys lists, as the policies spell them, the context keys
	// used by the conditions and variables of statements that matched the
	// action, resource and principal but that the request context lacks
	// (keys only tested by Null are not listed).
	MissingContextKeys []string
	// AllowedByBoundary reports whether the permissions boundary allows the
	// request; it is false when there is no boundary.
	AllowedByBoundary bool
}

// Evaluate decides req against the policies of in and reports which
// statements decided it. It evaluates every condition of every matching
// statement so that all missing context keys are found; use Decide on the
// request path.
func Evaluate(req *Request, in *Input) Result {
	e := evaluator{req: req, detail: true}
	return e.run(in)
}

// Decide decides req against the policies of in. It stops at the first
// explicit deny and does not allocate.
func Decide(req *Request, in *Input) Decision {
	e := evaluator{req: req}
	return e.run(in).Decision
}

// evaluator holds the state of one evaluation.
type evaluator struct {
	req *Request
	// detail asks for matched statements and missing keys; without it the
	// evaluation stops at the first explicit deny.
	detail  bool
	allows  []MatchedStatement
	denies  []MatchedStatement
	missing []string
}

// setResult is what one set of policies says about the request.
type setResult struct {
	deny, allow bool
	// best is the strongest grant among applicable Allow statements of a
	// resource policy.
	best grant
}

func (e *evaluator) run(in *Input) Result {
	who := &e.req.Principal
	var r setResult
	identity := e.scan(in.Identity, false)
	r.deny = identity.deny
	boundaryAllows := true
	var boundary setResult
	if in.Boundary != nil && in.Boundary.Policy != nil && (e.detail || !r.deny) {
		boundary = e.scanOne(in.Boundary, false)
		r.deny = r.deny || boundary.deny
		boundaryAllows = boundary.allow
	}
	sessionAllows := who.Type != PrincipalFederatedUser
	if len(in.SessionPolicies) > 0 && (e.detail || !r.deny) {
		session := e.scan(in.SessionPolicies, false)
		r.deny = r.deny || session.deny
		sessionAllows = session.allow
	}
	var resource setResult
	trust := false
	if in.Resource != nil && in.Resource.Policy != nil && (e.detail || !r.deny) {
		resource = e.scanOne(in.Resource, true)
		r.deny = r.deny || resource.deny
		trust = in.Resource.Policy.kind == Trust
	}

	res := Result{AllowedByBoundary: in.Boundary != nil && in.Boundary.Policy != nil && boundary.allow}
	if e.detail {
		res.MissingContextKeys = e.missing
	}
	if r.deny {
		res.Decision = ExplicitDeny
		res.Matched = e.denies
		return res
	}

	identityAllows := identity.allow
	if who.Type == PrincipalRoot {
		identityAllows, boundaryAllows, sessionAllows = true, true, true
	}
	limits := boundaryAllows && sessionAllows
	viaIdentity := identityAllows && limits
	allowed := false
	switch who.Type {
	case PrincipalAnonymous, PrincipalService, PrincipalWebIdentity:
		// No identity policies: only the resource policy can allow.
		allowed = resource.best > grantNone
	default:
		if in.ResourceAccount == "" || in.ResourceAccount == who.Account {
			switch {
			case resource.best == grantDirect:
				allowed = true
			case resource.best == grantIdentity:
				allowed = limits
			case trust || in.ResourceRequired:
				allowed = viaIdentity && resource.best == grantAccount
			default:
				allowed = viaIdentity
			}
		} else {
			allowed = viaIdentity && resource.best > grantNone
		}
	}
	if allowed {
		res.Decision = Allowed
		res.Matched = e.allows
	}
	return res
}

func (e *evaluator) scan(srcs []Source, resource bool) setResult {
	var r setResult
	for i := range srcs {
		if srcs[i].Policy == nil {
			continue
		}
		s := e.scanOne(&srcs[i], resource)
		r.deny = r.deny || s.deny
		r.allow = r.allow || s.allow
		r.best = max(r.best, s.best)
		if r.deny && !e.detail {
			break
		}
	}
	return r
}

// scanOne evaluates every statement of one policy.
func (e *evaluator) scanOne(src *Source, resource bool) setResult {
	var r setResult
	p := src.Policy
	for i := range p.Statements {
		st := &p.Statements[i]
		ok, g := e.applies(st, resource)
		if !ok {
			continue
		}
		if st.Effect == Deny {
			r.deny = true
			if !e.detail {
				return r
			}
			e.denies = append(e.denies, matchOf(src, i, st))
			continue
		}
		r.allow = true
		r.best = max(r.best, g)
		if e.detail {
			e.allows = append(e.allows, matchOf(src, i, st))
		}
	}
	return r
}

func matchOf(src *Source, i int, st *Statement) MatchedStatement {
	return MatchedStatement{
		PolicyID: src.ID, PolicyType: src.Type, Index: i, Sid: st.Sid,
		Effect: st.Effect, Start: st.Start, End: st.End,
	}
}

// applies reports whether st applies to the request and, for a resource
// policy, how it names the caller.
func (e *evaluator) applies(st *Statement, resource bool) (bool, grant) {
	req := e.req
	matched := false
	for i := range st.actions {
		if st.actions[i].match(req.Action, true, nil) {
			matched = true
			break
		}
	}
	if matched == (st.NotAction != nil) {
		return false, grantNone
	}
	if !e.resourceMatches(st) {
		return false, grantNone
	}
	g := grantDirect
	if resource {
		switch {
		case st.Principal != nil:
			if g = st.Principal.match(&req.Principal); g == grantNone {
				return false, grantNone
			}
		case st.NotPrincipal != nil:
			if st.NotPrincipal.excludes(&req.Principal) {
				return false, grantNone
			}
		default:
			g = grantAccount
		}
	}
	ok := true
	for i := range st.Conditions {
		c := &st.Conditions[i]
		r := c.eval(req.Context)
		if e.detail {
			if r.missing && c.op.fam != famNull {
				e.noteMissing(c.Key)
			}
			if r.badVar != "" {
				e.noteMissing(r.badVar)
			}
		}
		if !r.ok {
			ok = false
			if !e.detail {
				break
			}
		}
	}
	return ok, g
}

// resourceMatches matches the Resource or NotResource element. An entry with
// a variable that cannot be resolved never matches; in NotResource it makes
// the statement inapplicable.
func (e *evaluator) resourceMatches(st *Statement) bool {
	if len(st.resources) == 0 {
		return true // resource and trust policies without Resource
	}
	ctx := e.req.Context
	not := st.NotResource != nil
	matched := false
	for i := range st.resources {
		p := &st.resources[i]
		if name, bad := p.unresolved(ctx); bad {
			if e.detail {
				e.noteMissing(name)
			}
			if not {
				return false
			}
			continue
		}
		if !matched && p.match(e.req.Resource, false, ctx) {
			matched = true
			if !not && !e.detail {
				break
			}
		}
	}
	return matched != not
}

func (e *evaluator) noteMissing(key string) {
	for _, k := range e.missing {
		if strings.EqualFold(k, key) {
			return
		}
	}
	e.missing = append(e.missing, key)
}
