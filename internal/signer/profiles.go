package signer

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/codesign"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Statuses of a signing profile (version).
const (
	StatusActive   = codesign.StatusActive
	StatusCanceled = codesign.StatusCanceled
	StatusRevoked  = codesign.StatusRevoked
)

// Limits from the Signer API reference.
const (
	maxTags       = 200
	maxReason     = 500
	defaultList   = 25
	maxList       = 25
	defaultMonths = 135
)

var (
	profileNameRE = regexp.MustCompile(`^[a-zA-Z0-9_]{2,64}$`)
	versionRE     = regexp.MustCompile(`^[a-zA-Z0-9]{10}$`)
	kmsKeyARNRE   = regexp.MustCompile(`^arn:aws:kms:([a-z0-9-]+):([0-9]{12}):key/[A-Za-z0-9-]+$`)
	profileARNRE  = regexp.MustCompile(`^arn:aws:signer:([a-z0-9-]+):([0-9]{12}):/signing-profiles/([a-zA-Z0-9_]{2,64})(?:/([a-zA-Z0-9]{10}))?$`)
)

// ProfileVersion is what Lambda's signature checks need of one profile
// version; it is codesign's type so that Service is a codesign.ProfileLookup.
type ProfileVersion = codesign.ProfileVersion

var _ codesign.ProfileLookup = (*Service)(nil)

// Profile is a signing profile as of its current version.
type Profile struct {
	Account, Region, Name, Version string
	PlatformID                     string
	// KeyARN is the KMS key signatures are made with (certificateArn on the
	// wire).
	KeyARN       string
	Validity     codesign.Validity
	Status       string
	StatusReason string
	Created      time.Time
	// Revocation is set when Status is Revoked.
	Revocation *Revocation
	Tags       map[string]string
}

// Revocation records a RevokeSigningProfile.
type Revocation struct {
	// EffectiveFrom: signatures made at or after it are revoked.
	EffectiveFrom time.Time
	RevokedAt     time.Time
	RevokedBy     string
}

// ARN returns the profile ARN, without version.
func (p *Profile) ARN() string { return ProfileARN(p.Region, p.Account, p.Name) }

// VersionARN returns the profile version ARN.
func (p *Profile) VersionARN() string { return p.ARN() + "/" + p.Version }

// ProfileARN returns arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME.
func ProfileARN(region, account, name string) string {
	return "arn:aws:signer:" + region + ":" + account + ":/signing-profiles/" + name
}

// ProfileVersionARN returns the ARN of one version of a profile.
func ProfileVersionARN(region, account, name, version string) string {
	return ProfileARN(region, account, name) + "/" + version
}

// ParseProfileARN splits a profile ARN or profile version ARN; version is ""
// for a profile ARN.
func ParseProfileARN(s string) (region, account, name, version string, ok bool) {
	m := profileARNRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", "", "", false
	}
	return m[1], m[2], m[3], m[4], true
}

func checkName(name string) error {
	if !profileNameRE.MatchString(name) {
		return validation("Profile name %q must be 2 to 64 characters of a-z, A-Z, 0-9 and _.", name)
	}
	return nil
}

// PutInput is a PutSigningProfile request.
type PutInput struct {
	Name, PlatformID string
	// KeyARN is the ARN of a KMS ECC_NIST_P256 SIGN_VERIFY key in the
	// profile's region; "" makes a new key through Keys.
	KeyARN string
	// Validity is the signature validity period; nil means 135 months.
	Validity *codesign.Validity
	Tags     map[string]string
}

