package secrets

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Staging labels Secrets Manager manages itself.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// Limits from the Secrets Manager documentation.
const (
	maxName            = 512
	maxDescription     = 2048
	maxValue           = 65536
	maxTags            = 50
	maxStages          = 20
	minToken, maxToken = 32, 64
	minRecoveryDays    = 7
	maxRecoveryDays    = 30
	maxPolicy          = 20480
	suffixLen          = 6
	suffixAlphabet     = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// Secret is a secret's metadata; its values are read with GetSecretValue.
type Secret struct {
	Account, Region, Name, ARN string
	Description                string
	// KmsKeyID is the key the caller named; "" is the AWS managed key.
	KmsKeyID string
	Created  time.Time
	Changed  time.Time
	// Deleted is when DeleteSecret was called, zero unless the secret is
	// scheduled for deletion; PurgeDate is when its recovery window ends.
	Deleted, PurgeDate time.Time
	Tags               map[string]string
	Policy             string
	Versions           []Version
}

// VersionsToStages maps each version that has a stage to its stages.
func (s *Secret) VersionsToStages() map[string][]string {
	m := map[string][]string{}
	for _, v := range s.Versions {
		if len(v.Stages) > 0 {
			m[v.ID] = v.Stages
		}
	}
	return m
}

// Version is one version of a secret's value.
type Version struct {
	ID       string
	Stages   []string
	Created  time.Time
	KmsKeyID string
}

// Value is a secret value with the version it belongs to. Exactly one of
// String and Binary is set.
type Value struct {
	ARN, Name, VersionID string
	String               *string
	Binary               []byte
	Stages               []string
	Created              time.Time
}

// ValueInput is a new secret value: String or Binary (not both); Token is
// the ClientRequestToken that becomes the version id ("" for a random one).
type ValueInput struct {
	String *string
	Binary []byte
	Token  string
}

func (v ValueInput) present() bool { return v.String != nil || v.Binary != nil }

func (v ValueInput) check() error {
	if v.String != nil && v.Binary != nil {
		return invalidParam("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	if len(v.Binary) > maxValue || (v.String != nil && len(*v.String) > maxValue) {
		return invalidParam("The secret value exceeds the maximum size of %d bytes.", maxValue)
	}
	if v.Token != "" && (len(v.Token) < minToken || len(v.Token) > maxToken) {
		return invalidParam("ClientRequestToken must be between %d and %d characters long.", minToken, maxToken)
	}
	return nil
}

// plaintext is what is encrypted: a kind byte ('s' string, 'b' binary) and
// the value.
func (v ValueInput) plaintext() []byte {
	if v.String != nil {
		return append([]byte{'s'}, *v.String...)
	}
	return append([]byte{'b'}, v.Binary...)
}

func fillValue(out *Value, plain []byte) error {
	if len(plain) == 0 {
		return newErr(CodeDecryption, "Secrets Manager can't decrypt the protected secret text using the provided KMS key.")
	}
	switch plain[0] {
	case 's':
		s := string(plain[1:])
		out.String = &s
	case 'b':
		out.Binary = bytes.Clone(plain[1:])
	default:
		return newErr(CodeDecryption, "Secrets Manager can't decrypt the protected secret text using the provided KMS key.")
	}
	return nil
}

// CreateInput is the input of CreateSecret.
type CreateInput struct {
	Name, Description, KmsKeyID string
	Value                       ValueInput
	Tags                        map[string]string
}

func checkName(name string) error {
	if name == "" || len(name) > maxName {
		return invalidParam("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+=.@-!", r)
		if !ok {
			return invalidParam("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
		}
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return invalidParam("You can't add more than %d tags to a secret.", maxTags)
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return invalidParam("Tag keys must be 1 to 128 characters and values at most 256 characters.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParam("Tag keys can't start with the reserved prefix aws:.")
		}
	}
	return nil
}

// ARNPrefix returns arn:aws:secretsmanager:REGION:ACCOUNT:secret: , the
// start of every secret ARN in that account and region.
func ARNPrefix(region, account string) string {
	return "arn:aws:secretsmanager:" + region + ":" + account + ":secret:"
}

// CreateSecret creates a secret with its first version when in.Value has
// one, and returns it with the new version id ("" without a value).
// Repeating a call with the same ClientRequestToken and value returns the
// same secret and version. Returns ResourceExistsException if the name is
// taken, InvalidRequestException if a secret of that name is scheduled for
// deletion, InvalidParameterException for bad input.
func (s *Service) CreateSecret(ctx context.Context, account, region string, in CreateInput) (*Secret, string, error) {
	if err := checkName(in.Name); err != nil {
		return nil, "", err
	}
	if len(in.Description) > maxDescription {
		return nil, "", invalidParam("Description must be at most %d characters.", maxDescription)
	}
	if err := in.Value.check(); err != nil {
		return nil, "", err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, "", err
	}
	if in.Value.present() && in.Value.Token != "" {
		if sec, err := s.DescribeSecret(ctx, account, region, in.Name); err == nil {
			return s.repeatedCreate(ctx, sec, in)
		}
	}
	raw, err := s.random(suffixLen)
	if err != nil {
		return nil, "", err
	}
	suffix := make([]byte, suffixLen)
	for i, b := range raw {
		suffix[i] = suffixAlphabet[int(b)%len(suffixAlphabet)]
	}
	now := s.now()
	sec := &Secret{
		Account: account, Region: region, Name: in.Name, ARN: ARNPrefix(region, account) + in.Name + "-" + string(suffix),
		Description: in.Description, KmsKeyID: in.KmsKeyID, Created: now, Changed: now, Tags: in.Tags,
	}
	var ver *Version
	var blob []byte
	if in.Value.present() {
		if ver, blob, err = s.seal(ctx, sec, in.Value, now); err != nil {
			return nil, "", err
		}
		ver.Stages = []string{StageCurrent}
		sec.Versions = []Version{*ver}
	}
	err = s.update(ctx, func(tx *store.Tx) error {
		old, err := loadByName(ctx, tx, account, region, in.Name)
		switch {
		case err == nil && old.gone(now):
			if _, err := tx.Exec(ctx, `DELETE FROM secrets WHERE arn = ?`, old.ARN); err != nil {
				return err
			}
		case err == nil && !old.Deleted.IsZero():
			return newErr(CodeInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion.")
		case err == nil:
			return newErr(CodeExists, "The operation failed because the secret %s already exists.", in.Name)
		case !isNotFound(err):
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO secrets (account, region, name, arn, description, kms_key_id, created_ms, changed_ms, deleted_ms, purge_ms, tags, policy)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, '')`,
			account, region, sec.Name, sec.ARN, sec.Description, sec.KmsKeyID, millis(now), millis(now), encodeJSON(orEmpty(sec.Tags)))
		if err != nil {
			return err
		}
		if ver != nil {
			return insertVersion(ctx, tx, sec.ARN, ver, blob)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if ver == nil {
		return sec, "", nil
	}
	return sec, ver.ID, nil
}

// repeatedCreate answers a CreateSecret whose name exists: the same call
// again (same token, same value) succeeds with what the first one made.
func (s *Service) repeatedCreate(ctx context.Context, sec *Secret, in CreateInput) (*Secret, string, error) {
	for _, v := range sec.Versions {
		if v.ID != in.Value.Token {
			continue
		}
		same, err := s.sameValue(ctx, sec, v.ID, in.Value)
		if err != nil {
			return nil, "", err
		}
		if same {
			return sec, v.ID, nil
		}
		return nil, "", newErr(CodeExists, "You can't modify an existing version, you can only create a new version.")
	}
	if !sec.Deleted.IsZero() {
		return nil, "", newErr(CodeInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion.")
	}
	return nil, "", newErr(CodeExists, "The operation failed because the secret %s already exists.", in.Name)
}

// seal encrypts v for a new version of sec.
func (s *Service) seal(ctx context.Context, sec *Secret, v ValueInput, now time.Time) (*Version, []byte, error) {
	id := v.Token
	if id == "" {
		var err error
		if id, err = s.newVersionID(); err != nil {
			return nil, nil, err
		}
	}
	keyID := sec.KmsKeyID
	if keyID == "" {
		keyID = DefaultKeyAlias
	}
	blob, err := s.keys.Encrypt(ctx, sec.Account, sec.Region, keyID, v.plaintext(), encryptionContext(sec.ARN, id))
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("encrypt secret value: %w", err)
	}
	return &Version{ID: id, Created: now, KmsKeyID: sec.KmsKeyID}, blob, nil
}

func encryptionContext(arn, versionID string) map[string]string {
	return map[string]string{"SecretARN": arn, "SecretVersionId": versionID}
}

func insertVersion(ctx context.Context, tx *store.Tx, arn string, v *Version, blob []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO secret_versions (secret_arn, version_id, created_ms, stages, kms_key_id, value) VALUES (?, ?, ?, ?, ?, ?)`,
		arn, v.ID, millis(v.Created), encodeJSON(orEmptyList(v.Stages)), v.KmsKeyID, blob)
	return err
}

// GetSecretValue decrypts the version versionID names, or else the one with
// stage (AWSCURRENT when both are ""). Returns ResourceNotFoundException for
// an unknown secret, version or stage, InvalidRequestException for a secret
// scheduled for deletion.
func (s *Service) GetSecretValue(ctx context.Context, account, region, ref, versionID, stage string) (*Value, error) {
	if versionID == "" && stage == "" {
		stage = StageCurrent
	}
	var out Value
	var blob []byte
	err := s.view(ctx, func(tx *store.Tx) error {
		sec, err := s.load(ctx, tx, account, region, ref)
		if err != nil {
			return err
		}
		if !sec.Deleted.IsZero() {
			return markedForDeletion()
		}
		for _, v := range sec.Versions {
			if (versionID == "" || v.ID == versionID) && (stage == "" || slices.Contains(v.Stages, stage)) {
				out = Value{ARN: sec.ARN, Name: sec.Name, VersionID: v.ID, Stages: v.Stages, Created: v.Created}
				return tx.QueryRow(ctx, `SELECT value FROM secret_versions WHERE secret_arn = ? AND version_id = ?`, sec.ARN, v.ID).Scan(&blob)
			}
		}
		if versionID != "" {
			return newErr(CodeNotFound, "Secrets Manager can't find the specified secret value for VersionId: %s", versionID)
		}
		return newErr(CodeNotFound, "Secrets Manager can't find the specified secret value for staging label: %s", stage)
	})
	if err != nil {
		return nil, err
	}
	plain, err := s.keys.Decrypt(ctx, account, region, blob, encryptionContext(out.ARN, out.VersionID))
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("decrypt secret value: %w", err)
	}
	if err := fillValue(&out, plain); err != nil {
		return nil, err
	}
	return &out, nil
}

// sameValue reports whether version id of sec holds v's value.
func (s *Service) sameValue(ctx context.Context, sec *Secret, id string, v ValueInput) (bool, error) {
	got, err := s.GetSecretValue(ctx, sec.Account, sec.Region, sec.ARN, id, "")
	if err != nil {
		return false, err
	}
	if v.String != nil {
		return got.String != nil && *got.String == *v.String, nil
	}
	return got.String == nil && bytes.Equal(got.Binary, v.Binary), nil
}

// PutSecretValue adds a version with stages (AWSCURRENT when none are
// given); a stage moves from the version that had it, and the version that
// loses AWSCURRENT gets AWSPREVIOUS. Repeating a call with the same token and
// value changes nothing. Returns ResourceExistsException when the token names
// a version with another value.
func (s *Service) PutSecretValue(ctx context.Context, account, region, ref string, v ValueInput, stages []string) (*Value, error) {
	if !v.present() {
		return nil, invalidParam("You must provide either SecretString or SecretBinary.")
	}
	if err := v.check(); err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	if len(stages) > maxStages {
		return nil, invalidParam("A version can have at most %d staging labels.", maxStages)
	}
	sec, err := s.DescribeSecret(ctx, account, region, ref)
	if err != nil {
		return nil, err
	}
	if !sec.Deleted.IsZero() {
		return nil, markedForDeletion()
	}
	if v.Token != "" {
		for _, old := range sec.Versions {
			if old.ID != v.Token {
				continue
			}
			same, err := s.sameValue(ctx, sec, old.ID, v)
			if err != nil {
				return nil, err
			}
			if !same {
				return nil, newErr(CodeExists, "You can't modify an existing version, you can only create a new version.")
			}
			return &Value{ARN: sec.ARN, Name: sec.Name, VersionID: old.ID, Stages: old.Stages, Created: old.Created}, nil
		}
	}
	ver, blob, err := s.seal(ctx, sec, v, s.now())
	if err != nil {
		return nil, err
	}
	ver.Stages = dedupe(stages)
	if err := s.addVersion(ctx, sec, ver, blob); err != nil {
		return nil, err
	}
	return &Value{ARN: sec.ARN, Name: sec.Name, VersionID: ver.ID, Stages: ver.Stages, Created: ver.Created}, nil
}

// addVersion stores ver in sec (which must still exist under the same ARN
// and not be deleted) and moves its stages to it.
func (s *Service) addVersion(ctx context.Context, sec *Secret, ver *Version, blob []byte) error {
	return s.update(ctx, func(tx *store.Tx) error {
		cur, err := s.load(ctx, tx, sec.Account, sec.Region, sec.ARN)
		if err != nil {
			return err
		}
		if !cur.Deleted.IsZero() {
			return markedForDeletion()
		}
		for _, v := range cur.Versions {
			if v.ID == ver.ID {
				return newErr(CodeExists, "You can't modify an existing version, you can only create a new version.")
			}
		}
		if err := insertVersion(ctx, tx, cur.ARN, ver, blob); err != nil {
			return err
		}
		if err := moveStages(ctx, tx, cur, ver.ID, ver.Stages); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE secrets SET changed_ms = ? WHERE arn = ?`, millis(ver.Created), cur.ARN)
		return err
	})
}

// moveStages takes stages away from every version of sec but to; if
// AWSCURRENT moves, the version that had it becomes AWSPREVIOUS.
func moveStages(ctx context.Context, tx *store.Tx, sec *Secret, to string, stages []string) error {
	movesCurrent := slices.Contains(stages, StageCurrent)
	for _, v := range sec.Versions {
		if v.ID == to {
			continue
		}
		next := slices.DeleteFunc(slices.Clone(v.Stages), func(st string) bool {
			return slices.Contains(stages, st) || (movesCurrent && st == StagePrevious)
		})
		if movesCurrent && slices.Contains(v.Stages, StageCurrent) {
			next = append(next, StagePrevious)
		}
		if slices.Equal(next, v.Stages) {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE secret_versions SET stages = ? WHERE secret_arn = ? AND version_id = ?`,
			encodeJSON(orEmptyList(next)), sec.ARN, v.ID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateInput is the input of UpdateSecret; nil fields are left alone.
type UpdateInput struct {
	Description *string
	KmsKeyID    *string
	Value       ValueInput
}

// UpdateSecret changes the description and KMS key of a secret and, when
// in.Value has one, adds a version as PutSecretValue does (encrypted under
// the new key). A new key applies to versions created after the change.
// Returns the secret and the new version id ("" when no value was given).
func (s *Service) UpdateSecret(ctx context.Context, account, region, ref string, in UpdateInput) (*Secret, string, error) {
	if in.Description != nil && len(*in.Description) > maxDescription {
		return nil, "", invalidParam("Description must be at most %d characters.", maxDescription)
	}
	if err := in.Value.check(); err != nil {
		return nil, "", err
	}
	sec, err := s.DescribeSecret(ctx, account, region, ref)
	if err != nil {
		return nil, "", err
	}
	if !sec.Deleted.IsZero() {
		return nil, "", markedForDeletion()
	}
	if in.Description != nil || in.KmsKeyID != nil {
		if in.Description != nil {
			sec.Description = *in.Description
		}
		if in.KmsKeyID != nil {
			sec.KmsKeyID = *in.KmsKeyID
		}
		err := s.update(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE secrets SET description = ?, kms_key_id = ?, changed_ms = ? WHERE arn = ? AND deleted_ms = 0`,
				sec.Description, sec.KmsKeyID, millis(s.now()), sec.ARN)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound()
			}
			return nil
		})
		if err != nil {
			return nil, "", err
		}
	}
	if !in.Value.present() {
		return sec, "", nil
	}
	v, err := s.PutSecretValue(ctx, account, region, sec.ARN, in.Value, nil)
	if err != nil {
		return nil, "", err
	}
	return sec, v.VersionID, nil
}

// DescribeSecret returns the secret ref names (name, full ARN or ARN without
// its random suffix), also when it is scheduled for deletion. Returns
// ResourceNotFoundException.
func (s *Service) DescribeSecret(ctx context.Context, account, region, ref string) (*Secret, error) {
	var sec *Secret
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		sec, err = s.load(ctx, tx, account, region, ref)
		return err
	})
	return sec, err
}

// ResolveARN returns the ARN of the secret ref names; an unknown secret
// yields the ARN it would have without its suffix (so that authorization
// decides before ResourceNotFoundException does).
func (s *Service) ResolveARN(ctx context.Context, account, region, ref string) (string, error) {
	sec, err := s.DescribeSecret(ctx, account, region, ref)
	if err == nil {
		return sec.ARN, nil
	}
	if !awserr.Is(err, CodeNotFound) {
		return "", err
	}
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	return ARNPrefix(region, account) + ref, nil
}

// DeleteSecret schedules the secret for deletion after days (7 to 30; 0
// means 30) or, with force, deletes it and its versions now. Returns
// InvalidParameterException for a bad window or both options,
// InvalidRequestException when it is already scheduled and force is not set.
func (s *Service) DeleteSecret(ctx context.Context, account, region, ref string, days int, force bool) (*Secret, error) {
	if force && days != 0 {
		return nil, invalidParam("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	}
	if days == 0 {
		days = maxRecoveryDays
	}
	if days < minRecoveryDays || days > maxRecoveryDays {
		return nil, invalidParam("The RecoveryWindowInDays value must be between %d and %d days (inclusive).", minRecoveryDays, maxRecoveryDays)
	}
	now := s.now()
	var sec *Secret
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.load(ctx, tx, account, region, ref); err != nil {
			return err
		}
		if force {
			sec.Deleted, sec.PurgeDate = now, now
			_, err := tx.Exec(ctx, `DELETE FROM secrets WHERE arn = ?`, sec.ARN)
			return err
		}
		if !sec.Deleted.IsZero() {
			return markedForDeletion()
		}
		sec.Deleted, sec.PurgeDate = now, now.AddDate(0, 0, days)
		_, err = tx.Exec(ctx, `UPDATE secrets SET deleted_ms = ?, purge_ms = ? WHERE arn = ?`, millis(sec.Deleted), millis(sec.PurgeDate), sec.ARN)
		return err
	})
	return sec, err
}

// RestoreSecret cancels a scheduled deletion; restoring a secret that is
// not scheduled for deletion succeeds and changes nothing.
func (s *Service) RestoreSecret(ctx context.Context, account, region, ref string) (*Secret, error) {
	var sec *Secret
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if sec, err = s.load(ctx, tx, account, region, ref); err != nil {
			return err
		}
		sec.Deleted, sec.PurgeDate = time.Time{}, time.Time{}
		_, err = tx.Exec(ctx, `UPDATE secrets SET deleted_ms = 0, purge_ms = 0 WHERE arn = ?`, sec.ARN)
		return err
	})
	return sec, err
}

// load returns the secret ref names with its versions; a secret whose
// recovery window has ended is not found.
func (s *Service) load(ctx context.Context, tx *store.Tx, account, region, ref string) (*Secret, error) {
	var sec *Secret
	var err error
	if rest, ok := strings.CutPrefix(ref, "arn:aws:secretsmanager:"); ok {
		parts := strings.SplitN(rest, ":", 4)
		if len(parts) != 4 || parts[0] != region || parts[1] != account || parts[2] != "secret" || parts[3] == "" {
			return nil, notFound()
		}
		sec, err = scanSecret(tx.QueryRow(ctx, secretCols+` WHERE arn = ?`, ref))
		if isNotFound(err) {
			sec, err = loadByName(ctx, tx, account, region, parts[3])
		}
	} else {
		sec, err = loadByName(ctx, tx, account, region, ref)
	}
	if isNotFound(err) || (err == nil && sec.gone(s.now())) {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	if sec.Versions, err = loadVersions(ctx, tx, sec.ARN); err != nil {
		return nil, err
	}
	return sec, nil
}

func (sec *Secret) gone(now time.Time) bool {
	return !sec.Deleted.IsZero() && !now.Before(sec.PurgeDate)
}

const secretCols = `SELECT account, region, name, arn, description, kms_key_id, created_ms, changed_ms, deleted_ms, purge_ms, tags, policy FROM secrets`

func loadByName(ctx context.Context, tx *store.Tx, account, region, name string) (*Secret, error) {
	return scanSecret(tx.QueryRow(ctx, secretCols+` WHERE account = ? AND region = ? AND name = ?`, account, region, name))
}

type scanner interface{ Scan(dest ...any) error }

func scanSecret(row scanner) (*Secret, error) {
	var sec Secret
	var created, changed, deleted, purge int64
	var tags string
	if err := row.Scan(&sec.Account, &sec.Region, &sec.Name, &sec.ARN, &sec.Description, &sec.KmsKeyID,
		&created, &changed, &deleted, &purge, &tags, &sec.Policy); err != nil {
		return nil, err
	}
	sec.Created, sec.Changed, sec.Deleted, sec.PurgeDate = fromMillis(created), fromMillis(changed), fromMillis(deleted), fromMillis(purge)
	if err := json.Unmarshal([]byte(tags), &sec.Tags); err != nil {
		return nil, fmt.Errorf("decode tags of %s: %w", sec.ARN, err)
	}
	if len(sec.Tags) == 0 {
		sec.Tags = nil
	}
	return &sec, nil
}

func loadVersions(ctx context.Context, tx *store.Tx, arn string) ([]Version, error) {
	rows, err := tx.Query(ctx, `SELECT version_id, created_ms, stages, kms_key_id FROM secret_versions WHERE secret_arn = ? ORDER BY created_ms, version_id`, arn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var created int64
		var stages string
		if err := rows.Scan(&v.ID, &created, &stages, &v.KmsKeyID); err != nil {
			return nil, err
		}
		v.Created = fromMillis(created)
		if err := json.Unmarshal([]byte(stages), &v.Stages); err != nil {
			return nil, fmt.Errorf("decode stages of %s: %w", arn, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func isNotFound(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || store.IsNotFound(err) || awserr.Is(err, CodeNotFound)
}

func dedupe(list []string) []string {
	out := slices.Clone(list)
	sort.Strings(out)
	return slices.Compact(out)
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
