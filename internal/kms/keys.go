package kms

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Key states, as KeyMetadata.KeyState spells them.
const (
	StateEnabled         = "Enabled"
	StateDisabled        = "Disabled"
	StatePendingDeletion = "PendingDeletion"
)

// Key specs and usages this domain supports.
const (
	SpecSymmetricDefault = "SYMMETRIC_DEFAULT"
	SpecECCNISTP256      = "ECC_NIST_P256"
	UsageEncryptDecrypt  = "ENCRYPT_DECRYPT"
	UsageSignVerify      = "SIGN_VERIFY"
)

// Limits from the KMS documentation.
const (
	maxDescription      = 8192
	maxPolicy           = 32768
	maxTags             = 50
	defaultPendingDays  = 30
	minPendingDays      = 7
	maxPendingDays      = 30
	defaultRotationDays = 365
	minRotationDays     = 90
	maxRotationDays     = 2560
	defaultListLimit    = 100
	maxListLimit        = 1000
)

const day = 24 * time.Hour

// Key is a KMS key as DescribeKey shows it.
type Key struct {
	Account, Region, ID string
	Created             time.Time
	Description         string
	Usage, Spec, State  string
	// DeletionDate is set, and PendingDays > 0, while the key is pending
	// deletion.
	DeletionDate    time.Time
	PendingDays     int
	RotationEnabled bool
	RotationDays    int
	// Rotated is when the newest key version was made (Created at first).
	Rotated        time.Time
	Policy         string
	Tags           map[string]string
	CurrentVersion int
	// Manager is ManagerCustomer or ManagerAWS.
	Manager string
}

// ARN is the key's ARN, what every operation on it is authorized against.
func (k *Key) ARN() string { return KeyARN(k.Region, k.Account, k.ID) }

