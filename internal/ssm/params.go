package ssm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Parameter types, tiers and data types, as AWS spells them.
const (
	TypeString       = "String"
	TypeStringList   = "StringList"
	TypeSecureString = "SecureString"

	TierStandard           = "Standard"
	TierAdvanced           = "Advanced"
	TierIntelligentTiering = "Intelligent-Tiering"

	DataTypeText = "text"
)

var dataTypes = []string{DataTypeText, "aws:ec2:image", "aws:ssm:integration"}

// Parameter is one version of a parameter with its attributes. Value is set
// only by the calls that return values: the text for String and StringList,
// and for SecureString the plaintext when decrypted, else the sealed value
// in base64.
type Parameter struct {
	Name, ARN string
	Type      string
	Value     string
	Version   int64
	// Selector is the ":version" or ":label" the caller asked for, "" when
	// none.
	Selector       string
	KeyID          string // "" unless Type is SecureString
	Description    string
	AllowedPattern string
	Tier           string
	DataType       string
	Modified       time.Time
	// ModifiedUser is the ARN of the caller who put this version.
	ModifiedUser string
	Labels       []string
}

// PutInput is the input of PutParameter. Nil Description and
// AllowedPattern, and empty Type, KeyID, Tier and DataType, keep what an
// overwritten parameter had (or the defaults for a new one).
type PutInput struct {
	Name, Value    string
	Type           string
	KeyID          string
	Description    *string
	AllowedPattern *string
	Tier           string
	DataType       string
	Overwrite      bool
	Tags           map[string]string
	// User is the ARN of the caller, reported as LastModifiedUser.
	User string
}

