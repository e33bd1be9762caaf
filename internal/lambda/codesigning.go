package lambda

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Code signing policies (CodeSigningPolicies.UntrustedArtifactOnDeployment).
const (
	PolicyWarn    = "Warn"
	PolicyEnforce = "Enforce"
)

// Error codes of code signing.
const (
	CodeCodeSigningConfigNotFound = "CodeSigningConfigNotFoundException"
	CodeCodeVerificationFailed    = "CodeVerificationFailedException"
	CodeInvalidCodeSignature      = "InvalidCodeSignatureException"
)

const maxAllowedPublishers = 20

var (
	cscIDRE      = regexp.MustCompile(`^csc-[a-zA-Z0-9-_\.]{17}$`)
	profileVerRE = regexp.MustCompile(`^arn:(aws[a-zA-Z0-9-]*):signer:[a-z0-9-]*:\d{12}:/signing-profiles/[a-zA-Z0-9_]{2,64}/[a-zA-Z0-9]{10}$`)
)

// CodeSigningConfig is a Lambda code signing configuration: which signing
// profile versions may publish code and what happens to code they did not sign.
type CodeSigningConfig struct {
	Account, ID       string
	ARN               string
	Description       string
	AllowedPublishers []string
	// Policy is PolicyWarn or PolicyEnforce.
	Policy       string
	LastModified time.Time
}

// CodeCheck is the outcome of verifying a zip's signature against a code
// signing configuration's allowed publishers: AWS's four checks.
type CodeCheck struct {
	// Integrity says why the signature does not hold for these bytes ("" when
	// it does). An integrity failure rejects the code under any policy.
	Integrity string
	// Unsigned is set when the zip carries no signature at all.
	Unsigned bool
	// Expired, Mismatch and Revoked are the other checks' failures: past the
	// signature's validity, signed by a profile not among the allowed
	// publishers, signed by a revoked profile version.
	Expired, Mismatch, Revoked bool
	// Profile is the signing profile version ARN the signature names, JobID
	// the signing's id.
	Profile, JobID string
}

// signing is what a deployed zip's signature says, as the function's
// configuration reports it.
type signing struct{ profileVersionARN, jobARN string }

// jobARN is the ARN of a signing job of the profile version's account and
// region: arn:aws:signer:REGION:ACCOUNT:/signing-jobs/ID.
func jobARN(profileVersionARN, jobID string) string {
	parts := strings.SplitN(profileVersionARN, ":", 6)
	if len(parts) != 6 || jobID == "" {
		return ""
	}
	return strings.Join(parts[:5], ":") + ":/signing-jobs/" + jobID
}

// failures lists the failed checks other than integrity, as words.
func (c CodeCheck) failures() []string {
	var out []string
	if c.Unsigned {
		out = append(out, "the code is not signed")
	}
	if c.Expired {
		out = append(out, "the signature has expired")
	}
	if c.Mismatch {
		out = append(out, "the signing profile "+c.Profile+" is not an allowed publisher")
	}
	if c.Revoked {
		out = append(out, "the signing profile version "+c.Profile+" is revoked")
	}
	return out
}

// CodeVerifier verifies a zip's signature (the server builds it from
// internal/codesign, the Signer service and KMS).
type CodeVerifier interface {
	VerifyCode(ctx context.Context, zip []byte, allowedPublishers []string) (CodeCheck, error)
}

const codeSigningMigration = `
CREATE TABLE lambda_code_signing_configs (
	account     TEXT NOT NULL,
	id          TEXT NOT NULL,
	description TEXT NOT NULL,
	publishers  TEXT NOT NULL,
	policy      TEXT NOT NULL,
	modified    TEXT NOT NULL,
	PRIMARY KEY (account, id)
);
CREATE TABLE lambda_function_code_signing (
	account TEXT NOT NULL,
	name    TEXT NOT NULL,
	csc_id  TEXT NOT NULL,
	PRIMARY KEY (account, name),
	FOREIGN KEY (account, name) REFERENCES lambda_functions (account, name) ON DELETE CASCADE
);
CREATE INDEX lambda_function_code_signing_by_csc ON lambda_function_code_signing (account, csc_id, name);
`

// CodeSigningConfigARN is the ARN of a code signing configuration.
func (s *Service) CodeSigningConfigARN(account, id string) string {
	return "arn:aws:lambda:" + s.region + ":" + account + ":code-signing-config:" + id
}

