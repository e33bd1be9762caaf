package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Session durations, in seconds, as STS documents them.
const (
	defaultRoleSession          = 3600
	minSession                  = 900
	roleChainingLimit           = 3600
	defaultUserSession          = 43200
	maxUserSession              = 129600
	maxRootSession              = 3600
	maxSessionPolicyChars       = 2048
	maxSessionPolicyARNs        = 10
	sessionRetentionAfterExpiry = 24 * time.Hour
)

// Session kinds as stored.
const (
	sessionRole = "role"
	sessionUser = "user"
)

// Session is a set of temporary credentials from STS. Secret and Token appear in
// clear only in the value AssumeRole or GetSessionToken returns.
type Session struct {
	AccessKeyID string
	Secret      string
	Token       string
	Expires     time.Time
	// AssumedRoleARN and AssumedRoleID are set for role sessions:
	// arn:aws:sts::acct:assumed-role/Role/session and AROA...:session.
	AssumedRoleARN string
	AssumedRoleID  string
	// PackedPolicySize is the session policies' share of the allowed size, in
	// percent.
	PackedPolicySize int64
}

// AssumeRoleInput is what sts:AssumeRole asks for.
type AssumeRoleInput struct {
	RoleARN     string
	SessionName string
	// DurationSeconds is 0 for the default of one hour.
	DurationSeconds int64
	// Policy is an inline session policy ("" for none); PolicyARNs name managed
	// policies used as session policies.
	Policy     string
	PolicyARNs []string
	// Region is where the request was made, recorded as the role's last use.
	Region string
}

func sessionSecretAD(id string) []byte { return []byte("iam/session/" + id + "/secret") }
func sessionTokenAD(id string) []byte  { return []byte("iam/session/" + id + "/token") }