// PutParameter creates a parameter or, with in.Overwrite, adds a version to
// it, and returns the new version and its tier. When a parameter already
// has 100 versions the oldest is dropped. Returns ParameterAlreadyExists
// without Overwrite, ParameterMaxVersionLimitExceeded when the oldest
// version has a label, ValidationException or
// HierarchyLevelLimitExceededException for a bad name, value, tier or tags
// with Overwrite, InvalidAllowedPatternException and
// ParameterPatternMismatchException for the pattern, InvalidKeyId for an
// unknown key.
func (s *Service) PutParameter(ctx context.Context, account, region string, in PutInput) (int64, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := checkName(region, account, in.Name); err != nil {
		return 0, "", err
	}
	if in.Value == "" {
		return 0, "", validation("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.")
	}
	if in.Overwrite && len(in.Tags) > 0 {
		return 0, "", validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if err := checkTags(in.Tags); err != nil {
		return 0, "", err
	}
	if in.Description != nil && len(*in.Description) > maxDescriptionLen {
		return 0, "", validation("Parameter description must be at most %d characters.", maxDescriptionLen)
	}
	switch in.Type {
	case "", TypeString, TypeStringList, TypeSecureString:
	default:
		return 0, "", validation("Parameter type %s is not valid. Valid types: String, StringList, SecureString.", in.Type)
	}
	if in.DataType != "" && !slices.Contains(dataTypes, in.DataType) {
		return 0, "", validation("The following data type is not supported: %s (Data type names are all lowercase.)", in.DataType)
	}
	arn := ARN(region, account, in.Name)
	var old *Parameter
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		old, _, err = latest(ctx, tx, account, region, in.Name)
		if isNotFound(err) {
			old, err = nil, nil
		}
		return err
	})
	if err != nil {
		return 0, "", err
	}
	if old != nil && !in.Overwrite {
		return 0, "", newErr(CodeAlreadyExists, "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	}
	p, err := resolve(in, old)
	if err != nil {
		return 0, "", err
	}
	p.ARN, p.Modified = arn, s.now()
	value := []byte(in.Value)
	if p.Type == TypeSecureString {
		if value, err = s.seal(ctx, account, region, arn, p.KeyID, value); err != nil {
			return 0, "", err
		}
	}
	err = s.update(ctx, func(tx *store.Tx) error {
		cur, _, err := latest(ctx, tx, account, region, in.Name)
		switch {
		case isNotFound(err):
			if old != nil {
				return tooManyUpdates()
			}
			var other string
			switch err := tx.QueryRow(ctx, `SELECT name FROM ssm_parameters WHERE arn = ?`, arn).Scan(&other); {
			case err == nil:
				return validation("Parameter name %s has the same ARN as the existing parameter %s: %s. Use another name.", in.Name, other, arn)
			case !isNotFound(err):
				return err
			}
			p.Version = 1
			_, err = tx.Exec(ctx, `INSERT INTO ssm_parameters (account, region, name, arn, version, tags) VALUES (?, ?, ?, ?, 1, ?)`,
				account, region, in.Name, arn, encodeJSON(orEmpty(in.Tags)))
			if err != nil {
				return err
			}
		case err != nil:
			return err
		case old == nil && !in.Overwrite:
			return newErr(CodeAlreadyExists, "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
		case old == nil || cur.Version != old.Version:
			return tooManyUpdates()
		default:
			p.Version = cur.Version + 1
			if err := dropOldest(ctx, tx, arn, in.Name); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE ssm_parameters SET version = ? WHERE arn = ?`, p.Version, arn); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO ssm_parameter_versions (arn, version, type, key_id, description, allowed_pattern, tier, data_type, modified_ms, modified_user, labels, value)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?)`,
			arn, p.Version, p.Type, p.KeyID, p.Description, p.AllowedPattern, p.Tier, p.DataType, p.Modified.UnixMilli(), in.User, value)
		return err
	})
	if err != nil {
		return 0, "", err
	}
	return p.Version, p.Tier, nil
}

func tooManyUpdates() error {
	return newErr(CodeTooManyUpdates, "There are concurrent updates for the resource that you are trying to modify. Try again later.")
}

// resolve returns the attributes of the version in puts on top of old (nil
// for a new parameter), checking type, key, pattern and tier.
func resolve(in PutInput, old *Parameter) (*Parameter, error) {
	p := &Parameter{Name: in.Name, Type: in.Type, KeyID: in.KeyID, Tier: in.Tier, DataType: in.DataType, ModifiedUser: in.User}
	if old != nil {
		p.Description, p.AllowedPattern = old.Description, old.AllowedPattern
		if p.Type == "" {
			p.Type = old.Type
		}
		if p.DataType == "" {
			p.DataType = old.DataType
		}
		if p.KeyID == "" && p.Type == TypeSecureString && old.Type == TypeSecureString {
			p.KeyID = old.KeyID
		}
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.AllowedPattern != nil {
		p.AllowedPattern = *in.AllowedPattern
	}
	if p.Type == "" {
		return nil, validation("A parameter type is required when you create a parameter.")
	}
	if p.DataType == "" {
		p.DataType = DataTypeText
	}
	if p.DataType != DataTypeText && p.Type != TypeString {
		return nil, validation("The data type %s is only supported for parameters of type String.", p.DataType)
	}
	switch {
	case p.Type != TypeSecureString && in.KeyID != "":
		return nil, validation("KeyId is required for SecureString type parameter only.")
	case p.Type == TypeSecureString && p.KeyID == "":
		p.KeyID = DefaultKeyAlias
	}
	if p.AllowedPattern != "" {
		if len(p.AllowedPattern) > maxPatternLength {
			return nil, newErr(CodeInvalidAllowedPattern, "The allowed pattern must be at most %d characters.", maxPatternLength)
		}
		re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
		if err != nil {
			return nil, newErr(CodeInvalidAllowedPattern, "The allowed pattern %s is not a valid regular expression.", p.AllowedPattern)
		}
		if !re.MatchString(in.Value) {
			return nil, newErr(CodePatternMismatch, "Parameter value, %s, failed to satisfy constraint: Member must satisfy regular expression pattern: %s", shown(p.Type, in.Value), p.AllowedPattern)
		}
	}
	wasAdvanced := old != nil && old.Tier == TierAdvanced
	switch p.Tier {
	case "":
		p.Tier = TierStandard
		if wasAdvanced {
			p.Tier = TierAdvanced
		}
	case TierStandard:
		if wasAdvanced {
			return nil, validation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.")
		}
	case TierAdvanced:
	case TierIntelligentTiering:
		p.Tier = TierStandard
		if wasAdvanced || len(in.Value) > maxStandardValue {
			p.Tier = TierAdvanced
		}
	default:
		return nil, validation("Parameter tier %s is not valid. Valid tiers: Standard, Advanced, Intelligent-Tiering.", p.Tier)
	}
	if len(in.Value) > maxAdvancedValue {
		return nil, validation("Advanced tier parameters support a maximum parameter value of %d characters.", maxAdvancedValue)
	}
	if p.Tier == TierStandard && len(in.Value) > maxStandardValue {
		return nil, validation("Standard tier parameters support a maximum parameter value of %d characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.", maxStandardValue)
	}
	return p, nil
}

// shown is a value as an error message may quote it: never a SecureString.
func shown(typ, value string) string {
	if typ == TypeSecureString {
		return "****"
	}
	return value
}

// dropOldest makes room for one more version of arn: with 100 versions,
// the oldest goes unless it has a label.
func dropOldest(ctx context.Context, tx *store.Tx, arn, name string) error {
	var n, oldest int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(version), 0) FROM ssm_parameter_versions WHERE arn = ?`, arn).Scan(&n, &oldest); err != nil {
		return err
	}
	if n < maxVersions {
		return nil
	}
	var labels string
	if err := tx.QueryRow(ctx, `SELECT labels FROM ssm_parameter_versions WHERE arn = ? AND version = ?`, arn, oldest).Scan(&labels); err != nil {
		return err
	}
	if labels != "[]" {
		return newErr(CodeMaxVersionLimit, "You attempted to create a new version of %s by calling the PutParameter API with the overwrite flag. Version %d, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.", name, oldest)
	}
	_, err := tx.Exec(ctx, `DELETE FROM ssm_parameter_versions WHERE arn = ? AND version = ?`, arn, oldest)
	return err
}

// GetParameter returns the parameter ref names (a name or ARN, maybe with a
// ":version" or ":label" selector) with its value, decrypted when decrypt is
// set. Returns ParameterNotFound, ParameterVersionNotFound for a selector
// that matches no version.
func (s *Service) GetParameter(ctx context.Context, account, region, refText string, decrypt bool) (*Parameter, error) {
	r, err := parseRef(region, account, refText)
	if err != nil {
		return nil, err
	}
	var p *Parameter
	var blob []byte
	err = s.view(ctx, func(tx *store.Tx) error {
		var err error
		p, blob, err = selectVersion(ctx, tx, account, region, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.fillValue(ctx, account, region, p, blob, decrypt); err != nil {
		return nil, err
	}
	return p, nil
}

// GetParameters returns the parameters refs (1 to 10) name, as
// GetParameter does, in the order asked (each once), and the references
// that name none.
func (s *Service) GetParameters(ctx context.Context, account, region string, refs []string, decrypt bool) ([]*Parameter, []string, error) {
	type found struct {
		p    *Parameter
		blob []byte
	}
	if err := checkNameCount(refs); err != nil {
		return nil, nil, err
	}
	var hits []found
	var invalid []string
	err := s.view(ctx, func(tx *store.Tx) error {
		seen := map[string]bool{}
		for _, text := range refs {
			if seen[text] {
				continue
			}
			seen[text] = true
			r, err := parseRef(region, account, text)
			if err == nil {
				var f found
				if f.p, f.blob, err = selectVersion(ctx, tx, account, region, r); err == nil {
					hits = append(hits, f)
					continue
				}
			}
			if !isNotFound(err) && !isAWS(err, CodeVersionNotFound) && !isAWS(err, CodeValidation) {
				return err
			}
			invalid = append(invalid, text)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Parameter, len(hits))
	for i, h := range hits {
		if err := s.fillValue(ctx, account, region, h.p, h.blob, decrypt); err != nil {
			return nil, nil, err
		}
		out[i] = h.p
	}
	return out, invalid, nil
}

// maxNames is how many parameters GetParameters and DeleteParameters name
// at most.
const maxNames = 10

func checkNameCount(names []string) error {
	if len(names) == 0 || len(names) > maxNames {
		return validation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and %d", maxNames)
	}
	return nil
}

// selectVersion loads the version r selects (the latest without a
// selector) and its stored value.
func selectVersion(ctx context.Context, tx *store.Tx, account, region string, r ref) (*Parameter, []byte, error) {
	if err := r.resolve(ctx, tx); err != nil {
		return nil, nil, err
	}
	p, blob, err := latest(ctx, tx, account, region, r.name)
	if isNotFound(err) {
		return nil, nil, notFound(r.name)
	}
	if err != nil || r.selector == "" {
		return p, blob, err
	}
	if r.version != 0 {
		p, blob, err = scanVersion(tx.QueryRow(ctx, versionCols+` WHERE p.arn = ? AND v.version = ?`, p.ARN, r.version))
		if isNotFound(err) {
			return nil, nil, newErr(CodeVersionNotFound, "Systems Manager could not find version %d of %s. Verify the version and try again.", r.version, r.name)
		}
	} else {
		p, blob, err = scanVersion(tx.QueryRow(ctx, versionCols+` WHERE p.arn = ? AND EXISTS (SELECT 1 FROM json_each(v.labels) WHERE value = ?)`, p.ARN, r.label))
		if isNotFound(err) {
			return nil, nil, newErr(CodeVersionNotFound, "Systems Manager could not find label %s of %s. Verify the label and try again.", r.label, r.name)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	p.Selector = r.selector
	return p, blob, nil
}

// fillValue sets p.Value from its stored value.
func (s *Service) fillValue(ctx context.Context, account, region string, p *Parameter, blob []byte, decrypt bool) error {
	switch {
	case p.Type != TypeSecureString:
		p.Value = string(blob)
	case !decrypt:
		p.Value = base64.StdEncoding.EncodeToString(blob)
	default:
		plain, err := s.open(ctx, account, region, p.ARN, blob)
		if err != nil {
			return err
		}
		p.Value = string(plain)
	}
	return nil
}

// DeleteParameter deletes a parameter and all its versions. Returns
// ParameterNotFound.
func (s *Service) DeleteParameter(ctx context.Context, account, region, name string) error {
	deleted, _, err := s.DeleteParameters(ctx, account, region, []string{name})
	if err != nil {
		return err
	}
	if len(deleted) == 0 {
		return notFound(name)
	}
	return nil
}

// DeleteParameters deletes the parameters names (1 to 10) name and returns
// those it deleted and those that name no parameter, each once.
func (s *Service) DeleteParameters(ctx context.Context, account, region string, names []string) (deleted, invalid []string, err error) {
	if err := checkNameCount(names); err != nil {
		return nil, nil, err
	}
	err = s.update(ctx, func(tx *store.Tx) error {
		deleted, invalid = nil, nil
		seen := map[string]bool{}
		for _, text := range names {
			if seen[text] {
				continue
			}
			seen[text] = true
			r, err := parseRef(region, account, text)
			if err != nil || r.selector != "" {
				invalid = append(invalid, text)
				continue
			}
			if err := r.resolve(ctx, tx); err != nil {
				return err
			}
			arn := ARN(region, account, r.name)
			if _, err := tx.Exec(ctx, `DELETE FROM ssm_parameter_versions WHERE arn = ?`, arn); err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `DELETE FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?`, account, region, r.name)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				invalid = append(invalid, text)
			} else {
				deleted = append(deleted, text)
			}
		}
		return nil
	})
	return deleted, invalid, err
}

// GetParameterHistory returns the versions of a parameter, oldest first, at
// most max (1 to 50; 0 means 50), and the token of the next page ("" at the
// end). Returns ParameterNotFound and InvalidNextToken.
func (s *Service) GetParameterHistory(ctx context.Context, account, region, name string, decrypt bool, max int, token string) ([]*Parameter, string, error) {
	if max == 0 {
		max = 50
	}
	if max < 1 || max > 50 {
		return nil, "", validation("MaxResults must be between 1 and 50.")
	}
	after := int64(0)
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return nil, "", badToken()
		}
		if _, err := fmt.Sscanf(string(b), "v%d", &after); err != nil {
			return nil, "", badToken()
		}
	}
	r, err := parseRef(region, account, name)
	if err != nil {
		return nil, "", err
	}
	var out []*Parameter
	var blobs [][]byte
	next := ""
	err = s.view(ctx, func(tx *store.Tx) error {
		if err := r.resolve(ctx, tx); err != nil {
			return err
		}
		p, _, err := latest(ctx, tx, account, region, r.name)
		if isNotFound(err) {
			return notFound(r.name)
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, versionCols+` WHERE p.arn = ? AND v.version > ? ORDER BY v.version LIMIT ?`, p.ARN, after, max+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, blob, err := scanVersion(rows)
			if err != nil {
				return err
			}
			if len(out) == max {
				next = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "v%d", out[len(out)-1].Version))
				break
			}
			out, blobs = append(out, v), append(blobs, blob)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	for i, p := range out {
		if err := s.fillValue(ctx, account, region, p, blobs[i], decrypt); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// LabelParameterVersion attaches labels to a version of a parameter (the
// latest when version is 0), moving each from the version that had it. It
// returns the labels AWS does not accept (which are not attached) and the
// version labelled. Returns ParameterNotFound, ParameterVersionNotFound, and
// ParameterVersionLabelLimitExceeded when the version would have more than
// 10 labels.
func (s *Service) LabelParameterVersion(ctx context.Context, account, region, name string, version int64, labels []string) ([]string, int64, error) {
	var invalid, good []string
	for _, l := range labels {
		if validLabel(l) {
			if !slices.Contains(good, l) {
				good = append(good, l)
			}
		} else {
			invalid = append(invalid, l)
		}
	}
	err := s.update(ctx, func(tx *store.Tx) error {
		arn, versions, err := versionLabels(ctx, tx, account, region, name)
		if err != nil {
			return err
		}
		if version == 0 {
			version = slices.Max(slices.Collect(mapsKeys(versions)))
		}
		target, ok := versions[version]
		if !ok {
			return newErr(CodeVersionNotFound, "Systems Manager could not find version %d of %s. Verify the version and try again.", version, name)
		}
		for _, l := range good {
			if !slices.Contains(target, l) {
				target = append(target, l)
			}
		}
		if len(target) > maxLabelsPerVer {
			return newErr(CodeLabelLimit, "A parameter version can have maximum %d labels.Move one or more labels to another version and try again.", maxLabelsPerVer)
		}
		versions[version] = target
		for v, ls := range versions {
			if v == version {
				continue
			}
			versions[v] = slices.DeleteFunc(ls, func(l string) bool { return slices.Contains(good, l) })
		}
		return saveLabels(ctx, tx, arn, versions)
	})
	if err != nil {
		return nil, 0, err
	}
	return invalid, version, nil
}

// UnlabelParameterVersion removes labels from a version of a parameter and
// returns the labels it removed and those the version did not have.
// Returns ParameterNotFound and ParameterVersionNotFound.
func (s *Service) UnlabelParameterVersion(ctx context.Context, account, region, name string, version int64, labels []string) (removed, invalid []string, err error) {
	err = s.update(ctx, func(tx *store.Tx) error {
		removed, invalid = nil, nil
		arn, versions, err := versionLabels(ctx, tx, account, region, name)
		if err != nil {
			return err
		}
		have, ok := versions[version]
		if !ok {
			return newErr(CodeVersionNotFound, "Systems Manager could not find version %d of %s. Verify the version and try again.", version, name)
		}
		for _, l := range labels {
			if i := slices.Index(have, l); i >= 0 {
				have = slices.Delete(have, i, i+1)
				removed = append(removed, l)
			} else if !slices.Contains(removed, l) && !slices.Contains(invalid, l) {
				invalid = append(invalid, l)
			}
		}
		return saveLabels(ctx, tx, arn, map[int64][]string{version: have})
	})
	return removed, invalid, err
}

// versionLabels returns the ARN of the parameter name (a name or ARN)
// and the labels of each of its versions.
func versionLabels(ctx context.Context, tx *store.Tx, account, region, name string) (string, map[int64][]string, error) {
	r, err := parseRef(region, account, name)
	if err != nil {
		return "", nil, err
	}
	if err := r.resolve(ctx, tx); err != nil {
		return "", nil, err
	}
	p, _, err := latest(ctx, tx, account, region, r.name)
	if isNotFound(err) {
		return "", nil, notFound(r.name)
	}
	if err != nil {
		return "", nil, err
	}
	rows, err := tx.Query(ctx, `SELECT version, labels FROM ssm_parameter_versions WHERE arn = ?`, p.ARN)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var v int64
		var labels string
		if err := rows.Scan(&v, &labels); err != nil {
			return "", nil, err
		}
		var ls []string
		if err := json.Unmarshal([]byte(labels), &ls); err != nil {
			return "", nil, fmt.Errorf("decode labels of %s: %w", p.ARN, err)
		}
		out[v] = ls
	}
	return p.ARN, out, rows.Err()
}

func saveLabels(ctx context.Context, tx *store.Tx, arn string, versions map[int64][]string) error {
	for v, ls := range versions {
		if ls == nil {
			ls = []string{}
		}
		if _, err := tx.Exec(ctx, `UPDATE ssm_parameter_versions SET labels = ? WHERE arn = ? AND version = ?`, encodeJSON(ls), arn, v); err != nil {
			return err
		}
	}
	return nil
}

func mapsKeys(m map[int64][]string) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// versionCols selects a version with its parameter's name; scanVersion
// reads it.
const versionCols = `SELECT p.name, p.arn, v.version, v.type, v.key_id, v.description, v.allowed_pattern, v.tier, v.data_type,
	v.modified_ms, v.modified_user, v.labels, v.value FROM ssm_parameter_versions v JOIN ssm_parameters p ON p.arn = v.arn`

type scanner interface{ Scan(dest ...any) error }

func scanVersion(row scanner) (*Parameter, []byte, error) {
	var p Parameter
	var modified int64
	var labels string
	var blob []byte
	if err := row.Scan(&p.Name, &p.ARN, &p.Version, &p.Type, &p.KeyID, &p.Description, &p.AllowedPattern, &p.Tier, &p.DataType,
		&modified, &p.ModifiedUser, &labels, &blob); err != nil {
		return nil, nil, err
	}
	p.Modified = fromMillis(modified)
	if err := json.Unmarshal([]byte(labels), &p.Labels); err != nil {
		return nil, nil, fmt.Errorf("decode labels of %s: %w", p.ARN, err)
	}
	if len(p.Labels) == 0 {
		p.Labels = nil
	}
	return &p, blob, nil
}

// latest loads the latest version of the parameter name; the error is
// sql.ErrNoRows when there is none.
func latest(ctx context.Context, tx *store.Tx, account, region, name string) (*Parameter, []byte, error) {
	return scanVersion(tx.QueryRow(ctx, versionCols+` WHERE p.account = ? AND p.region = ? AND p.name = ? AND v.version = p.version`, account, region, name))
}

// resolve sets r.name to the name of the parameter r.arn names, when r
// was an ARN and such a parameter exists: an ARN without a "/" after
// parameter/ may name "x" or "/x".
func (r *ref) resolve(ctx context.Context, tx *store.Tx) error {
	if r.arn == "" {
		return nil
	}
	err := tx.QueryRow(ctx, `SELECT name FROM ssm_parameters WHERE arn = ?`, r.arn).Scan(&r.name)
	if isNotFound(err) {
		return nil
	}
	return err
}