// parseCSC returns the id of a code signing configuration ARN of account.
func (s *Service) parseCSC(account, arn string) (string, error) {
	prefix := "arn:aws:lambda:" + s.region + ":" + account + ":code-signing-config:"
	id, ok := strings.CutPrefix(arn, prefix)
	if !ok || !cscIDRE.MatchString(id) {
		if strings.Contains(arn, ":code-signing-config:") && ok {
			return "", cscNotFound(arn)
		}
		return "", invalidParameter("1 validation error detected: Value '%s' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}", arn)
	}
	return id, nil
}

func cscNotFound(arn string) *awserr.Error {
	return awserr.New(CodeCodeSigningConfigNotFound, 404, "The code signing configuration cannot be found. Check that the provided configuration is not deleted: %s.", arn)
}

// CodeSigningInput creates or changes a code signing configuration; nil
// fields of an update keep their value.
type CodeSigningInput struct {
	Description       *string
	AllowedPublishers []string
	Policy            *string
}

func checkCodeSigning(c *CodeSigningConfig) error {
	switch {
	case len(c.AllowedPublishers) == 0 || len(c.AllowedPublishers) > maxAllowedPublishers:
		return invalidParameter("1 validation error detected: Value at 'allowedPublishers.signingProfileVersionArns' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", maxAllowedPublishers)
	case c.Policy != PolicyWarn && c.Policy != PolicyEnforce:
		return invalidParameter("1 validation error detected: Value '%s' at 'codeSigningPolicies.untrustedArtifactOnDeployment' failed to satisfy constraint: Member must satisfy enum value set: [Enforce, Warn]", c.Policy)
	case len(c.Description) > 256:
		return invalidParameter("'Description' must be at most 256 characters.")
	}
	for _, p := range c.AllowedPublishers {
		if !profileVerRE.MatchString(p) {
			return invalidParameter("1 validation error detected: Value '%s' at 'allowedPublishers.signingProfileVersionArns' failed to satisfy constraint: Member must be a signing profile version ARN", p)
		}
	}
	return nil
}

// CreateCodeSigningConfig creates a code signing configuration.
func (s *Service) CreateCodeSigningConfig(ctx context.Context, account string, in CodeSigningInput) (*CodeSigningConfig, error) {
	var b [9]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return nil, fmt.Errorf("code signing config id: %w", err)
	}
	id := "csc-" + hex.EncodeToString(b[:])[:17]
	c := &CodeSigningConfig{Account: account, ID: id, ARN: s.CodeSigningConfigARN(account, id),
		AllowedPublishers: dedupe(in.AllowedPublishers), Policy: PolicyWarn, LastModified: s.now().UTC()}
	setStr(&c.Description, in.Description)
	setStr(&c.Policy, in.Policy)
	if err := checkCodeSigning(c); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx *store.Tx) error { return s.putCSC(ctx, tx, c) })
	if err != nil {
		return nil, fmt.Errorf("create code signing config: %w", err)
	}
	return c, nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func (s *Service) putCSC(ctx context.Context, tx *store.Tx, c *CodeSigningConfig) error {
	pubs, _ := json.Marshal(c.AllowedPublishers)
	_, err := tx.Exec(ctx, `INSERT INTO lambda_code_signing_configs (account, id, description, publishers, policy, modified) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, id) DO UPDATE SET description = excluded.description, publishers = excluded.publishers,
			policy = excluded.policy, modified = excluded.modified`,
		c.Account, c.ID, c.Description, string(pubs), c.Policy, c.LastModified.Format(TimeFormat))
	return err
}

func (s *Service) scanCSC(account string, row interface{ Scan(...any) error }) (*CodeSigningConfig, error) {
	c := &CodeSigningConfig{Account: account}
	var pubs, modified string
	if err := row.Scan(&c.ID, &c.Description, &pubs, &c.Policy, &modified); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(pubs), &c.AllowedPublishers); err != nil {
		return nil, fmt.Errorf("decode allowed publishers: %w", err)
	}
	c.ARN = s.CodeSigningConfigARN(account, c.ID)
	c.LastModified, _ = time.Parse(TimeFormat, modified)
	return c, nil
}

const cscColumns = `id, description, publishers, policy, modified`

