package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Tags.

const maxTags = 50

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return invalidParameter("Number of tags exceeds resource tag limit of %d.", maxTags)
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter("Invalid tag key or value: %s", k)
		}
	}
	return nil
}

// functionOfARN returns the name of the function an unqualified function ARN
// of account names.
func (s *Service) functionOfARN(account, resource string) (string, error) {
	ref, err := s.ParseFunctionName(account, resource)
	if err != nil || !strings.HasPrefix(resource, "arn:") || ref.Qualifier != "" {
		return "", invalidParameter("Invalid function ARN: %s. Tags are supported on unqualified function ARNs.", resource)
	}
	if ref.Account != account {
		return "", functionNotFound(resource)
	}
	return ref.Name, nil
}

func (s *Service) readTags(ctx context.Context, tx *store.Tx, account, name string) (map[string]string, error) {
	var raw string
	err := tx.QueryRow(ctx, `SELECT tags FROM lambda_functions WHERE account = ? AND name = ?`, account, name).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, functionNotFound(s.functionARN(account, name))
	}
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &tags); err != nil {
		return nil, fmt.Errorf("decode tags: %w", err)
	}
	return tags, nil
}

// ListTags returns a function's tags by its unqualified ARN.
func (s *Service) ListTags(ctx context.Context, account, resource string) (map[string]string, error) {
	name, err := s.functionOfARN(account, resource)
	if err != nil {
		return nil, err
	}
	var tags map[string]string
	err = s.st.View(ctx, func(tx *store.Tx) error {
		tags, err = s.readTags(ctx, tx, account, name)
		return err
	})
	return tags, err
}

// TagResource adds or replaces tags of a function.
func (s *Service) TagResource(ctx context.Context, account, resource string, add map[string]string) error {
	return s.changeTags(ctx, account, resource, func(tags map[string]string) {
		for k, v := range add {
			tags[k] = v
		}
	})
}

// UntagResource removes tags from a function.
func (s *Service) UntagResource(ctx context.Context, account, resource string, keys []string) error {
	return s.changeTags(ctx, account, resource, func(tags map[string]string) {
		for _, k := range keys {
			delete(tags, k)
		}
	})
}

func (s *Service) changeTags(ctx context.Context, account, resource string, change func(map[string]string)) error {
	name, err := s.functionOfARN(account, resource)
	if err != nil {
		return err
	}
	err = s.updateFunction(ctx, account, name, func(tx *store.Tx) error {
		tags, err := s.readTags(ctx, tx, account, name)
		if err != nil {
			return err
		}
		change(tags)
		if err := checkTags(tags); err != nil {
			return err
		}
		b, _ := json.Marshal(tags)
		_, err = tx.Exec(ctx, `UPDATE lambda_functions SET tags = ? WHERE account = ? AND name = ?`, string(b), account, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("tag function: %w", err)
	}
	return nil
}

// Concurrency.

func (s *Service) reserved(ctx context.Context, tx *store.Tx, account, name string) (*int64, error) {
	var r sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT reserved FROM lambda_functions WHERE account = ? AND name = ?`, account, name).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, functionNotFound(s.functionARN(account, name))
	}
	if err != nil || !r.Valid {
		return nil, err
	}
	return &r.Int64, nil
}

// PutFunctionConcurrency reserves n concurrent executions for a function.
// Returns InvalidParameterValueException if that would leave the account fewer
// than 100 unreserved.
func (s *Service) PutFunctionConcurrency(ctx context.Context, account, nameOrARN string, n int64) (int64, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, invalidParameter("ReservedConcurrentExecutions must be non-negative.")
	}
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		var others int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(reserved), 0) FROM lambda_functions WHERE account = ? AND name <> ?`, account, ref.Name).Scan(&others); err != nil {
			return err
		}
		if s.limit-others-n < minUnreservedConcurrency {
			return invalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", minUnreservedConcurrency)
		}
		_, err := tx.Exec(ctx, `UPDATE lambda_functions SET reserved = ? WHERE account = ? AND name = ?`, n, account, ref.Name)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("put function concurrency: %w", err)
	}
	return n, nil
}

// GetFunctionConcurrency returns a function's reserved concurrency, nil if none.
func (s *Service) GetFunctionConcurrency(ctx context.Context, account, nameOrARN string) (*int64, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	var r *int64
	err = s.st.View(ctx, func(tx *store.Tx) error {
		r, err = s.reserved(ctx, tx, account, ref.Name)
		return err
	})
	return r, err
}

// DeleteFunctionConcurrency removes a function's reservation.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, account, nameOrARN string) error {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return err
	}
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE lambda_functions SET reserved = NULL WHERE account = ? AND name = ?`, account, ref.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete function concurrency: %w", err)
	}
	return nil
}

// GetAccountSettings returns the account's limits and usage.
func (s *Service) GetAccountSettings(ctx context.Context, account string) (*AccountSettings, error) {
	as := &AccountSettings{
		TotalCodeSizeLimit: totalCodeStorageLimit, CodeSizeUnzipped: MaxUnzippedBytes, CodeSizeZipped: MaxZippedBytes,
		ConcurrentExecutions: s.limit,
	}
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var reserved int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(reserved), 0) FROM lambda_functions WHERE account = ?`, account).Scan(&as.FunctionCount, &reserved); err != nil {
			return err
		}
		as.UnreservedConcurrency = s.limit - reserved
		var code, layers int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(code_size), 0) FROM lambda_versions WHERE account = ?`, account).Scan(&code); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(code_size), 0) FROM lambda_layer_versions WHERE account = ?`, account).Scan(&layers); err != nil {
			return err
		}
		as.TotalCodeSize = code + layers
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get account settings: %w", err)
	}
	return as, nil
}

// Blob garbage.

// LiveBlobs returns every blob digest a function version or layer version refers to.
func (s *Service) LiveBlobs(ctx context.Context) (map[blob.Digest]bool, error) {
	live := map[blob.Digest]bool{}
	err := s.st.View(ctx, func(tx *store.Tx) error {
		for _, q := range []string{`SELECT code_digest FROM lambda_versions`, `SELECT code_digest FROM lambda_layer_versions`} {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var h string
				if err := rows.Scan(&h); err != nil {
					rows.Close()
					return err
				}
				if d, err := blob.ParseDigest(h); err == nil {
					live[d] = true
				}
			}
			rows.Close()
		}
		rows, err := tx.Query(ctx, `SELECT config FROM lambda_versions`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cfg string
			if err := rows.Scan(&cfg); err != nil {
				return err
			}
			var v Version
			if err := json.Unmarshal([]byte(cfg), &v); err != nil {
				return err
			}
			for _, l := range v.Layers {
				if d, err := blob.ParseDigest(l.DigestHex); err == nil {
					live[d] = true
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("live blobs: %w", err)
	}
	return live, nil
}

// Code returns a version's code zip, verified. The server's code download
// route (GetFunction's Code.Location) serves it.
func (s *Service) Code(d blob.Digest) ([]byte, error) {
	b, err := s.blobs.ReadAll(d)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, awserr.New(CodeResourceNotFound, 404, "The resource you requested does not exist.")
	}
	return b, err
}
