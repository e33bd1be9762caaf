package iam

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Managed policy quotas.
const (
	maxPolicyVersions       = 5
	maxAttachedPerEntity    = 10
	policyScopeAll          = "All"
	policyScopeAWS          = "AWS"
	policyScopeLocal        = "Local"
	versionPrefix           = "v"
	errVersionsLimitMessage = "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."
)

// CreatePolicyInput describes a new customer managed policy.
type CreatePolicyInput struct {
	Name, Path, Document, Description string
	Tags                              []Tag
}

// CreatePolicy creates a customer managed policy with version v1 as default.
// Returns MalformedPolicyDocument, LimitExceeded or EntityAlreadyExists.
func (s *Service) CreatePolicy(ctx context.Context, account string, in CreatePolicyInput) (*ManagedPolicy, error) {
	if err := checkManagedDocument(in.Document); err != nil {
		return nil, err
	}
	id, err := s.ids.unique(prefixPolicy)
	if err != nil {
		return nil, err
	}
	now := s.nowUTC()
	p := &ManagedPolicy{
		Account: account, Name: in.Name, Path: arn.NormalizePath(in.Path), ID: id, Description: in.Description,
		DefaultVersionID: "v1", Created: now, Updated: now, Tags: in.Tags,
	}
	p.ARN = arn.IAM(account, "policy", p.Path, p.Name)
	err = s.update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO iam_policies (arn, account, name_key, name, path, id, description,
			default_version, next_version, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 2, ?, ?, ?)`,
			p.ARN, account, nameKey(p.Name), p.Name, p.Path, p.ID, p.Description, encodeTags(p.Tags), formatTime(now), formatTime(now))
		if store.IsUniqueViolation(err) {
			return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", p.Name)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version, document, created_at) VALUES (?, 1, ?, ?)`,
			p.ARN, in.Document, formatTime(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func checkManagedDocument(doc string) error {
	if err := checkDocument(doc, policy.Identity); err != nil {
		return err
	}
	if policySize(doc) > maxManagedSize {
		return limitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedSize)
	}
	return nil
}

// policyColumns selects a managed policy; its one argument is the account whose
// attachments AttachmentCount counts.
const policyColumns = `p.arn, p.account, p.name, p.path, p.id, p.description, p.default_version, p.tags, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM iam_attachments a WHERE a.policy_arn = p.arn AND a.account = ?)`

func scanPolicy(sc interface{ Scan(...any) error }) (*ManagedPolicy, error) {
	var p ManagedPolicy
	var def int64
	var tags, created, updated string
	if err := sc.Scan(&p.ARN, &p.Account, &p.Name, &p.Path, &p.ID, &p.Description, &def, &tags, &created, &updated, &p.AttachmentCount); err != nil {
		return nil, err
	}
	p.DefaultVersionID = versionID(def)
	p.Tags, p.Created, p.Updated = decodeTags(tags), parseTime(created), parseTime(updated)
	return &p, nil
}

func versionID(n int64) string { return versionPrefix + strconv.FormatInt(n, 10) }

func parseVersionID(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(s, versionPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0
}

// getPolicy reads a managed policy visible to account (its own or an AWS
// managed one). Returns NoSuchEntity.
func getPolicy(ctx context.Context, tx *store.Tx, account, policyARN string) (*ManagedPolicy, error) {
	p, err := scanPolicy(tx.QueryRow(ctx, `SELECT `+policyColumns+` FROM iam_policies p WHERE p.arn = ? AND p.account IN (?, ?)`,
		account, policyARN, account, awsAccount))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchPolicy(policyARN)
	}
	return p, err
}

// getOwnPolicy is getPolicy for writes: AWS managed policies cannot be changed.
func getOwnPolicy(ctx context.Context, tx *store.Tx, account, policyARN string) (*ManagedPolicy, error) {
	p, err := getPolicy(ctx, tx, account, policyARN)
	if err != nil {
		return nil, err
	}
	if p.AWSManaged() {
		return nil, accessDenied("The AWS managed policy %s cannot be modified.", policyARN)
	}
	return p, nil
}

// GetPolicy returns a managed policy. Returns NoSuchEntity.
func (s *Service) GetPolicy(ctx context.Context, account, policyARN string) (*ManagedPolicy, error) {
	var p *ManagedPolicy
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		p, err = getPolicy(ctx, tx, account, policyARN)
		return err
	})
	return p, err
}