// KeyARN returns arn:aws:kms:REGION:ACCOUNT:key/ID.
func KeyARN(region, account, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

// AliasARN returns arn:aws:kms:REGION:ACCOUNT:NAME for an alias name that
// starts with "alias/".
func AliasARN(region, account, name string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + name
}

// DefaultPolicy is the key policy AWS gives a key created without one: the
// account's root may do everything, which delegates access to IAM policies.
func DefaultPolicy(account string) string {
	return `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}]}`
}

// CreateKeyInput is what CreateKey takes; empty strings mean AWS's defaults.
type CreateKeyInput struct {
	Description, KeyUsage, KeySpec, Policy string
	Tags                                   map[string]string
	// manager is ManagerAWS for the keys EnsureManagedKey makes.
	manager string
}

// Key managers, as DescribeKey's KeyManager reports them.
const (
	ManagerCustomer = "CUSTOMER"
	ManagerAWS      = "AWS"
)

// CreateKey creates an enabled key with fresh material (version 1).
func (s *Service) CreateKey(ctx context.Context, account, region string, in CreateKeyInput) (*Key, error) {
	if in.KeySpec == "" {
		in.KeySpec = SpecSymmetricDefault
	}
	if in.KeyUsage == "" {
		in.KeyUsage = UsageEncryptDecrypt
	}
	switch in.KeySpec {
	case SpecSymmetricDefault, SpecECCNISTP256:
	default:
		return nil, newErr(CodeUnsupportedOp, "KeySpec %s is not supported.", in.KeySpec)
	}
	if want := usageOf(in.KeySpec); in.KeyUsage != want {
		return nil, validation("KeyUsage %s is not compatible with KeySpec %s.", in.KeyUsage, in.KeySpec)
	}
	if len(in.Description) > maxDescription {
		return nil, validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxDescription)
	}
	if in.Policy == "" {
		in.Policy = DefaultPolicy(account)
	} else if err := checkPolicy(in.Policy); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	raw, err := s.random(16)
	if err != nil {
		return nil, err
	}
	material, err := s.newMaterial(in.KeySpec)
	if err != nil {
		return nil, err
	}
	defer clear(material)
	now := s.now().UTC().Truncate(time.Millisecond)
	k := &Key{
		Account: account, Region: region, ID: formatKeyID(raw), Created: now, Description: in.Description,
		Usage: in.KeyUsage, Spec: in.KeySpec, State: StateEnabled, RotationDays: defaultRotationDays,
		Rotated: now, Policy: in.Policy, Tags: in.Tags, CurrentVersion: 1, Manager: in.manager,
	}
	if k.Manager == "" {
		k.Manager = ManagerCustomer
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO kms_keys (account, region, id, created_ms, description, key_usage, key_spec,
			state, deletion_ms, pending_days, rotation_enabled, rotation_days, rotated_ms, policy, tags, current_version, manager)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, 1, ?)`,
			account, region, k.ID, now.UnixMilli(), k.Description, k.Usage, k.Spec, k.State, k.RotationDays,
			now.UnixMilli(), k.Policy, encodeTags(k.Tags), k.Manager); err != nil {
			return err
		}
		return s.insertVersion(ctx, tx, k, 1, material, now)
	})
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	return k, nil
}

// usageOf is the one key usage each supported key spec has.
func usageOf(spec string) string {
	if spec == SpecECCNISTP256 {
		return UsageSignVerify
	}
	return UsageEncryptDecrypt
}

// newMaterial returns fresh material for a key of spec: 32 random bytes
// (an AES-256 key) for symmetric keys, a PKCS #8 DER private key for ECC.
func (s *Service) newMaterial(spec string) ([]byte, error) {
	if spec == SpecECCNISTP256 {
		return newECDSAMaterial(s.rand)
	}
	return s.random(32)
}

// materialAD is the associated data a key version's material is sealed
// with: it binds the sealed bytes to the key and the version.
func materialAD(account, region, id string, version int) []byte {
	return []byte("stratus/kms/key-material\x00" + account + "\x00" + region + "\x00" + id + "\x00" + strconv.Itoa(version))
}

func (s *Service) insertVersion(ctx context.Context, tx *store.Tx, k *Key, version int, material []byte, now time.Time) error {
	sealed := s.sealer.Seal(material, materialAD(k.Account, k.Region, k.ID, version))
	_, err := tx.Exec(ctx, `INSERT INTO kms_key_versions (account, region, key_id, version, created_ms, material)
		VALUES (?, ?, ?, ?, ?, ?)`, k.Account, k.Region, k.ID, version, now.UnixMilli(), sealed)
	return err
}

// material returns the opened material of one of k's versions.
func (s *Service) material(ctx context.Context, tx *store.Tx, k *Key, version int) ([]byte, error) {
	var sealed []byte
	err := tx.QueryRow(ctx, `SELECT material FROM kms_key_versions WHERE account = ? AND region = ? AND key_id = ? AND version = ?`,
		k.Account, k.Region, k.ID, version).Scan(&sealed)
	if store.IsNotFound(err) {
		return nil, invalidCiphertext()
	}
	if err != nil {
		return nil, err
	}
	m, err := s.sealer.Open(sealed, materialAD(k.Account, k.Region, k.ID, version))
	if err != nil {
		return nil, fmt.Errorf("open material of %s version %d: %w", k.ID, version, err)
	}
	return m, nil
}

func checkPolicy(p string) error {
	if len(p) > maxPolicy || !json.Valid([]byte(p)) {
		return newErr(CodeMalformedPolicy, "The new key policy will not allow you to update the key policy in the future.")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(p), &doc); err != nil || doc["Statement"] == nil {
		return newErr(CodeMalformedPolicy, "Policy contains a statement with no principal or no statement.")
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return newErr(CodeTag, "Tag limit exceeded: a key can have at most %d tags.", maxTags)
	}
	for k := range tags {
		if k == "" || strings.HasPrefix(k, "aws:") {
			return newErr(CodeTag, "Tag key %q is not valid.", k)
		}
	}
	return nil
}

// formatKeyID formats 16 random bytes as a version 4 UUID, the form of AWS
// key ids.
func formatKeyID(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// parseKeyID returns the 16 bytes of a key id, ok=false when s is not one.
func parseKeyID(s string) ([]byte, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	b, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	if err != nil || strings.ToLower(s) != s {
		return nil, false
	}
	return b, true
}

// ResolveKeyARN returns the ARN of the key ref names: a key id, key ARN,
// alias name or alias ARN of account and region. Aliases are looked up;
// key ids and ARNs are not (the key may not exist). This is the resource
// operations on a key are authorized against.
func (s *Service) ResolveKeyARN(ctx context.Context, account, region, ref string) (string, error) {
	var id string
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.resolve(ctx, tx, account, region, ref)
		return err
	})
	if err != nil {
		return "", err
	}
	return KeyARN(region, account, id), nil
}

// resolve returns the id of the key ref names (see ResolveKeyARN).
func (s *Service) resolve(ctx context.Context, tx *store.Tx, account, region, ref string) (string, error) {
	if ref == "" {
		return "", validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	name := ref
	if rest, ok := strings.CutPrefix(ref, "arn:aws:kms:"); ok {
		prefix := region + ":" + account + ":"
		tail, ok := strings.CutPrefix(rest, prefix)
		if !ok {
			return "", newErr(CodeNotFound, "Invalid arn %s", ref)
		}
		if id, ok := strings.CutPrefix(tail, "key/"); ok {
			if _, ok := parseKeyID(id); !ok {
				return "", newErr(CodeNotFound, "Invalid keyId '%s'", ref)
			}
			return id, nil
		}
		if !strings.HasPrefix(tail, "alias/") {
			return "", newErr(CodeNotFound, "Invalid arn %s", ref)
		}
		name = tail
	}
	if strings.HasPrefix(name, "alias/") {
		var id string
		err := tx.QueryRow(ctx, `SELECT key_id FROM kms_aliases WHERE account = ? AND region = ? AND name = ?`,
			account, region, name).Scan(&id)
		if store.IsNotFound(err) {
			return "", newErr(CodeNotFound, "Alias %s is not found.", AliasARN(region, account, name))
		}
		return id, err
	}
	if _, ok := parseKeyID(ref); !ok {
		return "", newErr(CodeNotFound, "Invalid keyId '%s'", ref)
	}
	return ref, nil
}

const keyColumns = `account, region, id, created_ms, description, key_usage, key_spec, state, deletion_ms, pending_days,
	rotation_enabled, rotation_days, rotated_ms, policy, tags, current_version, manager`

type scanner interface{ Scan(dest ...any) error }

func scanKey(r scanner) (*Key, error) {
	var k Key
	var created, deletion, rotated int64
	var rotation int
	var tags string
	if err := r.Scan(&k.Account, &k.Region, &k.ID, &created, &k.Description, &k.Usage, &k.Spec, &k.State, &deletion,
		&k.PendingDays, &rotation, &k.RotationDays, &rotated, &k.Policy, &tags, &k.CurrentVersion, &k.Manager); err != nil {
		return nil, err
	}
	k.Created, k.DeletionDate, k.Rotated = fromMillis(created), fromMillis(deletion), fromMillis(rotated)
	k.RotationEnabled = rotation != 0
	k.Tags = decodeTags(tags)
	return &k, nil
}

// deleted reports whether k's deletion date has passed: the key is gone.
func (s *Service) deleted(k *Key) bool {
	return k.State == StatePendingDeletion && !s.now().Before(k.DeletionDate)
}

// load returns the key ref names, NotFoundException when there is none or
// its scheduled deletion has happened.
func (s *Service) load(ctx context.Context, tx *store.Tx, account, region, ref string) (*Key, error) {
	id, err := s.resolve(ctx, tx, account, region, ref)
	if err != nil {
		return nil, err
	}
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM kms_keys WHERE account = ? AND region = ? AND id = ?`,
		account, region, id))
	if store.IsNotFound(err) || (err == nil && s.deleted(k)) {
		return nil, newErr(CodeNotFound, "Key '%s' does not exist", KeyARN(region, account, id))
	}
	return k, err
}

