// Package authapi is IAM's adapter for the authentication step of the request
// path: it verifies a request's SigV4 signature (internal/sigv4) with the
// access keys and STS sessions of internal/iam and returns the principal that
// signed it. Like the other ...api packages of internal/iam it is a wire
// adapter: an HTTP request goes in.
//
// It is not for authorization (iam.Authorizer) and keeps no state of its own:
// iam.Service.LookupCredential owns the credential cache.
package authapi

import (
	"context"
	"net/http"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/sigv4"
)

// Authenticator implements awsproto.Authenticator over IAM's keys and sessions.
// It is safe for concurrent use.
type Authenticator struct {
	svc *iam.Service
	now func() time.Time
}

var _ awsproto.Authenticator = (*Authenticator)(nil)

// New returns an Authenticator; now is the clock (nil means time.Now) and
// must be the one svc uses, so that sessions expire when STS said.
func New(svc *iam.Service, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{svc: svc, now: now}
}

// Authenticate verifies r for the service signing as signingName and returns
// the principal whose key signed it. Errors are the *awserr.Error values of
// internal/sigv4: an unknown or inactive key is InvalidClientTokenId, a
// missing or wrong session token too, an expired session ExpiredToken.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte, signingName string) (*identity.Principal, error) {
	var found iam.Credential
	_, err := sigv4.Verify(r, body, sigv4.VerifyOptions{
		Now:     a.now,
		Service: signingName,
		Lookup: func(id string) (sigv4.Credential, error) {
			c, ok, err := a.svc.LookupCredential(ctx, id)
			if err != nil {
				return sigv4.Credential{}, err
			}
			if !ok || !c.Active {
				return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
			}
			found = c
			return sigv4.Credential{SecretAccessKey: c.Secret, SessionToken: c.SessionToken, Expires: c.Expires}, nil
		},
	})
	if err != nil {
		return nil, err
	}
	p := found.Principal
	return &p, nil
}
