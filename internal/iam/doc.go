// Package iam is Stratus's identity and access domain: accounts and the
// organization they belong to, IAM users, groups, roles, inline and managed
// policies, access keys and STS sessions, kept in the store under the "iam"
// migrations owner; and the two lookups every API request depends on:
//
//   - Service.LookupCredential finds the key or session behind an access key
//     id and unseals its secret, for the SigV4 check in internal/iam/authapi;
//   - Authorizer gathers the principal's identity policies, session policies,
//     permissions boundary and the resource's policy (a role's trust policy for
//     sts:AssumeRole*, or what a service's ResourcePolicySource provides) and
//     decides with internal/iam/policy, answering denials with AWS's
//     AccessDenied message. It implements awsproto.Authorizer.
//
// Both cache what they read in memory, bounded, tagged with a write
// generation that every committed IAM write advances (creating a session does
// not), so a changed policy, attachment, group membership or key takes effect
// with the next request. The generation lives in this process: it assumes the
// process is the only writer of the iam tables, which holds while the store is
// an embedded SQLite database; a shared PostgreSQL store will need the
// generation in the database.
//
// Errors a client may see are *awserr.Error values with IAM's, STS's and
// Organizations' codes (NoSuchEntity, EntityAlreadyExists, LimitExceeded,
// DeleteConflict, MalformedPolicyDocument, ...); each method says which it
// returns. Names of users, groups, roles and managed policies are unique per
// account regardless of case, as in IAM. Secret access keys, session secrets
// and session tokens are stored only sealed with the root key
// (Config.Sealer, a *secret.Box in the server); the clear secret appears once,
// in the value that creates it.
//
// It is not for the wire: authapi verifies signatures, and iamapi, stsapi and
// orgapi decode requests, call this package and encode responses. It is not
// for the policy language itself (internal/iam/policy) and it does not import
// net/http.
package iam
