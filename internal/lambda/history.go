package lambda

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// History keeps configuration items of functions (AWS Config's role); the
// server adapts internal/confighistory. RecordFunction runs inside the
// transaction of the change it describes, so the item commits with it.
type History interface {
	RecordFunction(ctx context.Context, tx *store.Tx, st FunctionState) error
}

// FunctionState is a function's whole configuration after a change, as a
// configuration item holds it.
type FunctionState struct {
	Account, Name, ARN string
	// Deleted is set when the change deleted the function.
	Deleted bool
	Created time.Time
	// Configuration is $LATEST's configuration in AWS Config's form for
	// AWS::Lambda::Function. Environment variable values are secrets: only
	// their names and a digest of their ciphertext appear.
	Configuration map[string]any
	// Supplementary holds what AWS Config keeps beside the configuration:
	// "Policy", "Concurrency", "Aliases", "Versions", "CodeSigningConfigArn".
	Supplementary map[string]string
	Tags          map[string]string
}

// updateFunction is update for a change to one function: the function's
// state after fn is recorded in the same transaction.
func (s *Service) updateFunction(ctx context.Context, account, name string, fn func(tx *store.Tx) error) error {
	return s.update(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.recordFunction(ctx, tx, account, name)
	})
}

// recordFunction hands History the state of a function as tx sees it.
func (s *Service) recordFunction(ctx context.Context, tx *store.Tx, account, name string) error {
	if s.history == nil {
		return nil
	}
	st := FunctionState{Account: account, Name: name, ARN: s.functionARN(account, name)}
	var created, tags string
	var reserved sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT created, tags, reserved FROM lambda_functions WHERE account = ? AND name = ?`, account, name).Scan(&created, &tags, &reserved)
	if errors.Is(err, sql.ErrNoRows) {
		st.Deleted = true
		return s.history.RecordFunction(ctx, tx, st)
	}
	if err != nil {
		return err
	}
	st.Created, _ = time.Parse(TimeFormat, created)
	if err := json.Unmarshal([]byte(tags), &st.Tags); err != nil {
		return fmt.Errorf("decode tags: %w", err)
	}
	v, err := s.getVersion(ctx, tx, account, name, 0)
	if err != nil {
		return fmt.Errorf("record %s: %w", name, err)
	}
	// The variables themselves are not decrypted here (KMS runs outside the
	// transaction): their names are in the version's config, their values
	// only as the ciphertext's digest, which changes with every change.
	st.Configuration = configItem(v)
	st.Supplementary = map[string]string{}
	if reserved.Valid {
		st.Supplementary["Concurrency"] = `{"reservedConcurrentExecutions":` + strconv.FormatInt(reserved.Int64, 10) + `}`
	}
	aliases, err := s.aliasesOf(ctx, tx, account, name)
	if err != nil {
		return err
	}
	if len(aliases) > 0 {
		b, _ := json.Marshal(aliases)
		st.Supplementary["Aliases"] = string(b)
	}
	versions, err := s.versionNumbers(ctx, tx, account, name)
	if err != nil {
		return err
	}
	if len(versions) > 0 {
		b, _ := json.Marshal(versions)
		st.Supplementary["Versions"] = string(b)
	}
	if err := s.addPolicies(ctx, tx, account, name, st.Supplementary); err != nil {
		return err
	}
	if id, err := s.functionCSC(ctx, tx, account, name); err != nil {
		return err
	} else if id != "" {
		st.Supplementary["CodeSigningConfigArn"] = s.CodeSigningConfigARN(account, id)
	}
	return s.history.RecordFunction(ctx, tx, st)
}

// configItem is v's configuration as AWS Config records AWS::Lambda::Function.
func configItem(v *Version) map[string]any {
	layers := make([]map[string]any, 0, len(v.Layers))
	for _, l := range v.Layers {
		layers = append(layers, map[string]any{"arn": l.ARN, "codeSize": l.CodeSize})
	}
	c := map[string]any{
		"functionName": v.FunctionName, "functionArn": v.FunctionARN, "runtime": v.Runtime, "role": v.Role,
		"handler": v.Handler, "codeSize": v.CodeSize, "description": v.Description, "timeout": v.Timeout,
		"memorySize": v.MemorySize, "lastModified": v.LastModified.Format(TimeFormat), "codeSha256": v.CodeDigest.Base64(),
		"version": latest, "revisionId": v.RevisionID, "packageType": v.PackageType, "architectures": v.Architectures,
		"ephemeralStorage": map[string]any{"size": v.EphemeralStorage}, "layers": layers,
	}
	if v.KMSKeyArn != "" {
		c["kmsKeyArn"] = v.KMSKeyArn
	}
	if v.DeadLetterTarget != "" {
		c["deadLetterConfig"] = map[string]any{"targetArn": v.DeadLetterTarget}
	}
	if len(v.envBlob) > 0 {
		sum := sha256.Sum256(v.envBlob)
		names := append([]string(nil), v.EnvNames...)
		sort.Strings(names)
		c["environment"] = map[string]any{"variableNames": names, "encryptedSha256": hex.EncodeToString(sum[:])}
	}
	return c
}

type aliasItem struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Weights         map[string]float64 `json:"additionalVersionWeights,omitempty"`
}

func (s *Service) aliasesOf(ctx context.Context, tx *store.Tx, account, name string) ([]aliasItem, error) {
	rows, err := tx.Query(ctx, `SELECT alias, version_num, weights FROM lambda_aliases WHERE account = ? AND name = ? ORDER BY alias`, account, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []aliasItem
	for rows.Next() {
		var a aliasItem
		var num int64
		var w string
		if err := rows.Scan(&a.Name, &num, &w); err != nil {
			return nil, err
		}
		a.FunctionVersion = versionString(num)
		_ = json.Unmarshal([]byte(w), &a.Weights)
		if len(a.Weights) == 0 {
			a.Weights = nil
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Service) versionNumbers(ctx context.Context, tx *store.Tx, account, name string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT version_num FROM lambda_versions WHERE account = ? AND name = ? AND version_num > 0 ORDER BY version_num`, account, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, strconv.FormatInt(n, 10))
	}
	return out, rows.Err()
}

// addPolicies adds the function's resource policies to sup: "Policy" for
// the function's own (as AWS Config records it), "Policy:QUALIFIER" for a
// version's or an alias's.
func (s *Service) addPolicies(ctx context.Context, tx *store.Tx, account, name string, sup map[string]string) error {
	rows, err := tx.Query(ctx, `SELECT qualifier, statements FROM lambda_function_policies WHERE account = ? AND name = ? ORDER BY qualifier`, account, name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var q, raw string
		if err := rows.Scan(&q, &raw); err != nil {
			return err
		}
		stmts, err := decodeStatements(raw)
		if err != nil {
			return err
		}
		key := "Policy"
		if q != "" {
			key += ":" + q
		}
		sup[key] = policyDocument(stmts)
	}
	return rows.Err()
}