// DescribeKey returns the key ref names, in any state.
func (s *Service) DescribeKey(ctx context.Context, account, region, ref string) (*Key, error) {
	var k *Key
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		k, err = s.load(ctx, tx, account, region, ref)
		return err
	})
	return k, err
}

// ListKeys returns up to limit keys (0 means 100) of account and region in
// key id order, starting after the one marker names, and the marker of the
// next page ("" on the last).
func (s *Service) ListKeys(ctx context.Context, account, region string, limit int, marker string) ([]Key, string, error) {
	if limit == 0 {
		limit = defaultListLimit
	}
	if limit < 1 || limit > maxListLimit {
		return nil, "", validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", limit, maxListLimit)
	}
	if marker != "" {
		if _, ok := parseKeyID(marker); !ok {
			return nil, "", newErr(CodeInvalidMarker, "Invalid marker %s", marker)
		}
	}
	var keys []Key
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+keyColumns+` FROM kms_keys WHERE account = ? AND region = ? AND id > ? ORDER BY id`,
			account, region, marker)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(keys) <= limit {
			k, err := scanKey(rows)
			if err != nil {
				return err
			}
			if !s.deleted(k) {
				keys = append(keys, *k)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list keys: %w", err)
	}
	if len(keys) > limit {
		return keys[:limit], keys[limit-1].ID, nil
	}
	return keys, "", nil
}