// ListPoliciesInput filters ListPolicies.
type ListPoliciesInput struct {
	// Scope is All (default), AWS or Local.
	Scope string
	// OnlyAttached lists only policies attached to something in the account.
	OnlyAttached bool
	PathPrefix   string
}

// ListPolicies lists the managed policies visible to account, by name.
func (s *Service) ListPolicies(ctx context.Context, account string, in ListPoliciesInput, pg Page) ([]ManagedPolicy, string, error) {
	after, err := pg.after()
	if err != nil {
		return nil, "", err
	}
	afterName, afterARN, _ := strings.Cut(after, "\n")
	var owners []any
	switch in.Scope {
	case policyScopeAWS:
		owners = []any{awsAccount, awsAccount}
	case policyScopeLocal:
		owners = []any{account, account}
	default:
		owners = []any{account, awsAccount}
	}
	prefix := defaultPrefix(in.PathPrefix)
	q := `SELECT ` + policyColumns + ` FROM iam_policies p
		WHERE p.account IN (?, ?) AND substr(p.path, 1, ?) = ?
		AND (p.name_key > ? OR (p.name_key = ? AND p.arn > ?))`
	args := []any{account}
	args = append(args, owners...)
	args = append(args, len(prefix), prefix, afterName, afterName, afterARN)
	if in.OnlyAttached {
		q += ` AND EXISTS (SELECT 1 FROM iam_attachments a WHERE a.policy_arn = p.arn AND a.account = ?)`
		args = append(args, account)
	}
	q += ` ORDER BY p.name_key, p.arn LIMIT ?`
	args = append(args, pg.limit()+1)
	var out []ManagedPolicy
	err = s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPolicy(rows)
			if err != nil {
				return err
			}
			out = append(out, *p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, pg.limit(), func(p ManagedPolicy) string { return nameKey(p.Name) + "\n" + p.ARN })
	return out, next, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere and
// has only its default version left. Returns NoSuchEntity or DeleteConflict.
func (s *Service) DeletePolicy(ctx context.Context, account, policyARN string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		p, err := getOwnPolicy(ctx, tx, account, policyARN)
		if err != nil {
			return err
		}
		var attached, versions int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_attachments WHERE policy_arn = ?`, p.ARN).Scan(&attached); err != nil {
			return err
		}
		if attached > 0 {
			return deleteConflict("Cannot delete a policy attached to entities.")
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_policy_versions WHERE policy_arn = ?`, p.ARN).Scan(&versions); err != nil {
			return err
		}
		if versions > 1 {
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM iam_policy_versions WHERE policy_arn = ?`, p.ARN); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM iam_policies WHERE arn = ?`, p.ARN)
		return err
	})
}

