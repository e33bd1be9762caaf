package lambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// reservedEnvKeys are the variables Lambda sets itself and refuses to take.
var reservedEnvKeys = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

func checkEnvironment(env map[string]string) error {
	var reserved []string
	for k := range env {
		if slices.Contains(reservedEnvKeys, k) {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		sort.Strings(reserved)
		return invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ","))
	}
	b, _ := json.Marshal(env)
	if len(env) > 0 && len(b) > maxEnvironmentBytes {
		return invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", b)
	}
	return nil
}

// checkConfig validates the configuration of v (after defaults).
func checkConfig(v *Version) error {
	switch {
	case !runtimes[v.Runtime]:
		return invalidParameter("The runtime parameter of %s is not supported by Stratus; supported runtimes are provided.al2023, provided.al2, python3.11 and nodejs20.x.", v.Runtime)
	case v.Handler == "" && !strings.HasPrefix(v.Runtime, "provided"):
		return invalidParameter("The handler parameter is required for runtime %s.", v.Runtime)
	case v.MemorySize < 128 || v.MemorySize > 10240:
		return invalidParameter("'MemorySize' value failed to satisfy constraint: Member must have value between 128 and 10240")
	case v.Timeout < 1 || v.Timeout > 900:
		return invalidParameter("'Timeout' value failed to satisfy constraint: Member must have value between 1 and 900")
	case v.EphemeralStorage < 512 || v.EphemeralStorage > 10240:
		return invalidParameter("'EphemeralStorage.Size' value failed to satisfy constraint: Member must have value between 512 and 10240")
	case len(v.Architectures) != 1 || v.Architectures[0] != ArchitectureX86:
		return invalidParameter("Stratus supports only the x86_64 architecture.")
	case v.PackageType != PackageTypeZip:
		return invalidParameter("Stratus supports only PackageType Zip.")
	case len(v.Description) > 256:
		return invalidParameter("'Description' must be at most 256 characters.")
	case v.DeadLetterTarget != "" && !isQueueOrTopicARN(v.DeadLetterTarget):
		return invalidParameter("The provided target arn is invalid: %s. The target arn must be an Amazon SQS queue or an Amazon SNS topic.", v.DeadLetterTarget)
	}
	return checkEnvironment(v.Environment)
}

// storeCode validates zip and writes it to the blob store.
func (s *Service) storeCode(ctx context.Context, zip []byte) (blob.Digest, int64, ZipInfo, error) {
	if len(zip) == 0 {
		return blob.Digest{}, 0, ZipInfo{}, invalidParameter("Please provide a source for function code.")
	}
	info, err := ValidateZip(ctx, zip)
	if err != nil {
		return blob.Digest{}, 0, info, err
	}
	d, n, err := s.blobs.Put(ctx, bytes.NewReader(zip))
	if err != nil {
		return d, 0, info, fmt.Errorf("store code: %w", err)
	}
	return d, n, info, nil
}