// update loads the key ref names, lets change check and modify it, and
// writes its mutable columns back. Every caller is a customer's management
// call: AWS managed keys refuse them all.
func (s *Service) update(ctx context.Context, account, region, ref string, change func(tx *store.Tx, k *Key) error) (*Key, error) {
	var k *Key
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		var err error
		if k, err = s.load(ctx, tx, account, region, ref); err != nil {
			return err
		}
		if k.Manager == ManagerAWS {
			// AWS managed keys are permanently enabled for the services
			// that use them; only those services manage them.
			return newErr(CodeUnsupportedOp, "%s is an AWS managed key: it cannot be enabled, disabled, deleted, rotated on demand, tagged or given another policy.", k.ARN())
		}
		if err := change(tx, k); err != nil {
			return err
		}
		rotation := 0
		if k.RotationEnabled {
			rotation = 1
		}
		var deletion int64
		if !k.DeletionDate.IsZero() {
			deletion = k.DeletionDate.UnixMilli()
		}
		_, err = tx.Exec(ctx, `UPDATE kms_keys SET description = ?, state = ?, deletion_ms = ?, pending_days = ?,
			rotation_enabled = ?, rotation_days = ?, rotated_ms = ?, policy = ?, tags = ?, current_version = ?
			WHERE account = ? AND region = ? AND id = ?`,
			k.Description, k.State, deletion, k.PendingDays, rotation, k.RotationDays, k.Rotated.UnixMilli(),
			k.Policy, encodeTags(k.Tags), k.CurrentVersion, k.Account, k.Region, k.ID)
		return err
	})
	s.gen.Add(1)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("update key: %w", err)
	}
	return k, nil
}