// CreatePolicyVersion adds a version to a customer managed policy, optionally
// making it the default. Returns NoSuchEntity, MalformedPolicyDocument or
// LimitExceeded (more than 5 versions).
func (s *Service) CreatePolicyVersion(ctx context.Context, account, policyARN, doc string, setDefault bool) (*PolicyVersion, error) {
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	now := s.nowUTC()
	var v *PolicyVersion
	err := s.update(ctx, func(tx *store.Tx) error {
		p, err := getOwnPolicy(ctx, tx, account, policyARN)
		if err != nil {
			return err
		}
		var count int
		var next int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_policy_versions WHERE policy_arn = ?`, p.ARN).Scan(&count); err != nil {
			return err
		}
		if count >= maxPolicyVersions {
			return limitExceeded(errVersionsLimitMessage)
		}
		if err := tx.QueryRow(ctx, `SELECT next_version FROM iam_policies WHERE arn = ?`, p.ARN).Scan(&next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version, document, created_at) VALUES (?, ?, ?, ?)`,
			p.ARN, next, doc, formatTime(now)); err != nil {
			return err
		}
		def := "default_version"
		if setDefault {
			def = "?"
		}
		args := []any{next + 1}
		if setDefault {
			args = append(args, next)
		}
		args = append(args, formatTime(now), p.ARN)
		if _, err := tx.Exec(ctx, `UPDATE iam_policies SET next_version = ?, default_version = `+def+`, updated_at = ? WHERE arn = ?`, args...); err != nil {
			return err
		}
		v = &PolicyVersion{VersionID: versionID(next), Document: doc, IsDefault: setDefault, Created: now}
		return nil
	})
	return v, err
}

// GetPolicyVersion returns one version of a managed policy. Returns
// NoSuchEntity.
func (s *Service) GetPolicyVersion(ctx context.Context, account, policyARN, version string) (*PolicyVersion, error) {
	var v *PolicyVersion
	err := s.view(ctx, func(tx *store.Tx) error {
		p, err := getPolicy(ctx, tx, account, policyARN)
		if err != nil {
			return err
		}
		v, err = getVersion(ctx, tx, p, version)
		return err
	})
	return v, err
}

func getVersion(ctx context.Context, tx *store.Tx, p *ManagedPolicy, version string) (*PolicyVersion, error) {
	n, ok := parseVersionID(version)
	notFound := noSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, version)
	if !ok {
		return nil, notFound
	}
	var doc, created string
	err := tx.QueryRow(ctx, `SELECT document, created_at FROM iam_policy_versions WHERE policy_arn = ? AND version = ?`, p.ARN, n).Scan(&doc, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	return &PolicyVersion{VersionID: versionID(n), Document: doc, IsDefault: versionID(n) == p.DefaultVersionID, Created: parseTime(created)}, nil
}

// ListPolicyVersions lists the versions of a managed policy, newest first.
// Returns NoSuchEntity.
func (s *Service) ListPolicyVersions(ctx context.Context, account, policyARN string, pg Page) ([]PolicyVersion, string, error) {
	after, err := pg.after()
	if err != nil {
		return nil, "", err
	}
	before := int64(1 << 62)
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, "", validationError("Invalid Marker.")
		}
		before = n
	}
	var out []PolicyVersion
	err = s.view(ctx, func(tx *store.Tx) error {
		p, err := getPolicy(ctx, tx, account, policyARN)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT version, document, created_at FROM iam_policy_versions
			WHERE policy_arn = ? AND version < ? ORDER BY version DESC LIMIT ?`, p.ARN, before, pg.limit()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int64
			var doc, created string
			if err := rows.Scan(&n, &doc, &created); err != nil {
				return err
			}
			out = append(out, PolicyVersion{VersionID: versionID(n), Document: doc, IsDefault: versionID(n) == p.DefaultVersionID, Created: parseTime(created)})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, pg.limit(), func(v PolicyVersion) string { return strings.TrimPrefix(v.VersionID, versionPrefix) })
	return out, next, nil
}

// DeletePolicyVersion deletes a non-default version. Returns NoSuchEntity or
// DeleteConflict.
func (s *Service) DeletePolicyVersion(ctx context.Context, account, policyARN, version string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		p, err := getOwnPolicy(ctx, tx, account, policyARN)
		if err != nil {
			return err
		}
		v, err := getVersion(ctx, tx, p, version)
		if err != nil {
			return err
		}
		if v.IsDefault {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		n, _ := parseVersionID(v.VersionID)
		_, err = tx.Exec(ctx, `DELETE FROM iam_policy_versions WHERE policy_arn = ? AND version = ?`, p.ARN, n)
		return err
	})
}

// SetDefaultPolicyVersion makes version the default. Returns NoSuchEntity.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, account, policyARN, version string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		p, err := getOwnPolicy(ctx, tx, account, policyARN)
		if err != nil {
			return err
		}
		v, err := getVersion(ctx, tx, p, version)
		if err != nil {
			return err
		}
		n, _ := parseVersionID(v.VersionID)
		_, err = tx.Exec(ctx, `UPDATE iam_policies SET default_version = ?, updated_at = ? WHERE arn = ?`, n, formatTime(s.nowUTC()), p.ARN)
		return err
	})
}

// AttachPolicy attaches a managed policy to a user, group or role; attaching it
// again is a no-op. Returns NoSuchEntity or LimitExceeded (10 per entity).
func (s *Service) AttachPolicy(ctx context.Context, account string, owner Owner, policyARN string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		return attachPolicy(ctx, tx, account, owner, policyARN)
	})
}

func attachPolicy(ctx context.Context, tx *store.Tx, account string, owner Owner, policyARN string) error {
	key, err := ownerKey(ctx, tx, account, owner)
	if err != nil {
		return err
	}
	p, err := getPolicy(ctx, tx, account, policyARN)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_attachments WHERE account = ? AND owner_kind = ? AND owner_key = ? AND policy_arn <> ?`,
		account, string(owner.Kind), key, p.ARN).Scan(&n); err != nil {
		return err
	}
	if n >= maxAttachedPerEntity {
		return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", quotaEntity(owner.Kind), maxAttachedPerEntity)
	}
	_, err = tx.Exec(ctx, `INSERT INTO iam_attachments (account, owner_kind, owner_key, policy_arn) VALUES (?, ?, ?, ?)
			ON CONFLICT (account, owner_kind, owner_key, policy_arn) DO NOTHING`, account, string(owner.Kind), key, p.ARN)
	return err
}

