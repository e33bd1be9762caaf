// Package policy is the IAM policy language: it parses and validates policy
// documents and decides whether a request is allowed by a set of policies, the
// way AWS's enforcement code does.
//
// # Parsing
//
// Parse turns a JSON document into a *Policy for one Kind of policy (identity,
// resource, role trust or session policy). It accepts what IAM accepts and
// rejects the rest with an *awserr.Error whose code is MalformedPolicyDocument
// and whose message is the one IAM gives where it is known ("Syntax errors in
// policy.", "Policy statement must contain actions.", ...). A *Policy is immutable once parsed and
// is safe for concurrent use; callers parse a document once and keep the
// result (patterns, numbers, dates, CIDRs and base64 values are compiled then).
// MarshalJSON writes a policy back as JSON that parses to the same policy.
//
// # Evaluating
//
// Evaluate (and its cheaper sibling Decide) applies AWS's policy evaluation
// logic to one Request (principal, action, resource, context keys) and one
// Input (identity policies, an optional resource policy, session policies and
// permissions boundary):
//
//   - An applicable Deny statement in any policy gives ExplicitDeny.
//   - Otherwise, within one account, the request is allowed when an identity
//     policy allows it and the permissions boundary and session policies (when
//     present) allow it too, or when the resource policy allows it. How much a
//     resource-policy allow is worth depends on how it names the caller:
//     naming the caller itself (user ARN, role-session ARN, federated-user ARN,
//     "*") is enough on its own; naming the role behind a role session (or the
//     user behind a federated-user session) is still limited by the boundary
//     and session policies; naming only the account delegates to the account,
//     so the identity policies must allow as well.
//   - Across accounts both sides must agree: the identity policies (with
//     boundary and session policies) and the resource policy.
//   - A role trust policy must always allow; it cannot be bypassed by
//     identity policies alone.
//   - Anything else is ImplicitDeny.
//
// Principal elements: an account id or "arn:aws:iam::<id>:root" names every
// principal of that account; a role ARN names the role and every session of it
// (AWS behaves this way for role ARNs in resource policies); an assumed-role
// session ARN names only that session; service principals and federated
// (web-identity/SAML) providers name principals of those types. NotPrincipal
// excludes a caller only when every form the caller is known by is listed (the
// account, the role behind a session, the session itself), as the IAM
// documentation describes for NotPrincipal with Deny.
//
// Conditions follow the IAM condition-operator reference: keys are
// case-insensitive, several values for a key are OR'd, several keys and
// operators are AND'd, negated operators match when the key is missing,
// ...IfExists matches when the key is missing, ForAllValues is true and
// ForAnyValue is false for a missing or empty key. Policy variables
// (${aws:username}, ${aws:PrincipalTag/team}, ${key, 'default'}, and the
// escapes ${*}, ${?}, ${$}) are expanded in Resource/NotResource and in the
// values of String, Arn and Bool conditions of version 2012-10-17 policies.
// A Resource entry or condition whose variable cannot be resolved never
// matches, whatever its operator; in NotResource it makes the statement
// inapplicable.
//
// The root user of an account has every permission its account grants: its
// identity check always passes, but explicit denies still apply.
//
// It is not for storing policies, attaching them to users, filling the global
// context keys (aws:SourceIp, aws:CurrentTime, aws:username, ...) from a
// request, or checking document size limits; the IAM service and the
// authorizer in front of every service do that. It knows nothing of HTTP.
package policy