// configSha returns the digest PublishVersion compares.
func configSha(v *Version) string {
	h := sha256.New()
	// The encrypted environment stands for the variables: PublishVersion
	// copies it verbatim, and every change encrypts afresh.
	b, _ := json.Marshal(struct {
		V    *Version
		Code string
		Env  []byte
	}{&Version{
		Runtime: v.Runtime, Handler: v.Handler, Role: v.Role, MemorySize: v.MemorySize, Timeout: v.Timeout,
		EphemeralStorage: v.EphemeralStorage, Architectures: v.Architectures, Layers: v.Layers, PackageType: v.PackageType,
		KMSKeyArn: v.KMSKeyArn,
	}, v.CodeDigest.String(), v.envBlob})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// CreateFunction creates a function from a zip. Returns ResourceConflictException
// if it exists, InvalidParameterValueException for bad configuration, code,
// role or layers.
func (s *Service) CreateFunction(ctx context.Context, account string, in FunctionInput) (*Version, error) {
	if !nameRE.MatchString(in.Name) {
		return nil, invalidParameter("Invalid function name: %s", in.Name)
	}
	v := &Version{
		Account: account, FunctionName: in.Name, FunctionARN: s.functionARN(account, in.Name), Version: latest,
		Runtime: in.Runtime, Handler: in.Handler, Role: in.Role, Description: in.Description,
		MemorySize: or(in.MemorySize, defaultMemorySize), Timeout: or(in.Timeout, defaultTimeout),
		EphemeralStorage: or(in.EphemeralStorage, defaultEphemeralStorage),
		Architectures:    in.Architectures, PackageType: in.PackageType, Environment: in.Environment,
		DeadLetterTarget: in.DeadLetterTarget, KMSKeyArn: in.KMSKeyArn,
		State: StateActive, LastUpdateStatus: LastUpdateSuccessful,
	}
	pending := s.preparing()
	if pending {
		v.State, v.StateReason, v.StateReasonCode, v.LastUpdateStatus = StatePending, reasonCreating, reasonCodeCreating, ""
	}
	if len(v.Architectures) == 0 {
		v.Architectures = []string{ArchitectureX86}
	}
	if v.PackageType == "" {
		v.PackageType = PackageTypeZip
	}
	if err := checkConfig(v); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.checkKeyParam(in.KMSKeyArn); err != nil {
		return nil, err
	}
	if err := s.roles.CheckExecutionRole(ctx, account, in.Role); err != nil {
		return nil, err
	}
	layers, err := s.lookupLayers(ctx, account, in.Layers)
	if err != nil {
		return nil, err
	}
	v.Layers = layers
	var cscID string
	if in.CodeSigningConfigArn != "" {
		if cscID, err = s.parseCSC(account, in.CodeSigningConfigArn); err != nil {
			return nil, err
		}
		signed, err := s.verifyCode(ctx, account, cscID, v.FunctionARN, in.ZipFile, layers)
		if err != nil {
			return nil, err
		}
		v.SigningProfileVersionArn, v.SigningJobArn = signed.profileVersionARN, signed.jobARN
	}
	d, size, info, err := s.storeCode(ctx, in.ZipFile)
	if err != nil {
		return nil, err
	}
	if err := checkUnzipped(info.Unzipped, layers); err != nil {
		return nil, err
	}
	v.CodeDigest, v.CodeSize, v.CodeUnzipped = d, size, info.Unzipped
	if v.envBlob, err = s.encryptEnv(ctx, account, v.FunctionARN, v.KMSKeyArn, v.Environment); err != nil {
		return nil, err
	}
	v.EnvNames = envNames(v.Environment)
	if v.RevisionID, err = s.revisionID(); err != nil {
		return nil, err
	}
	v.LastModified = s.now().UTC()
	v.ConfigSha256 = configSha(v)
	tags, _ := json.Marshal(orEmpty(in.Tags))
	var published *Version
	err = s.updateFunction(ctx, account, in.Name, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO lambda_functions (account, name, created, tags, reserved, next_version) VALUES (?, ?, ?, ?, NULL, 1)`,
			account, in.Name, v.LastModified.Format(TimeFormat), string(tags))
		if store.IsUniqueViolation(err) {
			return conflict("Function already exist: %s", in.Name)
		}
		if err != nil {
			return err
		}
		if err := s.putVersion(ctx, tx, v, 0); err != nil {
			return err
		}
		if cscID != "" {
			if _, err := s.getCSC(ctx, tx, account, cscID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO lambda_function_code_signing (account, name, csc_id) VALUES (?, ?, ?)`, account, in.Name, cscID); err != nil {
				return err
			}
		}
		if in.Publish {
			published, err = s.publishLocked(ctx, tx, v, "")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create function: %w", err)
	}
	if pending {
		s.launchPrepare(account, in.Name)
	}
	if published != nil {
		published.Environment = v.Environment
		return published, nil
	}
	return v, nil
}