// KeyUsable returns nil when the key ref names can encrypt and decrypt now,
// else the error KMS would answer (DisabledException, KMSInvalidStateException,
// NotFoundException). Answers are cached until the next key state change, so
// services that must stop using a key the moment it is disabled (Lambda's
// environment variables) can ask on every call.
func (s *Service) KeyUsable(ctx context.Context, account, region, ref string) error {
	key := account + "\x00" + region + "\x00" + ref
	gen := s.gen.Load()
	s.usableMu.Lock()
	e, ok := s.usableCache[key]
	s.usableMu.Unlock()
	if ok && e.gen == gen {
		return e.err
	}
	var err error
	verr := s.view(ctx, func(tx *store.Tx) error {
		k, lerr := s.load(ctx, tx, account, region, ref)
		if lerr != nil {
			if _, ok := awserr.As(lerr); !ok {
				return lerr
			}
			err = lerr
			return nil
		}
		err = usable(k)
		return nil
	})
	if verr != nil {
		return verr
	}
	if strings.HasPrefix(ref, "alias/") || strings.Contains(ref, ":alias/") {
		return err // aliases move without a key state change
	}
	s.usableMu.Lock()
	if s.usableCache == nil || len(s.usableCache) > 4096 {
		s.usableCache = map[string]usableEntry{}
	}
	s.usableCache[key] = usableEntry{gen: gen, err: err}
	s.usableMu.Unlock()
	return err
}

func notPending(k *Key) error {
	if k.State == StatePendingDeletion {
		return pendingDeletion(k.ARN())
	}
	return nil
}

// usable returns the error of using k for cryptography in its state.
func usable(k *Key) error {
	switch k.State {
	case StateDisabled:
		return keyDisabled(k.ARN())
	case StatePendingDeletion:
		return pendingDeletion(k.ARN())
	}
	return nil
}

// EnableKey sets a disabled (or enabled) key's state to Enabled.
func (s *Service) EnableKey(ctx context.Context, account, region, ref string) error {
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if err := notPending(k); err != nil {
			return err
		}
		k.State = StateEnabled
		return nil
	})
	return err
}

// DisableKey sets an enabled (or disabled) key's state to Disabled.
func (s *Service) DisableKey(ctx context.Context, account, region, ref string) error {
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if err := notPending(k); err != nil {
			return err
		}
		k.State = StateDisabled
		return nil
	})
	return err
}

// ScheduleKeyDeletion puts the key in PendingDeletion for days (0 means 30;
// 7 to 30) and returns it; after the deletion date it no longer exists.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, account, region, ref string, days int) (*Key, error) {
	if days == 0 {
		days = defaultPendingDays
	}
	if days < minPendingDays || days > maxPendingDays {
		return nil, validation("1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between %d and %d", days, minPendingDays, maxPendingDays)
	}
	return s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if err := notPending(k); err != nil {
			return err
		}
		k.State = StatePendingDeletion
		k.PendingDays = days
		k.DeletionDate = s.now().UTC().Truncate(time.Millisecond).Add(time.Duration(days) * day)
		return nil
	})
}

// CancelKeyDeletion takes a key out of PendingDeletion; it is Disabled.
func (s *Service) CancelKeyDeletion(ctx context.Context, account, region, ref string) (*Key, error) {
	return s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if k.State != StatePendingDeletion {
			return newErr(CodeInvalidState, "%s is not pending deletion.", k.ARN())
		}
		k.State, k.PendingDays, k.DeletionDate = StateDisabled, 0, time.Time{}
		return nil
	})
}

// ResourcePolicy returns the key policy of the key resourceARN names, for
// iam.Authorizer; ok is false when it names no existing key.
func (s *Service) ResourcePolicy(ctx context.Context, resourceARN, action string) (string, bool, error) {
	rest, ok := strings.CutPrefix(resourceARN, "arn:aws:kms:")
	if !ok {
		return "", false, nil
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "key/") {
		return "", false, nil
	}
	region, account, id := parts[0], parts[1], strings.TrimPrefix(parts[2], "key/")
	if _, ok := parseKeyID(id); !ok {
		return "", false, nil
	}
	k, err := s.DescribeKey(ctx, account, region, id)
	if awsCode(err) == CodeNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return k.Policy, true, nil
}
