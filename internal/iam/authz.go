package iam

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/store"
)

// ResourcePolicySource gives the resource-based policy of the resources of one
// service (an SQS queue policy, a Lambda function policy, ...). Services hand
// one to the Authorizer at wiring time; the Authorizer consults it for
// requests on that service's resource ARNs.
type ResourcePolicySource interface {
	// ResourcePolicy returns the policy document attached to resourceARN that
	// governs action, with ok=false when there is none.
	ResourcePolicy(ctx context.Context, resourceARN, action string) (doc string, ok bool, err error)
}

// AuthorizerConfig configures an Authorizer.
type AuthorizerConfig struct {
	Service *Service
	// ResourcePolicies maps the service field of resource ARNs ("sqs",
	// "lambda", ...) to the source of their resource policies. Role trust
	// policies (the resource policy of iam roles for sts:AssumeRole*) are
	// built in.
	ResourcePolicies map[string]ResourcePolicySource
	// CacheEntries bounds the parsed-policy cache; 0 means 4096.
	CacheEntries int
}

// Authorizer decides whether a principal may perform an action on a resource
// with the principal's identity policies (a user's inline and attached
// policies and those of its groups; a role's for a role session), the session
// policies of a session, the permissions boundary, and the resource's policy.
// It implements awsproto.Authorizer and is safe for concurrent use.
//
// A principal's policies are read from the store on first use and cached,
// parsed, until the next IAM write (see Service.gen), so a change to a policy
// or an attachment takes effect with the next request.
type Authorizer struct {
	svc       *Service
	resources map[string]ResourcePolicySource
	cache     *policyCache
	// principals caches the parsed identity policies and boundary of users
	// and roles, tagged with the write generation they were read at.
	principals *lru[principalKey, principalPolicies]
}

type principalKey struct {
	account, name string
	role          bool
}

type principalPolicies struct {
	gen      uint64
	identity []policy.Source
	boundary *policy.Source
}

var _ awsproto.Authorizer = (*Authorizer)(nil)

// NewAuthorizer returns an Authorizer.
func NewAuthorizer(cfg AuthorizerConfig) *Authorizer {
	n := cfg.CacheEntries
	if n <= 0 {
		n = 4096
	}
	return &Authorizer{
		svc: cfg.Service, resources: cfg.ResourcePolicies, cache: newPolicyCache(n),
		principals: newLRU[principalKey, principalPolicies](n),
	}
}

// actionGetCallerIdentity needs no permission.
const actionGetCallerIdentity = "sts:GetCallerIdentity"

// Authorize returns nil if req is allowed, and an *awserr.Error with code
// AccessDenied and AWS's message if it is not.
func (a *Authorizer) Authorize(ctx context.Context, req *awsproto.AuthzRequest) error {
	p := req.Principal
	if p == nil {
		return accessDenied("Request is not authenticated.")
	}
	if strings.EqualFold(req.Action, actionGetCallerIdentity) {
		return nil // AWS answers it for every authenticated caller, even under an explicit deny
	}
	in, err := a.input(ctx, p, req.Action, req.Resource)
	if err != nil {
		return err
	}
	preq := &policy.Request{
		Principal: policy.PrincipalFromIdentity(p),
		Action:    req.Action,
		Resource:  req.Resource,
		Context:   globalContext(p, req),
	}
	if policy.Decide(preq, in) == policy.Allowed {
		return nil
	}
	return denial(p, preq, in)
}

// input gathers the policies that apply to p acting on resource.
func (a *Authorizer) input(ctx context.Context, p *identity.Principal, action, resource string) (*policy.Input, error) {
	pp, err := a.identityPolicies(ctx, p)
	if err != nil {
		return nil, err
	}
	in := &policy.Input{Identity: pp.identity, Boundary: pp.boundary}
	for i, doc := range p.SessionPolicies {
		parsed, err := a.cache.parse(doc, policy.SessionPolicy)
		if err != nil {
			return nil, fmt.Errorf("parse session policy of %s: %w", p.ARN, err)
		}
		in.SessionPolicies = append(in.SessionPolicies, policy.Source{ID: "SessionPolicy." + strconv.Itoa(i+1), Type: sourceSession, Policy: parsed})
	}
	if acct := resourceAccount(resource); acct != "" && acct != p.Account {
		in.ResourceAccount = acct
	}
	doc, kind, ok, err := a.resourcePolicy(ctx, action, resource)
	if err != nil {
		return nil, fmt.Errorf("read resource policy of %s: %w", resource, err)
	}
	if ok {
		parsed, err := a.cache.parse(doc, kind)
		if err != nil {
			return nil, fmt.Errorf("parse resource policy of %s: %w", resource, err)
		}
		in.Resource = &policy.Source{ID: "ResourcePolicy", Type: "resource", Policy: parsed}
		// A KMS key's policy is the primary control of access to it: IAM
		// policies matter only where the key policy lets them.
		in.ResourceRequired = strings.HasPrefix(resource, "arn:aws:kms:") && strings.Contains(resource, ":key/")
	}
	return in, nil
}

