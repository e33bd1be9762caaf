// Package identity describes who is making a request once it is authenticated: the
// principal the authorizer evaluates policies for and that services record as the
// caller. It holds no logic about credentials or policies; internal/iam produces
// principals and internal/awsproto carries them in the request context.
package identity

import (
	"context"
	"sync"
)

// Kind says what sort of principal made the request.
type Kind string

const (
	// KindRoot is the account's root user.
	KindRoot Kind = "Root"
	// KindUser is an IAM user signing with a long-term access key.
	KindUser Kind = "IAMUser"
	// KindAssumedRole is a role session from sts:AssumeRole.
	KindAssumedRole Kind = "AssumedRole"
	// KindFederatedUser is a session from sts:GetSessionToken of an IAM user
	// (AWS reports these with the user's own ARN).
	KindSessionUser Kind = "SessionUser"
)

// Principal is an authenticated caller.
type Principal struct {
	Kind Kind
	// Account is the 12-digit account id the principal belongs to.
	Account string
	// ARN is what sts:GetCallerIdentity reports, e.g.
	// arn:aws:iam::123456789012:user/admin or
	// arn:aws:sts::123456789012:assumed-role/Role/session.
	ARN string
	// UserID is what GetCallerIdentity reports as UserId (AIDA..., AROA...:session).
	UserID string
	// Name is the user name or role name.
	Name string
	// SessionName is the role session name for assumed roles.
	SessionName string
	// IdentityARN is the ARN of the IAM entity whose policies apply: the user, or
	// the role for an assumed role (aws:PrincipalArn uses the role ARN).
	IdentityARN string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// SessionPolicies are the session policy documents (JSON) that limit a
	// temporary session, if any.
	SessionPolicies []string
	// SourceIP is the caller's IP address as seen by the listener.
	SourceIP string
	// SecureTransport reports whether the request came over TLS.
	SecureTransport bool
}

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the API request being served,
// so that what a request causes (a configuration item, an audit record) can
// name it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Notes are facts a request's handling wants in its audit record (CloudTrail's
// additionalEventData), e.g. that code was deployed despite a failed signature
// check under a Warn policy. Safe for concurrent use.
type Notes struct {
	mu sync.Mutex
	m  map[string]string
}

type notesKey struct{}

// WithNotes returns ctx carrying n.
func WithNotes(ctx context.Context, n *Notes) context.Context {
	return context.WithValue(ctx, notesKey{}, n)
}

// Note records key=value in the notes of ctx's request, if it has any.
func Note(ctx context.Context, key, value string) {
	n, _ := ctx.Value(notesKey{}).(*Notes)
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]string{}
	}
	n.m[key] = value
}

// All returns a copy of the notes, nil when there are none.
func (n *Notes) All() map[string]string {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.m) == 0 {
		return nil
	}
	out := make(map[string]string, len(n.m))
	for k, v := range n.m {
		out[k] = v
	}
	return out
}