func or(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func checkUnzipped(code int64, layers []LayerRef) error {
	total := code
	for _, l := range layers {
		total += l.Unzipped
	}
	if total > MaxUnzippedBytes {
		return invalidParameter("Function code combined with layers exceeds the maximum allowed size of %d bytes. The actual size is %d bytes.", MaxUnzippedBytes, total)
	}
	return nil
}

// putVersion inserts or replaces the row of version num of v's function.
func (s *Service) putVersion(ctx context.Context, tx *store.Tx, v *Version, num int64) error {
	for i := range v.Layers {
		v.Layers[i].DigestHex = v.Layers[i].Digest.String()
	}
	cfg, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO lambda_versions (account, name, version_num, config, env, code_digest, code_size)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, name, version_num) DO UPDATE SET config = excluded.config, env = excluded.env,
			code_digest = excluded.code_digest, code_size = excluded.code_size`,
		v.Account, v.FunctionName, num, string(cfg), v.envBlob, v.CodeDigest.String(), v.CodeSize)
	return err
}

const versionColumns = `name, version_num, config, env, code_digest, code_size`

// scanVersion reads one lambda_versions row selected with versionColumns.
func (s *Service) scanVersion(account string, row interface{ Scan(...any) error }) (*Version, error) {
	var (
		name, cfg, digest string
		num, size         int64
		env               []byte
	)
	if err := row.Scan(&name, &num, &cfg, &env, &digest, &size); err != nil {
		return nil, err
	}
	v := &Version{}
	if err := json.Unmarshal([]byte(cfg), v); err != nil {
		return nil, fmt.Errorf("decode version config: %w", err)
	}
	v.Account, v.FunctionName, v.FunctionARN, v.Version = account, name, s.functionARN(account, name), versionString(num)
	v.CodeSize = size
	var err error
	if v.CodeDigest, err = blob.ParseDigest(digest); err != nil {
		return nil, err
	}
	for i := range v.Layers {
		if v.Layers[i].Digest, err = blob.ParseDigest(v.Layers[i].DigestHex); err != nil {
			return nil, err
		}
	}
	if v.envBlob, err = s.upgradeLegacyEnv(v, env, num); err != nil {
		return nil, err
	}
	return v, nil
}

// getVersion reads version num of a function; sql.ErrNoRows if absent.
func (s *Service) getVersion(ctx context.Context, tx *store.Tx, account, name string, num int64) (*Version, error) {
	row := tx.QueryRow(ctx, `SELECT `+versionColumns+` FROM lambda_versions WHERE account = ? AND name = ? AND version_num = ?`, account, name, num)
	return s.scanVersion(account, row)
}

// resolveQualifier maps a qualifier ("" or $LATEST, a number, an alias name)
// to a version number; notFound names the qualified ARN.
func (s *Service) resolveQualifier(ctx context.Context, tx *store.Tx, ref FunctionRef) (int64, *Alias, error) {
	nf := func() error { return s.refNotFound(ref) }
	if ref.Qualifier == "" || ref.Qualifier == latest {
		return 0, nil, nil
	}
	if n, err := strconv.ParseInt(ref.Qualifier, 10, 64); err == nil {
		if n < 1 {
			return 0, nil, nf()
		}
		return n, nil, nil
	}
	al, err := s.getAlias(ctx, tx, ref.Account, ref.Name, ref.Qualifier)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nf()
	}
	if err != nil {
		return 0, nil, err
	}
	n, _ := strconv.ParseInt(al.Version, 10, 64) // $LATEST is 0
	return n, al, nil
}

// loadVersion reads the version ref names, following an alias to its primary version.
func (s *Service) loadVersion(ctx context.Context, tx *store.Tx, ref FunctionRef) (*Version, error) {
	num, _, err := s.resolveQualifier(ctx, tx, ref)
	if err != nil {
		return nil, err
	}
	v, err := s.getVersion(ctx, tx, ref.Account, ref.Name, num)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.refNotFound(ref)
	}
	return v, err
}

// refNotFound is ResourceNotFoundException naming ref's qualified ARN.
func (s *Service) refNotFound(ref FunctionRef) error {
	a := s.functionARN(ref.Account, ref.Name)
	if ref.Qualifier != "" {
		a += ":" + ref.Qualifier
	}
	return functionNotFound(a)
}

// GetFunctionConfiguration returns the version qualifier (or the one in
// nameOrARN) names: $LATEST by default, a version, or an alias's version.
// Returns ResourceNotFoundException if there is none.
func (s *Service) GetFunctionConfiguration(ctx context.Context, account, nameOrARN, qualifier string) (*Version, error) {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return nil, err
	}
	var v *Version
	err = s.st.View(ctx, func(tx *store.Tx) error {
		v, err = s.loadVersion(ctx, tx, ref)
		if err != nil {
			return err
		}
		v.ReservedConcurrency, err = s.reserved(ctx, tx, account, ref.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, s.openEnv(ctx, v)
}

// GetFunction returns a version with the function's tags and code location.
func (s *Service) GetFunction(ctx context.Context, account, nameOrARN, qualifier string) (*Function, error) {
	v, err := s.GetFunctionConfiguration(ctx, account, nameOrARN, qualifier)
	if err != nil {
		return nil, err
	}
	tags, err := s.ListTags(ctx, account, v.FunctionARN)
	if err != nil {
		return nil, err
	}
	f := &Function{Latest: v, Tags: tags}
	if s.location != nil {
		f.CodeLocation = s.location(account, v.CodeDigest)
	}
	return f, nil
}

// ListFunctions lists the account's functions by name with their $LATEST
// configuration, or every version of each when all is set.
func (s *Service) ListFunctions(ctx context.Context, account string, all bool, p Page) ([]*Version, string, error) {
	after, afterNum := "", int64(-1)
	if p.Marker != "" {
		m, err := decodeMarker(p.Marker)
		if err != nil {
			return nil, "", err
		}
		name, num, _ := strings.Cut(m, "\x00")
		after = name
		afterNum, _ = strconv.ParseInt(num, 10, 64)
	}
	var out []*Version
	limit := p.limit()
	err := s.st.View(ctx, func(tx *store.Tx) error {
		q := `SELECT ` + versionColumns + ` FROM lambda_versions WHERE account = ? AND (name > ? OR (name = ? AND version_num > ?))`
		if !all {
			q += ` AND version_num = 0`
		}
		rows, err := tx.Query(ctx, q+` ORDER BY name, version_num LIMIT ?`, account, after, after, afterNum, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := s.scanVersion(account, rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list functions: %w", err)
	}
	if err := s.openEnvs(ctx, out); err != nil {
		return nil, "", err
	}
	return page(out, limit)
}

func page(vs []*Version, limit int64) ([]*Version, string, error) {
	if int64(len(vs)) <= limit {
		return vs, "", nil
	}
	vs = vs[:limit]
	last := vs[len(vs)-1]
	num, _ := strconv.ParseInt(last.Version, 10, 64)
	return vs, encodeMarker(last.FunctionName + "\x00" + strconv.FormatInt(num, 10)), nil
}

// UpdateFunctionConfiguration changes $LATEST's configuration. Returns
// PreconditionFailedException for a stale RevisionID.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, account, nameOrARN string, in ConfigUpdate) (*Version, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	if ref.Qualifier != "" {
		return nil, invalidParameter("Qualifier is not supported for UpdateFunctionConfiguration.")
	}
	cur, err := s.GetFunctionConfiguration(ctx, account, ref.Name, "")
	if err != nil {
		return nil, err
	}
	if in.Role != nil && *in.Role != cur.Role {
		if err := s.roles.CheckExecutionRole(ctx, account, *in.Role); err != nil {
			return nil, err
		}
	}
	var layers []LayerRef
	if in.Layers != nil {
		if layers, err = s.lookupLayers(ctx, account, in.Layers); err != nil {
			return nil, err
		}
		var cscID string
		if err := s.st.View(ctx, func(tx *store.Tx) error {
			cscID, err = s.functionCSC(ctx, tx, account, ref.Name)
			return err
		}); err != nil {
			return nil, err
		}
		if _, err := s.verifyCode(ctx, account, cscID, cur.FunctionARN, nil, layers); err != nil {
			return nil, err
		}
	}
	// A new environment or key encrypts afresh; re-encrypting the current
	// variables under a new key needs them decrypted, and the row unchanged
	// since they were read.
	reencrypt := in.Environment != nil || (in.KMSKeyArn != nil && *in.KMSKeyArn != cur.KMSKeyArn)
	env, keyARN := in.Environment, cur.KMSKeyArn
	if in.KMSKeyArn != nil {
		keyARN = *in.KMSKeyArn
		if err := s.checkKeyParam(keyARN); err != nil {
			return nil, err
		}
	}
	var envBlob []byte
	if reencrypt {
		if env == nil {
			if cur.EnvError != nil {
				return nil, cur.EnvError.Err()
			}
			env = cur.Environment
		}
		if err := checkEnvironment(env); err != nil {
			return nil, err
		}
		if envBlob, err = s.encryptEnv(ctx, account, cur.FunctionARN, keyARN, env); err != nil {
			return nil, err
		}
	}
	return s.updateLatest(ctx, ref, in.RevisionID, func(v *Version) error {
		if reencrypt {
			if in.Environment == nil && !bytes.Equal(v.envBlob, cur.envBlob) {
				return conflict("The operation cannot be performed at this time. An update is in progress for resource: %s", v.FunctionARN)
			}
			v.envBlob, v.KMSKeyArn, v.EnvNames = envBlob, keyARN, envNames(env)
		}
		setStr(&v.Runtime, in.Runtime)
		setStr(&v.Handler, in.Handler)
		setStr(&v.Role, in.Role)
		setStr(&v.Description, in.Description)
		setInt(&v.MemorySize, in.MemorySize)
		setInt(&v.Timeout, in.Timeout)
		setInt(&v.EphemeralStorage, in.EphemeralStorage)
		if in.Layers != nil {
			v.Layers = layers
		}
		setStr(&v.DeadLetterTarget, in.DeadLetterTarget)
		if err := checkConfig(v); err != nil {
			return err
		}
		return checkUnzipped(v.CodeUnzipped, v.Layers)
	}, false)
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func setInt(dst *int64, v *int64) {
	if v != nil {
		*dst = *v
	}
}

// UpdateFunctionCode replaces $LATEST's code, publishing a version if asked.
// With DryRun the code is validated and nothing changes.
func (s *Service) UpdateFunctionCode(ctx context.Context, account, nameOrARN string, in CodeUpdate) (*Version, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	if len(in.Architectures) > 0 && (len(in.Architectures) != 1 || in.Architectures[0] != ArchitectureX86) {
		return nil, invalidParameter("Stratus supports only the x86_64 architecture.")
	}
	cur, err := s.GetFunctionConfiguration(ctx, account, ref.Name, "")
	if err != nil {
		return nil, err // do not store code for a function that does not exist
	}
	var cscID string
	if err := s.st.View(ctx, func(tx *store.Tx) error {
		cscID, err = s.functionCSC(ctx, tx, account, ref.Name)
		return err
	}); err != nil {
		return nil, err
	}
	signed, err := s.verifyCode(ctx, account, cscID, cur.FunctionARN, in.ZipFile, nil)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		if _, err := ValidateZip(ctx, in.ZipFile); err != nil {
			return nil, err
		}
		return cur, nil
	}
	d, size, info, err := s.storeCode(ctx, in.ZipFile)
	if err != nil {
		return nil, err
	}
	return s.updateLatest(ctx, ref, in.RevisionID, func(v *Version) error {
		v.CodeDigest, v.CodeSize, v.CodeUnzipped = d, size, info.Unzipped
		v.SigningProfileVersionArn, v.SigningJobArn = signed.profileVersionARN, signed.jobARN
		return checkUnzipped(v.CodeUnzipped, v.Layers)
	}, in.Publish)
}

// updateLatest applies change to $LATEST in one transaction, with a new
// revision, and publishes a version if publish is set.
func (s *Service) updateLatest(ctx context.Context, ref FunctionRef, revision string, change func(v *Version) error, publish bool) (*Version, error) {
	rev, err := s.revisionID()
	if err != nil {
		return nil, err
	}
	var out *Version
	err = s.updateFunction(ctx, ref.Account, ref.Name, func(tx *store.Tx) error {
		v, err := s.getVersion(ctx, tx, ref.Account, ref.Name, 0)
		if errors.Is(err, sql.ErrNoRows) {
			return functionNotFound(s.functionARN(ref.Account, ref.Name))
		}
		if err != nil {
			return err
		}
		if v.State == StatePending {
			return notActive(v.State)
		}
		if revision != "" && revision != v.RevisionID {
			return staleRevision()
		}
		if err := change(v); err != nil {
			return err
		}
		v.RevisionID, v.LastModified = rev, s.now().UTC()
		v.State, v.LastUpdateStatus = StateActive, LastUpdateSuccessful
		v.ConfigSha256 = configSha(v)
		if err := s.putVersion(ctx, tx, v, 0); err != nil {
			return err
		}
		out = v
		if publish {
			out, err = s.publishLocked(ctx, tx, v, "")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update function: %w", err)
	}
	return out, s.openEnv(ctx, out)
}

// openEnvs decrypts the environments of vs (see openEnv).
func (s *Service) openEnvs(ctx context.Context, vs []*Version) error {
	for _, v := range vs {
		if err := s.openEnv(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// checkKeyParam validates a KMSKeyArn parameter.
func (s *Service) checkKeyParam(arn string) error {
	if arn != "" && s.keys == nil {
		return invalidParameter("KMSKeyArn is not supported: this Lambda service has no KMS.")
	}
	return checkKMSKeyArn(arn)
}

// DeleteFunction deletes a function with all its versions and aliases, or,
// with a numeric qualifier, one version. Returns InvalidParameterValueException
// for $LATEST alone and ResourceConflictException for a version an alias uses.
func (s *Service) DeleteFunction(ctx context.Context, account, nameOrARN, qualifier string) error {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return err
	}
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if ref.Qualifier == "" {
			res, err := tx.Exec(ctx, `DELETE FROM lambda_functions WHERE account = ? AND name = ?`, account, ref.Name)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return functionNotFound(s.functionARN(account, ref.Name))
			}
			return nil
		}
		if ref.Qualifier == latest {
			return invalidParameter("$LATEST version cannot be deleted without deleting the function.")
		}
		num, err := strconv.ParseInt(ref.Qualifier, 10, 64)
		if err != nil {
			return invalidParameter("Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.")
		}
		var aliases []string
		rows, err := tx.Query(ctx, `SELECT alias, weights FROM lambda_aliases WHERE account = ? AND name = ? ORDER BY alias`, account, ref.Name)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, w string
			if err := rows.Scan(&a, &w); err != nil {
				return err
			}
			var al Alias
			json.Unmarshal([]byte(w), &al.Weights)
			if _, ok := al.Weights[ref.Qualifier]; ok {
				aliases = append(aliases, a)
			}
		}
		rows.Close()
		rows2, err := tx.Query(ctx, `SELECT alias FROM lambda_aliases WHERE account = ? AND name = ? AND version_num = ?`, account, ref.Name, num)
		if err != nil {
			return err
		}
		defer rows2.Close()
		for rows2.Next() {
			var a string
			if err := rows2.Scan(&a); err != nil {
				return err
			}
			aliases = append(aliases, a)
		}
		if len(aliases) > 0 {
			sort.Strings(aliases)
			return conflict("Unable to delete version because the following aliases reference it: [%s]", strings.Join(aliases, ", "))
		}
		res, err := tx.Exec(ctx, `DELETE FROM lambda_versions WHERE account = ? AND name = ? AND version_num = ?`, account, ref.Name, num)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return functionNotFound(s.functionARN(account, ref.Name) + ":" + ref.Qualifier)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete function: %w", err)
	}
	return nil
}