// identityPolicies returns the parsed identity policies and boundary of the
// user or role behind p, from the cache when no IAM write happened since they
// were read.
func (a *Authorizer) identityPolicies(ctx context.Context, p *identity.Principal) (principalPolicies, error) {
	k := principalKey{account: p.Account, name: nameKey(p.Name), role: p.Kind == identity.KindAssumedRole}
	gen := a.svc.generation()
	if e, ok := a.principals.get(k); ok && e.gen == gen {
		return e, nil
	}
	srcs, err := a.svc.principalPolicies(ctx, p)
	if err != nil {
		return principalPolicies{}, fmt.Errorf("read policies of %s: %w", p.ARN, err)
	}
	pp := principalPolicies{gen: gen}
	for _, s := range srcs {
		parsed, err := a.cache.parse(s.doc, s.kind)
		if err != nil {
			return principalPolicies{}, fmt.Errorf("parse stored policy %s of %s: %w", s.id, p.ARN, err)
		}
		src := policy.Source{ID: s.id, Type: s.typ, Policy: parsed}
		if s.typ == sourceBoundary {
			pp.boundary = &src
			continue
		}
		pp.identity = append(pp.identity, src)
	}
	a.principals.put(k, pp)
	return pp, nil
}

// resourcePolicy finds the resource-based policy governing action on resource:
// a role's trust policy for sts:AssumeRole*, else what the resource's service
// provides.
func (a *Authorizer) resourcePolicy(ctx context.Context, action, resource string) (string, policy.Kind, bool, error) {
	r, err := arn.Parse(resource)
	if err != nil {
		return "", 0, false, nil
	}
	if r.Service == "iam" && strings.HasPrefix(strings.ToLower(action), "sts:assumerole") {
		doc, ok, err := a.svc.RoleTrustPolicy(ctx, resource)
		return doc, policy.Trust, ok, err
	}
	src := a.resources[r.Service]
	if src == nil {
		return "", 0, false, nil
	}
	doc, ok, err := src.ResourcePolicy(ctx, resource, action)
	return doc, policy.Resource, ok, err
}

// resourceAccount is the account owning resource, "" when it has none or is
// AWS's (AWS managed policies).
func resourceAccount(resource string) string {
	acct := arn.Account(resource)
	if acct == awsAccount {
		return ""
	}
	return acct
}

// Source types reported in matched statements (SourcePolicyType).
const (
	sourceUser        = "user"
	sourceGroup       = "group"
	sourceRole        = "role"
	sourceAWSManaged  = "aws-managed"
	sourceUserManaged = "user-managed"
	sourceBoundary    = "permissions-boundary"
	sourceSession     = "session"
	sourceNone        = "none"
)

// storedPolicy is a policy document that applies to a principal.
type storedPolicy struct {
	id, typ, doc string
	kind         policy.Kind
}

// principalPolicies reads, in one query, the identity policies and permissions
// boundary of the user or role behind p.
func (s *Service) principalPolicies(ctx context.Context, p *identity.Principal) ([]storedPolicy, error) {
	var q string
	var args []any
	key := nameKey(p.Name)
	switch p.Kind {
	case identity.KindUser, identity.KindSessionUser:
		q = userPoliciesQuery
		args = []any{p.Account, key, p.Account, key, p.Account, key, p.Account, key, p.Account, key}
	case identity.KindAssumedRole:
		q = rolePoliciesQuery
		args = []any{p.Account, key, p.Account, key, p.Account, key}
	default:
		return nil, nil
	}
	return s.queryPolicies(ctx, q, args...)
}