func quotaEntity(k EntityKind) string {
	switch k {
	case KindGroup:
		return "Group"
	case KindRole:
		return "Role"
	}
	return "User"
}

// DetachPolicy detaches a managed policy. Returns NoSuchEntity when the entity
// does not exist or the policy is not attached to it.
func (s *Service) DetachPolicy(ctx context.Context, account string, owner Owner, policyARN string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		key, err := ownerKey(ctx, tx, account, owner)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM iam_attachments WHERE account = ? AND owner_kind = ? AND owner_key = ? AND policy_arn = ?`,
			account, string(owner.Kind), key, policyARN)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return noSuchEntity("Policy %s was not found.", policyARN)
		}
		return nil
	})
}

// ListAttachedPolicies lists the managed policies attached to owner whose path
// starts with pathPrefix, by name. Returns NoSuchEntity.
func (s *Service) ListAttachedPolicies(ctx context.Context, account string, owner Owner, pathPrefix string, pg Page) ([]AttachedPolicy, string, error) {
	after, err := pg.after()
	if err != nil {
		return nil, "", err
	}
	afterName, afterARN, _ := strings.Cut(after, "\n")
	prefix := defaultPrefix(pathPrefix)
	var out []AttachedPolicy
	err = s.view(ctx, func(tx *store.Tx) error {
		key, err := ownerKey(ctx, tx, account, owner)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT p.name, p.arn FROM iam_attachments a JOIN iam_policies p ON p.arn = a.policy_arn
			WHERE a.account = ? AND a.owner_kind = ? AND a.owner_key = ? AND substr(p.path, 1, ?) = ?
			AND (p.name_key > ? OR (p.name_key = ? AND p.arn > ?))
			ORDER BY p.name_key, p.arn LIMIT ?`,
			account, string(owner.Kind), key, len(prefix), prefix, afterName, afterName, afterARN, pg.limit()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ap AttachedPolicy
			if err := rows.Scan(&ap.Name, &ap.ARN); err != nil {
				return err
			}
			out = append(out, ap)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, pg.limit(), func(p AttachedPolicy) string { return nameKey(p.Name) + "\n" + p.ARN })
	return out, next, nil
}
