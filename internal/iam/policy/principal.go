package policy

import (
	"strings"

	"github.com/stratus-cloud/stratus/internal/identity"
)

// PrincipalType says what kind of caller a request comes from.
type PrincipalType uint8

const (
	// PrincipalAnonymous is an unauthenticated caller. It is the zero value:
	// only resource policies that name "*" can allow it anything.
	PrincipalAnonymous PrincipalType = iota
	// PrincipalRoot is an account's root user.
	PrincipalRoot
	// PrincipalUser is an IAM user (with long-term keys, or a session from
	// sts:GetSessionToken, which acts as the user).
	PrincipalUser
	// PrincipalAssumedRole is a role session from sts:AssumeRole*.
	PrincipalAssumedRole
	// PrincipalFederatedUser is a session from sts:GetFederationToken.
	PrincipalFederatedUser
	// PrincipalWebIdentity is a user of an external identity provider (web
	// identity or SAML) asking to assume a role; only trust policies apply.
	PrincipalWebIdentity
	// PrincipalService is an AWS service acting on its own behalf.
	PrincipalService
)

// PrincipalInfo describes the caller for matching Principal elements.
type PrincipalInfo struct {
	Type PrincipalType
	// ARN is the caller's own ARN: the user ARN, the assumed-role session
	// ARN (arn:aws:sts::123456789012:assumed-role/Role/session), the
	// federated-user ARN, or the account root ARN.
	ARN string
	// IdentityARN is the IAM entity behind a session: the role ARN (with its
	// path) of an assumed role, or the IAM user that called
	// GetFederationToken. Empty for users, root and the other types.
	IdentityARN string
	// UniqueID is the unique id of the user (AIDA...) or role (AROA...)
	// whose policies apply; Principal elements may name it instead of the
	// ARN. Optional.
	UniqueID string
	// Account is the caller's 12-digit account id.
	Account string
	// Service is the service principal of a PrincipalService, e.g.
	// "lambda.amazonaws.com".
	Service string
	// Provider is the identity provider of a PrincipalWebIdentity, e.g.
	// "accounts.google.com" or a SAML provider ARN.
	Provider string
	// CanonicalUser is the caller's S3 canonical user id, if it has one.
	CanonicalUser string
}

// PrincipalFromIdentity describes an authenticated caller.
func PrincipalFromIdentity(p *identity.Principal) PrincipalInfo {
	if p == nil {
		return PrincipalInfo{}
	}
	info := PrincipalInfo{ARN: p.ARN, Account: p.Account}
	uid, _, _ := strings.Cut(p.UserID, ":")
	info.UniqueID = uid
	switch p.Kind {
	case identity.KindRoot:
		info.Type = PrincipalRoot
		info.UniqueID = ""
	case identity.KindUser, identity.KindSessionUser:
		info.Type = PrincipalUser
	case identity.KindAssumedRole:
		info.Type = PrincipalAssumedRole
		info.IdentityARN = p.IdentityARN
	default:
		return PrincipalInfo{}
	}
	return info
}

// grant is how strongly a resource policy statement names the caller.
type grant uint8

const (
	grantNone grant = iota
	// grantAccount names the caller's account: it delegates to the account,
	// whose identity policies must then allow too.
	grantAccount
	// grantIdentity names the role behind a role session (or the user behind
	// a federated-user session): the boundary and session policies still
	// limit it.
	grantIdentity
	// grantDirect names the caller itself (or everyone).
	grantDirect
)

// isAWSCaller reports whether t is a principal of an account (one that the
// AWS key of a Principal element can name).
func (t PrincipalType) isAWSCaller() bool {
	switch t {
	case PrincipalRoot, PrincipalUser, PrincipalAssumedRole, PrincipalFederatedUser:
		return true
	}
	return false
}

// match returns how p names who.
func (p *Principals) match(who *PrincipalInfo) grant {
	if p.All {
		return grantDirect
	}
	best := grantNone
	for _, a := range p.AWS {
		if g := matchAWS(a, who); g > best {
			best = g
		}
	}
	if best == grantDirect {
		return best
	}
	switch who.Type {
	case PrincipalService:
		for _, s := range p.Service {
			if strings.EqualFold(s, who.Service) {
				return grantDirect
			}
		}
	case PrincipalWebIdentity:
		for _, f := range p.Federated {
			if f == who.Provider {
				return grantDirect
			}
		}
	}
	if who.CanonicalUser != "" {
		for _, c := range p.CanonicalUser {
			if c == who.CanonicalUser {
				return grantDirect
			}
		}
	}
	return best
}

// matchAWS returns how one entry of the AWS key names who.
func matchAWS(a string, who *PrincipalInfo) grant {
	if a == "*" {
		return grantDirect
	}
	if !who.Type.isAWSCaller() {
		return grantNone
	}
	behind := grantDirect // what naming the identity behind the caller is worth
	if who.Type == PrincipalAssumedRole || who.Type == PrincipalFederatedUser {
		behind = grantIdentity
	}
	switch {
	case a == who.ARN && who.Type != PrincipalRoot:
		return grantDirect
	case who.IdentityARN != "" && a == who.IdentityARN:
		return grantIdentity
	case who.UniqueID != "" && a == who.UniqueID:
		return behind
	case namesAccount(a, who.Account):
		return grantAccount
	}
	return grantNone
}

// namesAccount reports whether a is the account id acct or its root ARN.
func namesAccount(a, acct string) bool {
	if acct == "" {
		return false
	}
	if a == acct {
		return true
	}
	// arn:<partition>:iam::<acct>:root
	rest, ok := strings.CutPrefix(a, "arn:")
	if !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, ":")
	if !ok {
		return false
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	if !ok {
		return false
	}
	id, res, ok := strings.Cut(rest, ":")
	return ok && id == acct && res == "root"
}

// excludes reports whether a NotPrincipal element p excludes who: every form
// who is known by (its account, the role or user behind a session, the
// session itself) must be listed.
func (p *Principals) excludes(who *PrincipalInfo) bool {
	if p.All {
		return true
	}
	lists := func(s string) bool {
		if s == "" {
			return false
		}
		for _, a := range p.AWS {
			if a == s {
				return true
			}
		}
		return false
	}
	if lists("*") {
		return true
	}
	if who.CanonicalUser != "" {
		for _, c := range p.CanonicalUser {
			if c == who.CanonicalUser {
				return true
			}
		}
	}
	account := false
	for _, a := range p.AWS {
		if namesAccount(a, who.Account) {
			account = true
			break
		}
	}
	switch who.Type {
	case PrincipalRoot:
		return account
	case PrincipalUser:
		return account && (lists(who.ARN) || lists(who.UniqueID))
	case PrincipalAssumedRole:
		return account && (lists(who.IdentityARN) || lists(who.UniqueID)) && lists(who.ARN)
	case PrincipalFederatedUser:
		return account && lists(who.ARN)
	case PrincipalService:
		for _, s := range p.Service {
			if strings.EqualFold(s, who.Service) {
				return true
			}
		}
	case PrincipalWebIdentity:
		for _, f := range p.Federated {
			if f == who.Provider {
				return true
			}
		}
	}
	return false
}