func (s *Service) queryPolicies(ctx context.Context, q string, args ...any) ([]storedPolicy, error) {
	var out []storedPolicy
	err := s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sp := storedPolicy{kind: policy.Identity}
			if err := rows.Scan(&sp.typ, &sp.id, &sp.doc); err != nil {
				return err
			}
			out = append(out, sp)
		}
		return rows.Err()
	})
	return out, err
}

// managedSourceType reports AWS managed policies as aws-managed and customer
// managed ones as user-managed.
const managedSourceType = `CASE WHEN p.account = 'aws' THEN 'aws-managed' ELSE 'user-managed' END`

const attachedDocs = `FROM iam_attachments a
	JOIN iam_policies p ON p.arn = a.policy_arn
	JOIN iam_policy_versions v ON v.policy_arn = p.arn AND v.version = p.default_version`

const userPoliciesQuery = `
SELECT 'user', i.name, i.document FROM iam_inline_policies i
	WHERE i.account = ? AND i.owner_kind = 'user' AND i.owner_key = ?
UNION ALL
SELECT ` + managedSourceType + `, p.name, v.document ` + attachedDocs + `
	WHERE a.account = ? AND a.owner_kind = 'user' AND a.owner_key = ?
UNION ALL
SELECT 'group', i.name, i.document FROM iam_group_members m
	JOIN iam_inline_policies i ON i.account = m.account AND i.owner_kind = 'group' AND i.owner_key = m.group_key
	WHERE m.account = ? AND m.user_key = ?
UNION ALL
SELECT ` + managedSourceType + `, p.name, v.document FROM iam_group_members m
	JOIN iam_attachments a ON a.account = m.account AND a.owner_kind = 'group' AND a.owner_key = m.group_key
	JOIN iam_policies p ON p.arn = a.policy_arn
	JOIN iam_policy_versions v ON v.policy_arn = p.arn AND v.version = p.default_version
	WHERE m.account = ? AND m.user_key = ?
UNION ALL
SELECT 'permissions-boundary', p.name, v.document FROM iam_users u
	JOIN iam_policies p ON p.arn = u.boundary
	JOIN iam_policy_versions v ON v.policy_arn = p.arn AND v.version = p.default_version
	WHERE u.account = ? AND u.name_key = ?`

const rolePoliciesQuery = `
SELECT 'role', i.name, i.document FROM iam_inline_policies i
	WHERE i.account = ? AND i.owner_kind = 'role' AND i.owner_key = ?
UNION ALL
SELECT ` + managedSourceType + `, p.name, v.document ` + attachedDocs + `
	WHERE a.account = ? AND a.owner_kind = 'role' AND a.owner_key = ?
UNION ALL
SELECT 'permissions-boundary', p.name, v.document FROM iam_roles r
	JOIN iam_policies p ON p.arn = r.boundary
	JOIN iam_policy_versions v ON v.policy_arn = p.arn AND v.version = p.default_version
	WHERE r.account = ? AND r.name_key = ?`

const groupPoliciesQuery = `
SELECT 'group', i.name, i.document FROM iam_inline_policies i
	WHERE i.account = ? AND i.owner_kind = 'group' AND i.owner_key = ?
UNION ALL
SELECT ` + managedSourceType + `, p.name, v.document ` + attachedDocs + `
	WHERE a.account = ? AND a.owner_kind = 'group' AND a.owner_key = ?`

// principalType is the value of aws:PrincipalType.
func principalType(k identity.Kind) string {
	switch k {
	case identity.KindRoot:
		return "Account"
	case identity.KindAssumedRole:
		return "AssumedRole"
	}
	return "User"
}