// AssumeRole creates a session of a role for caller. Authorization (the
// caller's identity policies and the role's trust policy) is the Authorizer's
// job and must have happened before. Returns AccessDenied if the role does not
// exist (as STS does), ValidationError for a duration beyond the role's
// maximum, MalformedPolicyDocument or PackedPolicyTooLarge for session
// policies.
func (s *Service) AssumeRole(ctx context.Context, caller *identity.Principal, in AssumeRoleInput) (*Session, error) {
	a, err := arn.Parse(in.RoleARN)
	kind, _, roleName, ok := arn.IAMResource(a.Resource)
	if err != nil || a.Service != "iam" || !ok || kind != "role" {
		return nil, validationError("%s is invalid", in.RoleARN)
	}
	if in.Policy != "" {
		if err := checkDocument(in.Policy, policy.SessionPolicy); err != nil {
			return nil, err
		}
	}
	if len(in.PolicyARNs) > maxSessionPolicyARNs {
		return nil, validationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyARNs)
	}
	packed := packedPolicySize(in.Policy, in.PolicyARNs)
	if packed > 100 {
		return nil, awserr.New(CodePackedPolicyTooLarge, statusBadRequest,
			"Packed policy consumes %d%% of allotted space, please use smaller policy for session.", packed)
	}
	now := s.nowUTC()
	var sess *Session
	err = s.updateKeepCaches(ctx, func(tx *store.Tx) error {
		r, err := getRole(ctx, tx, a.Account, roleName)
		if awsCode(err) == CodeNoSuchEntity || (err == nil && r.ARN != in.RoleARN) {
			return accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN(caller), in.RoleARN)
		}
		if err != nil {
			return err
		}
		dur := in.DurationSeconds
		if dur == 0 {
			dur = defaultRoleSession
		}
		if dur > r.MaxSessionDuration {
			return validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
		if caller != nil && caller.Kind == identity.KindAssumedRole && dur > roleChainingLimit {
			return validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
		var docs []string
		if in.Policy != "" {
			docs = append(docs, in.Policy)
		}
		for _, pa := range in.PolicyARNs {
			p, err := getPolicy(ctx, tx, a.Account, pa)
			if err != nil {
				return malformedPolicy("The policy %s does not exist or is not attachable.", pa)
			}
			v, err := getVersion(ctx, tx, p, p.DefaultVersionID)
			if err != nil {
				return err
			}
			docs = append(docs, v.Document)
		}
		sess, err = s.createSession(ctx, tx, sessionRow{
			account: r.Account, kind: sessionRole, entityName: r.Name, entityID: r.ID, entityPath: r.Path,
			sessionName: in.SessionName, policies: docs, expires: now.Add(time.Duration(dur) * time.Second),
		})
		if err != nil {
			return err
		}
		sess.AssumedRoleARN = arn.AssumedRole(r.Account, r.Name, in.SessionName)
		sess.AssumedRoleID = r.ID + ":" + in.SessionName
		sess.PackedPolicySize = packed
		_, err = tx.Exec(ctx, `UPDATE iam_roles SET last_used_at = ?, last_used_region = ? WHERE account = ? AND name_key = ?`,
			formatTime(now), in.Region, r.Account, nameKey(r.Name))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// packedPolicySize estimates the session policies' share of STS's packed-policy
// allowance, in percent: STS compresses them into the token; Stratus counts the
// characters of the inline policy without whitespace and 128 per policy ARN
// against 2048.
func packedPolicySize(doc string, arns []string) int64 {
	if doc == "" && len(arns) == 0 {
		return 0
	}
	n := policySize(doc) + 128*len(arns)
	return int64((n*100 + maxSessionPolicyChars - 1) / maxSessionPolicyChars)
}

func callerARN(p *identity.Principal) string {
	if p == nil {
		return ""
	}
	return p.ARN
}

// GetSessionToken creates a session that acts as the calling IAM user.
// durationSeconds 0 means 12 hours. Returns AccessDenied when the caller is not
// an IAM user or root signing with a long-term key, ValidationError for a
// duration out of range.
func (s *Service) GetSessionToken(ctx context.Context, caller *identity.Principal, durationSeconds int64) (*Session, error) {
	if caller == nil || (caller.Kind != identity.KindUser && caller.Kind != identity.KindRoot) {
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	dur := durationSeconds
	if dur == 0 {
		dur = defaultUserSession
		if caller.Kind == identity.KindRoot {
			dur = maxRootSession
		}
	}
	limit := int64(maxUserSession)
	if caller.Kind == identity.KindRoot {
		limit = maxRootSession
	}
	if dur < minSession || dur > limit {
		return nil, validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", dur, limit)
	}
	now := s.nowUTC()
	var sess *Session
	err := s.updateKeepCaches(ctx, func(tx *store.Tx) error {
		u, err := getUser(ctx, tx, caller.Account, caller.Name)
		if err != nil {
			return accessDenied("User: %s is not authorized to perform: sts:GetSessionToken", caller.ARN)
		}
		sess, err = s.createSession(ctx, tx, sessionRow{
			account: u.Account, kind: sessionUser, entityName: u.Name, entityID: u.ID, entityPath: u.Path,
			expires: now.Add(time.Duration(dur) * time.Second),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// sessionRow is a session as stored.
type sessionRow struct {
	account, kind                    string
	entityName, entityID, entityPath string
	sessionName                      string
	policies                         []string
	expires                          time.Time
}

// createSession stores a new session with fresh credentials and removes
// sessions that expired more than a day ago (kept that long so their use is
// answered with ExpiredToken rather than InvalidClientTokenId).
func (s *Service) createSession(ctx context.Context, tx *store.Tx, row sessionRow) (*Session, error) {
	id, err := s.ids.accessKeyID(prefixSessionKey)
	if err != nil {
		return nil, err
	}
	secret, err := s.ids.secretKey()
	if err != nil {
		return nil, err
	}
	token, err := s.ids.sessionToken()
	if err != nil {
		return nil, err
	}
	pol := "[]"
	if len(row.policies) > 0 {
		b, err := json.Marshal(row.policies)
		if err != nil {
			return nil, fmt.Errorf("encode session policies: %w", err)
		}
		pol = string(b)
	}
	now := s.nowUTC()
	if _, err := tx.Exec(ctx, `DELETE FROM iam_sessions WHERE expires_at < ?`, formatTime(now.Add(-sessionRetentionAfterExpiry))); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO iam_sessions (id, account, kind, entity_name, entity_id, entity_path, session_name,
		sealed_secret, sealed_token, policies, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, row.account, row.kind, row.entityName, row.entityID, row.entityPath, row.sessionName,
		s.seal.Seal([]byte(secret), sessionSecretAD(id)), s.seal.Seal([]byte(token), sessionTokenAD(id)),
		pol, formatTime(row.expires), formatTime(now))
	if err != nil {
		return nil, err
	}
	return &Session{AccessKeyID: id, Secret: secret, Token: token, Expires: row.expires}, nil
}
