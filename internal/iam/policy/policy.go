package policy

import "strconv"

// Kind is the kind of policy a document is, which decides what Parse accepts.
type Kind uint8

const (
	// Identity is a policy attached to a user, group or role (inline or
	// managed). It must not name a principal and must name resources.
	Identity Kind = iota + 1
	// Resource is a policy attached to a resource (queue, topic, key,
	// function, ...). It must name a principal; without a Resource element
	// a statement applies to the resource the policy is attached to.
	Resource
	// Trust is a role's trust policy, the resource policy of the role for
	// the sts:AssumeRole* actions. It must name a principal, may name only
	// sts actions and must not name resources. It must always allow an
	// assumption: identity policies alone never suffice.
	Trust
	// SessionPolicy is a policy passed when a role session or federated-user
	// session is created. It is checked like an identity policy.
	SessionPolicy
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Resource:
		return "resource"
	case Trust:
		return "trust"
	case SessionPolicy:
		return "session"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// The policy language versions.
const (
	// Version2012 is the current version; it supports policy variables.
	Version2012 = "2012-10-17"
	// Version2008 is the original version; ${...} is literal text in it.
	// A document without a Version element is read as this version.
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect uint8

const (
	// Allow grants what the statement describes.
	Allow Effect = iota + 1
	// Deny refuses what the statement describes, whatever else allows it.
	Deny
)

// String returns "Allow" or "Deny".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "Effect(" + strconv.Itoa(int(e)) + ")"
}

// Position is a place in a policy document: a 1-based line and a 1-based
// column counted in characters. It is what IAM's Simulate APIs report as
// StartPosition and EndPosition.
type Position struct {
	Line   int
	Column int
}

// Policy is a parsed and validated policy document. It is immutable and safe
// for concurrent use; its exported fields are for reading only (changing them
// does not change how the policy evaluates).
type Policy struct {
	// Version is the Version element as written ("" when absent).
	Version string
	// ID is the Id element ("" when absent).
	ID string
	// Statements are the statements in document order.
	Statements []Statement

	kind Kind
	// singleStatement records that Statement was an object, not an array.
	singleStatement bool
}

// Kind returns the kind the policy was parsed as.
func (p *Policy) Kind() Kind { return p.kind }

// Statement is one statement of a policy. Exactly one of Action and NotAction
// is set; at most one of Resource and NotResource, and of Principal and
// NotPrincipal. Treat it as read-only.
type Statement struct {
	// Sid is the statement id ("" when absent).
	Sid          string
	Effect       Effect
	Principal    *Principals
	NotPrincipal *Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	// Conditions are the statement's conditions, in document order; all of
	// them must hold for the statement to apply.
	Conditions []Condition
	// Start is where the statement's opening brace is; End is just after its
	// closing brace.
	Start, End Position

	actions   []pattern // Action or NotAction, case-insensitive globs
	resources []pattern // Resource or NotResource globs
	// singles records which elements were written as a single string
	// rather than a list (for MarshalJSON).
	singles uint8
}

const (
	singleAction uint8 = 1 << iota
	singleResource
)

// Principals is the value of a Principal or NotPrincipal element.
type Principals struct {
	// All is set for the bare "*" form ("Principal": "*").
	All bool
	// AWS lists account ids, account root ARNs, user, role, role-session and
	// federated-user ARNs, unique ids, or "*".
	AWS []string
	// Service lists service principals such as "lambda.amazonaws.com".
	Service []string
	// Federated lists web-identity providers ("accounts.google.com") and
	// SAML/OIDC provider ARNs.
	Federated []string
	// CanonicalUser lists S3 canonical user ids.
	CanonicalUser []string

	// singles records which lists were written as a single string.
	singles uint8
}

const (
	singleAWS uint8 = 1 << iota
	singleService
	singleFederated
	singleCanonical
)