// globalContext fills the global condition keys for p's request and adds the
// request's own keys.
func globalContext(p *identity.Principal, req *awsproto.AuthzRequest) policy.Context {
	c := make(policy.Context, 12+len(req.Context))
	t := req.Time
	if t.IsZero() {
		t = time.Now()
	}
	c["aws:currenttime"] = policy.DateValue(t)
	c["aws:epochtime"] = policy.ContextValue{Type: policy.TypeNumeric, Values: []string{strconv.FormatInt(t.Unix(), 10)}}
	c["aws:securetransport"] = policy.BoolValue(p.SecureTransport)
	if ip, err := netip.ParseAddr(p.SourceIP); err == nil {
		c["aws:sourceip"] = policy.IPValue(ip.Unmap())
	}
	principalARN := p.ARN
	if p.Kind == identity.KindAssumedRole && p.IdentityARN != "" {
		principalARN = p.IdentityARN
	}
	c["aws:principalarn"] = policy.StringValue(principalARN)
	c["aws:principalaccount"] = policy.StringValue(p.Account)
	c["aws:principaltype"] = policy.StringValue(principalType(p.Kind))
	if p.UserID != "" {
		c["aws:userid"] = policy.StringValue(p.UserID)
	}
	if p.Kind == identity.KindUser || p.Kind == identity.KindSessionUser {
		c["aws:username"] = policy.StringValue(p.Name)
	}
	if req.Region != "" {
		c["aws:requestedregion"] = policy.StringValue(req.Region)
	}
	for k, vs := range req.Context {
		if len(vs) == 1 {
			c.Set(k, policy.StringValue(vs[0]))
		} else {
			c.Set(k, policy.StringListValue(vs...))
		}
	}
	return c
}

// denial builds AWS's AccessDenied message for a request the policies refuse,
// naming the kind of policy responsible. It re-evaluates in detail: denials are
// the rare path.
func denial(p *identity.Principal, req *policy.Request, in *policy.Input) error {
	res := policy.Evaluate(req, in)
	var reason string
	switch {
	case res.Decision == policy.ExplicitDeny:
		reason = "with an explicit deny in " + article(describeSource(res.Matched))
	case in.ResourceAccount != "" && !allowsAlone(req, in.Resource):
		reason = "because no resource-based policy allows the " + req.Action + " action"
	default:
		reason = "because no " + missingAllow(req, in) + " allows the " + req.Action + " action"
	}
	on := ""
	if req.Resource != "" && req.Resource != "*" {
		on = " on resource: " + req.Resource
	}
	return accessDenied("User: %s is not authorized to perform: %s%s %s", p.ARN, req.Action, on, reason)
}

// describeSource names the kind of policy of the first matched deny.
func describeSource(m []policy.MatchedStatement) string {
	if len(m) == 0 {
		return "identity-based policy"
	}
	switch m[0].PolicyType {
	case "resource":
		return "resource-based policy"
	case sourceSession:
		return "session policy"
	case sourceBoundary:
		return "permissions boundary"
	}
	return "identity-based policy"
}

func article(s string) string {
	if strings.HasPrefix(s, "identity") {
		return "an " + s
	}
	return "a " + s
}

// allowsAlone reports whether a resource policy has an applicable Allow.
func allowsAlone(req *policy.Request, src *policy.Source) bool {
	if src == nil {
		return false
	}
	res := policy.Evaluate(req, &policy.Input{Resource: src})
	return res.Decision == policy.Allowed || len(res.Matched) > 0
}

// missingAllow names the policy kind whose allow was missing: the identity
// policies, else the permissions boundary, else the session policies.
func missingAllow(req *policy.Request, in *policy.Input) string {
	if policy.Decide(req, &policy.Input{Identity: in.Identity}) != policy.Allowed {
		return "identity-based policy"
	}
	if in.Boundary != nil && policy.Decide(req, &policy.Input{Identity: []policy.Source{*in.Boundary}}) != policy.Allowed {
		return "permissions boundary"
	}
	if len(in.SessionPolicies) > 0 && policy.Decide(req, &policy.Input{Identity: in.SessionPolicies}) != policy.Allowed {
		return "session policy"
	}
	return "identity-based policy"
}

// policyCache is a bounded LRU of parsed policies keyed by the SHA-256 of the
// document and the kind it was parsed as.
type policyCache struct {
	entries *lru[cacheKey, *policy.Policy]
}

type cacheKey struct {
	sum  [sha256.Size]byte
	kind policy.Kind
}

func newPolicyCache(max int) *policyCache {
	return &policyCache{entries: newLRU[cacheKey, *policy.Policy](max)}
}

// parse returns doc parsed as kind, from the cache when it was parsed before.
// Parse errors are not cached.
func (c *policyCache) parse(doc string, kind policy.Kind) (*policy.Policy, error) {
	k := cacheKey{sum: sha256.Sum256([]byte(doc)), kind: kind}
	if p, ok := c.entries.get(k); ok {
		return p, nil
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	c.entries.put(k, p)
	return p, nil
}

// len returns the number of cached policies.
func (c *policyCache) len() int { return c.entries.len() }
