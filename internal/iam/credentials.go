package iam

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Credential is what an access key id stands for: the principal it signs as
// and the secret (and, for sessions, token and expiry) to verify its
// signatures with.
type Credential struct {
	Principal identity.Principal
	Secret    string
	// SessionToken must accompany a session's requests; "" for long-term keys.
	SessionToken string
	// Expires is when a session ends; zero for long-term keys.
	Expires time.Time
	// Active is false for a deactivated long-term key.
	Active bool
}

// credentialCacheEntries bounds the credential cache.
const credentialCacheEntries = 10000

type cachedCredential struct {
	gen  uint64
	cred Credential
}

// LookupCredential returns the credential behind an access key id (an IAM
// access key or an STS session), with found=false for ids it does not know.
// The first lookup of an id is one indexed read and an unseal; the result is
// cached in memory (bounded) until the next IAM write, so a deleted or
// deactivated key stops working with the next request.
func (s *Service) LookupCredential(ctx context.Context, accessKeyID string) (c Credential, found bool, err error) {
	gen := s.generation()
	if e, ok := s.creds.get(accessKeyID); ok && e.gen == gen {
		return e.cred, true, nil
	}
	c, found, err = s.lookupCredential(ctx, accessKeyID)
	if err != nil || !found {
		return c, found, err
	}
	s.creds.put(accessKeyID, cachedCredential{gen: gen, cred: c})
	return c, true, nil
}

// lookupCredential finds, uncached, the long-term key or session behind an access key id
// in one indexed read and unseals its secret. found is false for unknown ids.
func (s *Service) lookupCredential(ctx context.Context, id string) (c Credential, found bool, err error) {
	switch {
	case strings.HasPrefix(id, prefixAccessKey):
		return s.lookupAccessKey(ctx, id)
	case strings.HasPrefix(id, prefixSessionKey):
		return s.lookupSession(ctx, id)
	}
	return Credential{}, false, nil
}

func (s *Service) lookupAccessKey(ctx context.Context, id string) (Credential, bool, error) {
	var c Credential
	var status, name, path, uid string
	var sealed []byte
	err := s.view(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT k.account, k.status, k.sealed_secret, u.name, u.path, u.id
			FROM iam_access_keys k JOIN iam_users u ON u.account = k.account AND u.name_key = k.user_key
			WHERE k.id = ?`, id).Scan(&c.Principal.Account, &status, &sealed, &name, &path, &uid)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, false, nil
	}
	if err != nil {
		return Credential{}, false, fmt.Errorf("look up access key: %w", err)
	}
	secret, err := s.seal.Open(sealed, accessKeyAD(id))
	if err != nil {
		return Credential{}, false, fmt.Errorf("unseal access key %s: %w", id, err)
	}
	userARN := arn.IAM(c.Principal.Account, "user", path, name)
	c.Principal = identity.Principal{
		Kind: identity.KindUser, Account: c.Principal.Account, ARN: userARN, UserID: uid, Name: name,
		IdentityARN: userARN, AccessKeyID: id,
	}
	c.Secret, c.Active = string(secret), status == StatusActive
	return c, true, nil
}

func (s *Service) lookupSession(ctx context.Context, id string) (Credential, bool, error) {
	var account, kind, name, eid, path, sessionName, policies, expires string
	var sealedSecret, sealedToken []byte
	err := s.view(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT account, kind, entity_name, entity_id, entity_path, session_name,
			sealed_secret, sealed_token, policies, expires_at FROM iam_sessions WHERE id = ?`, id).
			Scan(&account, &kind, &name, &eid, &path, &sessionName, &sealedSecret, &sealedToken, &policies, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, false, nil
	}
	if err != nil {
		return Credential{}, false, fmt.Errorf("look up session: %w", err)
	}
	secret, err := s.seal.Open(sealedSecret, sessionSecretAD(id))
	if err != nil {
		return Credential{}, false, fmt.Errorf("unseal session %s: %w", id, err)
	}
	token, err := s.seal.Open(sealedToken, sessionTokenAD(id))
	if err != nil {
		return Credential{}, false, fmt.Errorf("unseal session %s: %w", id, err)
	}
	c := Credential{Secret: string(secret), SessionToken: string(token), Expires: parseTime(expires), Active: true}
	p := identity.Principal{Account: account, Name: name, AccessKeyID: id}
	switch kind {
	case sessionRole:
		p.Kind = identity.KindAssumedRole
		p.ARN = arn.AssumedRole(account, name, sessionName)
		p.UserID = eid + ":" + sessionName
		p.SessionName = sessionName
		p.IdentityARN = arn.IAM(account, "role", path, name)
	default:
		p.Kind = identity.KindSessionUser
		p.ARN = arn.IAM(account, "user", path, name)
		p.UserID = eid
		p.IdentityARN = p.ARN
	}
	if policies != "" && policies != "[]" {
		if err := json.Unmarshal([]byte(policies), &p.SessionPolicies); err != nil {
			return Credential{}, false, fmt.Errorf("decode session policies: %w", err)
		}
	}
	c.Principal = p
	return c, true, nil
}