func (s *Service) getCSC(ctx context.Context, tx *store.Tx, account, id string) (*CodeSigningConfig, error) {
	c, err := s.scanCSC(account, tx.QueryRow(ctx, `SELECT `+cscColumns+` FROM lambda_code_signing_configs WHERE account = ? AND id = ?`, account, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, cscNotFound(s.CodeSigningConfigARN(account, id))
	}
	return c, err
}

// GetCodeSigningConfig returns the configuration arn names.
func (s *Service) GetCodeSigningConfig(ctx context.Context, account, arn string) (*CodeSigningConfig, error) {
	id, err := s.parseCSC(account, arn)
	if err != nil {
		return nil, err
	}
	var c *CodeSigningConfig
	err = s.st.View(ctx, func(tx *store.Tx) error {
		c, err = s.getCSC(ctx, tx, account, id)
		return err
	})
	return c, notFoundAsResource(err)
}

// notFoundAsResource is err with CodeSigningConfigNotFoundException answered
// as ResourceNotFoundException: the operations on a configuration itself
// answer that (the deployment operations answer the former).
func notFoundAsResource(err error) error {
	if e, ok := awserr.As(err); ok && e.Code == CodeCodeSigningConfigNotFound {
		return notFound("%s", e.Message)
	}
	return err
}

// UpdateCodeSigningConfig changes a configuration; functions using it are
// checked against the new one at their next deployment.
func (s *Service) UpdateCodeSigningConfig(ctx context.Context, account, arn string, in CodeSigningInput) (*CodeSigningConfig, error) {
	id, err := s.parseCSC(account, arn)
	if err != nil {
		return nil, err
	}
	var c *CodeSigningConfig
	err = s.update(ctx, func(tx *store.Tx) error {
		if c, err = s.getCSC(ctx, tx, account, id); err != nil {
			return err
		}
		setStr(&c.Description, in.Description)
		setStr(&c.Policy, in.Policy)
		if in.AllowedPublishers != nil {
			c.AllowedPublishers = dedupe(in.AllowedPublishers)
		}
		c.LastModified = s.now().UTC()
		if err := checkCodeSigning(c); err != nil {
			return err
		}
		return s.putCSC(ctx, tx, c)
	})
	if err != nil {
		return nil, notFoundAsResource(err)
	}
	return c, nil
}

// DeleteCodeSigningConfig deletes a configuration no function uses
// (ResourceConflictException otherwise, as AWS).
func (s *Service) DeleteCodeSigningConfig(ctx context.Context, account, arn string) error {
	id, err := s.parseCSC(account, arn)
	if err != nil {
		return err
	}
	return notFoundAsResource(s.update(ctx, func(tx *store.Tx) error {
		if _, err := s.getCSC(ctx, tx, account, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM lambda_function_code_signing WHERE account = ? AND csc_id = ?`, account, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflict("The code signing configuration cannot be deleted because it is used by %d function(s).", n)
		}
		_, err := tx.Exec(ctx, `DELETE FROM lambda_code_signing_configs WHERE account = ? AND id = ?`, account, id)
		return err
	}))
}

// ListCodeSigningConfigs lists the account's configurations by id.
func (s *Service) ListCodeSigningConfigs(ctx context.Context, account string, p Page) ([]*CodeSigningConfig, string, error) {
	after, err := markerKey(p.Marker)
	if err != nil {
		return nil, "", err
	}
	limit := p.limit()
	var out []*CodeSigningConfig
	err = s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+cscColumns+` FROM lambda_code_signing_configs WHERE account = ? AND id > ? ORDER BY id LIMIT ?`, account, after, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := s.scanCSC(account, rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list code signing configs: %w", err)
	}
	if int64(len(out)) > limit {
		out = out[:limit]
		return out, encodeMarker(out[len(out)-1].ID), nil
	}
	return out, "", nil
}

// markerKey decodes a marker of a list ordered by one key ("" for none).
func markerKey(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	return decodeMarker(m)
}

// ListFunctionsByCodeSigningConfig lists the ARNs of the functions using a configuration.
func (s *Service) ListFunctionsByCodeSigningConfig(ctx context.Context, account, arn string, p Page) ([]string, string, error) {
	id, err := s.parseCSC(account, arn)
	if err != nil {
		return nil, "", err
	}
	after, err := markerKey(p.Marker)
	if err != nil {
		return nil, "", err
	}
	limit := p.limit()
	var names []string
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if _, err := s.getCSC(ctx, tx, account, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT name FROM lambda_function_code_signing WHERE account = ? AND csc_id = ? AND name > ? ORDER BY name LIMIT ?`, account, id, after, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", notFoundAsResource(err)
	}
	next := ""
	if int64(len(names)) > limit {
		names = names[:limit]
		next = encodeMarker(names[len(names)-1])
	}
	arns := make([]string, len(names))
	for i, n := range names {
		arns[i] = s.functionARN(account, n)
	}
	return arns, next, nil
}

// PutFunctionCodeSigningConfig attaches a configuration to a function; the
// code already deployed is not re-verified (as on AWS), the next deployment is.
func (s *Service) PutFunctionCodeSigningConfig(ctx context.Context, account, nameOrARN, arn string) (string, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return "", err
	}
	if ref.Qualifier != "" {
		return "", invalidParameter("Code signing configurations apply to the unqualified function.")
	}
	id, err := s.parseCSC(account, arn)
	if err != nil {
		return "", err
	}
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		if _, err := s.getCSC(ctx, tx, account, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO lambda_function_code_signing (account, name, csc_id) VALUES (?, ?, ?)
			ON CONFLICT (account, name) DO UPDATE SET csc_id = excluded.csc_id`, account, ref.Name, id)
		return err
	})
	return ref.Name, err
}

// GetFunctionCodeSigningConfig returns the ARN of a function's configuration, "" for none.
func (s *Service) GetFunctionCodeSigningConfig(ctx context.Context, account, nameOrARN string) (name, arn string, err error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return "", "", err
	}
	var id string
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		id, err = s.functionCSC(ctx, tx, account, ref.Name)
		return err
	})
	if err != nil || id == "" {
		return ref.Name, "", err
	}
	return ref.Name, s.CodeSigningConfigARN(account, id), nil
}

func (s *Service) functionCSC(ctx context.Context, tx *store.Tx, account, name string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT csc_id FROM lambda_function_code_signing WHERE account = ? AND name = ?`, account, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// DeleteFunctionCodeSigningConfig detaches a function's configuration.
func (s *Service) DeleteFunctionCodeSigningConfig(ctx context.Context, account, nameOrARN string) error {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return err
	}
	return s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM lambda_function_code_signing WHERE account = ? AND name = ?`, account, ref.Name)
		return err
	})
}

// verifyCode applies the code signing configuration cscID (of account) to a
// deployment to fnARN of zip (nil when the code does not change) and of the
// layers (each layer version's zip is checked too, as AWS does): an
// integrity failure is refused under any policy; the other failures are
// refused under Enforce and, under Warn, accepted with a warning (logged and
// reported through Config.OnCodeWarning).
func (s *Service) verifyCode(ctx context.Context, account, cscID, fnARN string, zip []byte, layers []LayerRef) (signing, error) {
	var signed signing
	if cscID == "" {
		return signed, nil
	}
	var c *CodeSigningConfig
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.getCSC(ctx, tx, account, cscID)
		return err
	})
	if err != nil {
		return signed, err
	}
	if s.verifier == nil {
		return signed, awserr.New(CodeCodeVerificationFailed, 400, "Lambda cannot verify code signatures on this server: no signature verifier is configured.")
	}
	var warnings []string
	var last CodeCheck
	check := func(what string, zip []byte) error {
		ch, err := s.verifier.VerifyCode(ctx, zip, c.AllowedPublishers)
		if err != nil {
			return fmt.Errorf("verify code signature: %w", err)
		}
		last = ch
		if ch.Integrity != "" {
			return awserr.New(CodeInvalidCodeSignature, 400, "Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for %s. %s", what, ch.Integrity)
		}
		if fails := ch.failures(); len(fails) > 0 {
			reason := what + ": " + strings.Join(fails, "; ")
			if c.Policy == PolicyEnforce {
				return awserr.New(CodeCodeVerificationFailed, 400, "Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for %s.", reason)
			}
			warnings = append(warnings, reason)
		}
		return nil
	}
	if zip != nil {
		if err := check(fnARN, zip); err != nil {
			return signed, err
		}
		if last.Profile != "" {
			signed = signing{profileVersionARN: last.Profile, jobARN: jobARN(last.Profile, last.JobID)}
		}
	}
	for _, l := range layers {
		data, err := s.blobs.ReadAll(l.Digest)
		if err != nil {
			return signed, fmt.Errorf("read layer %s: %w", l.ARN, err)
		}
		if err := check(l.ARN, data); err != nil {
			return signed, err
		}
	}
	if len(warnings) > 0 && s.onCodeWarning != nil {
		s.onCodeWarning(ctx, account, fnARN, c.ARN, strings.Join(warnings, "; "))
	}
	return signed, nil
}