// PutSigningProfile creates a signing profile, or a new version of one
// whose current version is canceled or revoked. Returns ValidationException
// for a bad name, platform, validity period, key ARN or tags, or when the
// name's current version is Active.
func (s *Service) PutSigningProfile(ctx context.Context, account, region string, in PutInput) (*Profile, error) {
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if in.PlatformID != PlatformLambda {
		return nil, validation("Platform %s is not supported; Stratus signs for %s only.", in.PlatformID, PlatformLambda)
	}
	validity := codesign.Validity{Value: defaultMonths, Type: codesign.ValidityMonths}
	if in.Validity != nil {
		validity = *in.Validity
		switch validity.Type {
		case codesign.ValidityDays, codesign.ValidityMonths, codesign.ValidityYears:
		default:
			return nil, validation("Signature validity period type must be DAYS, MONTHS or YEARS.")
		}
		if validity.Value < 1 {
			return nil, validation("Signature validity period value must be at least 1.")
		}
	}
	if in.KeyARN != "" {
		m := kmsKeyARNRE.FindStringSubmatch(in.KeyARN)
		if m == nil {
			return nil, validation("Signing material %s is not a KMS key ARN: Stratus signs with KMS ECC_NIST_P256 keys.", in.KeyARN)
		}
		if m[1] != region {
			return nil, validation("Signing material %s is not in region %s.", in.KeyARN, region)
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.view(ctx, func(tx *store.Tx) error { return s.checkPuttable(ctx, tx, account, region, in.Name) }); err != nil {
		return nil, err
	}
	version, err := s.newVersion()
	if err != nil {
		return nil, err
	}
	keyARN := in.KeyARN
	if keyARN == "" {
		if keyARN, err = s.keys.CreateSigningKey(ctx, account, region, "Signing key of signer profile "+in.Name); err != nil {
			return nil, fmt.Errorf("create signing key: %w", err)
		}
	}
	p := &Profile{
		Account: account, Region: region, Name: in.Name, Version: version, PlatformID: in.PlatformID,
		KeyARN: keyARN, Validity: validity, Status: StatusActive, Created: s.now().UTC(), Tags: in.Tags,
	}
	err = s.update(ctx, func(tx *store.Tx) error {
		if err := s.checkPuttable(ctx, tx, account, region, in.Name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE signer_profiles SET current = 0 WHERE account = ? AND region = ? AND name = ?`,
			account, region, in.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO signer_profiles (account, region, name, version, current, platform, key_arn,
			validity_value, validity_type, status, status_reason, created_ms, revoked_from_ms, revoked_ms, revoked_by, tags)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, '', ?, 0, 0, '', ?)`,
			account, region, p.Name, p.Version, p.PlatformID, p.KeyARN, p.Validity.Value, p.Validity.Type, p.Status,
			millis(p.Created), encodeTags(p.Tags))
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) checkPuttable(ctx context.Context, tx *store.Tx, account, region, name string) error {
	cur, err := s.current(ctx, tx, account, region, name)
	if err != nil && !isNotFound(err) {
		return err
	}
	if cur != nil && cur.Status == StatusActive {
		return validation("Signing profile %s already exists; cancel it to put a new version.", name)
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if msg := tagProblem(tags); msg != "" {
		return validation("%s", msg)
	}
	return nil
}

// tagProblem says what is wrong with a profile's tags, "" when nothing.
func tagProblem(tags map[string]string) string {
	if len(tags) > maxTags {
		return fmt.Sprintf("A signing profile can have at most %d tags.", maxTags)
	}
	for k := range tags {
		if strings.HasPrefix(k, "aws:") {
			return "Tag keys starting with aws: are reserved."
		}
	}
	return ""
}

const profileColumns = `account, region, name, version, platform, key_arn, validity_value, validity_type, status,
	status_reason, created_ms, revoked_from_ms, revoked_ms, revoked_by, tags`

type scanner interface{ Scan(dest ...any) error }

func scanProfile(row scanner) (*Profile, error) {
	var p Profile
	var created, from, revoked int64
	var by, tags string
	if err := row.Scan(&p.Account, &p.Region, &p.Name, &p.Version, &p.PlatformID, &p.KeyARN, &p.Validity.Value,
		&p.Validity.Type, &p.Status, &p.StatusReason, &created, &from, &revoked, &by, &tags); err != nil {
		return nil, err
	}
	p.Created = fromMillis(created)
	if p.Status == StatusRevoked {
		p.Revocation = &Revocation{EffectiveFrom: fromMillis(from), RevokedAt: fromMillis(revoked), RevokedBy: by}
	}
	if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
		return nil, fmt.Errorf("decode tags of %s: %w", p.Name, err)
	}
	return &p, nil
}

func encodeTags(tags map[string]string) string {
	if tags == nil {
		tags = map[string]string{}
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func isNotFound(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// current returns the current version of name; sql.ErrNoRows when none.
func (s *Service) current(ctx context.Context, tx *store.Tx, account, region, name string) (*Profile, error) {
	return scanProfile(tx.QueryRow(ctx, `SELECT `+profileColumns+` FROM signer_profiles
		WHERE account = ? AND region = ? AND name = ? AND current = 1`, account, region, name))
}

// GetSigningProfile returns the current version of the profile owner (the
// caller's account when "") has in region. Returns ResourceNotFoundException.
func (s *Service) GetSigningProfile(ctx context.Context, account, region, name, owner string) (*Profile, error) {
	if owner == "" {
		owner = account
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	var p *Profile
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		p, err = s.current(ctx, tx, owner, region, name)
		if isNotFound(err) {
			return profileNotFound(name)
		}
		return err
	})
	return p, err
}

// ListInput is a ListSigningProfiles request.
type ListInput struct {
	// IncludeCanceled adds canceled and revoked profiles to the active ones.
	IncludeCanceled bool
	// Statuses, when set, lists exactly the profiles with these statuses.
	Statuses   []string
	PlatformID string
	Max        int
	NextToken  string
}

// ListSigningProfiles returns the current versions of account's profiles in
// region, by name, and the token of the next page ("" on the last).
// Returns ValidationException for a bad token.
func (s *Service) ListSigningProfiles(ctx context.Context, account, region string, in ListInput) ([]*Profile, string, error) {
	limit := in.Max
	if limit <= 0 || limit > maxList {
		limit = defaultList
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || checkName(string(b)) != nil {
			return nil, "", validation("Invalid nextToken.")
		}
		after = string(b)
	}
	statuses := in.Statuses
	if len(statuses) == 0 {
		statuses = []string{StatusActive}
		if in.IncludeCanceled {
			statuses = append(statuses, StatusCanceled, StatusRevoked)
		}
	}
	var out []*Profile
	next := ""
	err := s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+profileColumns+` FROM signer_profiles
			WHERE account = ? AND region = ? AND current = 1 AND name > ? ORDER BY name`, account, region, after)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanProfile(rows)
			if err != nil {
				return err
			}
			if !slices.Contains(statuses, p.Status) || (in.PlatformID != "" && p.PlatformID != in.PlatformID) {
				continue
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString([]byte(out[len(out)-1].Name))
				break
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// CancelSigningProfile makes an Active profile Canceled: it signs no more,
// and its name can be put again as a new version. Canceling a canceled or
// revoked profile changes nothing. Returns ResourceNotFoundException.
func (s *Service) CancelSigningProfile(ctx context.Context, account, region, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return s.update(ctx, func(tx *store.Tx) error {
		p, err := s.current(ctx, tx, account, region, name)
		if isNotFound(err) {
			return profileNotFound(name)
		}
		if err != nil || p.Status != StatusActive {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE signer_profiles SET status = ? WHERE account = ? AND region = ? AND name = ? AND version = ?`,
			StatusCanceled, account, region, name, p.Version)
		return err
	})
}

// RevokeInput is a RevokeSigningProfile request.
type RevokeInput struct {
	Name, Version, Reason string
	// EffectiveTime: signatures made at or after it are revoked.
	EffectiveTime time.Time
	// RevokedBy is the caller's ARN.
	RevokedBy string
}

// RevokeSigningProfile revokes one version of a profile, as AWS does: the
// effective time must not be in the future, and revoking a revoked version
// again may move the effective time earlier but not later. Returns
// ResourceNotFoundException for an unknown profile or version and
// ValidationException for a bad version, reason or effective time.
func (s *Service) RevokeSigningProfile(ctx context.Context, account, region string, in RevokeInput) error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if !versionRE.MatchString(in.Version) {
		return validation("Profile version must be 10 letters and digits.")
	}
	if n := len([]rune(in.Reason)); n < 1 || n > maxReason {
		return validation("Reason must be 1 to %d characters.", maxReason)
	}
	if in.EffectiveTime.IsZero() {
		return validation("Effective time is required.")
	}
	now := s.now().UTC()
	if in.EffectiveTime.After(now) {
		return validation("Revocation effective time cannot be in the future.")
	}
	return s.update(ctx, func(tx *store.Tx) error {
		p, err := scanProfile(tx.QueryRow(ctx, `SELECT `+profileColumns+` FROM signer_profiles
			WHERE account = ? AND region = ? AND name = ? AND version = ?`, account, region, in.Name, in.Version))
		if isNotFound(err) {
			return notFound("Signing profile %s has no version %s.", in.Name, in.Version)
		}
		if err != nil {
			return err
		}
		if p.Revocation != nil && in.EffectiveTime.After(p.Revocation.EffectiveFrom) {
			return validation("Revocation effective time can only be moved earlier, not later than %s.",
				p.Revocation.EffectiveFrom.Format(time.RFC3339))
		}
		_, err = tx.Exec(ctx, `UPDATE signer_profiles SET status = ?, status_reason = ?, revoked_from_ms = ?, revoked_ms = ?,
			revoked_by = ? WHERE account = ? AND region = ? AND name = ? AND version = ?`,
			StatusRevoked, in.Reason, millis(in.EffectiveTime), millis(now), in.RevokedBy, account, region, in.Name, in.Version)
		return err
	})
}

// ProfileVersion returns the profile version an ARN names, for Lambda's
// signature checks. Returns ResourceNotFoundException when it does not
// exist.
func (s *Service) ProfileVersion(ctx context.Context, profileVersionARN string) (*ProfileVersion, error) {
	region, account, name, version, ok := ParseProfileARN(profileVersionARN)
	if !ok || version == "" {
		return nil, notFound("%s is not a signing profile version ARN.", profileVersionARN)
	}
	var p *Profile
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		p, err = scanProfile(tx.QueryRow(ctx, `SELECT `+profileColumns+` FROM signer_profiles
			WHERE account = ? AND region = ? AND name = ? AND version = ?`, account, region, name, version))
		if isNotFound(err) {
			return notFound("Signing profile version %s does not exist.", profileVersionARN)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pv := &ProfileVersion{
		Account: p.Account, Region: p.Region, Name: p.Name, Version: p.Version, ARN: p.VersionARN(),
		Status: p.Status, KeyARN: p.KeyARN, Validity: p.Validity,
	}
	if p.Revocation != nil {
		pv.RevokedFrom = p.Revocation.EffectiveFrom
	}
	return pv, nil
}
