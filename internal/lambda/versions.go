package lambda

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/store"
)

// PublishVersion publishes $LATEST as a new version. If $LATEST has not changed
// since the last published version, that version is returned and nothing is
// published, as on AWS. codeSha256 and revision, when set, must match $LATEST
// (InvalidParameterValueException, PreconditionFailedException).
func (s *Service) PublishVersion(ctx context.Context, account, nameOrARN, codeSha256, description, revision string) (*Version, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	var out *Version
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		v, err := s.getVersion(ctx, tx, account, ref.Name, 0)
		if errors.Is(err, sql.ErrNoRows) {
			return functionNotFound(s.functionARN(account, ref.Name))
		}
		if err != nil {
			return err
		}
		if v.State == StatePending {
			return notActive(v.State)
		}
		if codeSha256 != "" && codeSha256 != v.CodeDigest.Base64() {
			return invalidParameter("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", codeSha256, v.CodeDigest.Base64())
		}
		if revision != "" && revision != v.RevisionID {
			return staleRevision()
		}
		out, err = s.publishLocked(ctx, tx, v, description)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publish version: %w", err)
	}
	return out, s.openEnv(ctx, out)
}

// publishLocked publishes latest inside tx, or returns the last published
// version if nothing changed since.
func (s *Service) publishLocked(ctx context.Context, tx *store.Tx, latestV *Version, description string) (*Version, error) {
	var next int64
	if err := tx.QueryRow(ctx, `SELECT next_version FROM lambda_functions WHERE account = ? AND name = ?`, latestV.Account, latestV.FunctionName).Scan(&next); err != nil {
		return nil, err
	}
	var lastNum int64
	err := tx.QueryRow(ctx, `SELECT MAX(version_num) FROM lambda_versions WHERE account = ? AND name = ? AND version_num > 0`, latestV.Account, latestV.FunctionName).Scan(&nullInt{&lastNum})
	if err != nil {
		return nil, err
	}
	if lastNum > 0 {
		last, err := s.getVersion(ctx, tx, latestV.Account, latestV.FunctionName, lastNum)
		if err != nil {
			return nil, err
		}
		if last.ConfigSha256 == latestV.ConfigSha256 {
			return last, nil
		}
	}
	v := *latestV
	v.Version = strconv.FormatInt(next, 10)
	if description != "" {
		v.Description = description
	}
	rev, err := s.revisionID()
	if err != nil {
		return nil, err
	}
	v.RevisionID, v.LastModified = rev, s.now().UTC()
	if err := s.putVersion(ctx, tx, &v, next); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE lambda_functions SET next_version = ? WHERE account = ? AND name = ?`, next+1, latestV.Account, latestV.FunctionName); err != nil {
		return nil, err
	}
	return &v, nil
}

// nullInt scans a nullable integer, leaving the target alone on NULL.
type nullInt struct{ p *int64 }

func (n *nullInt) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	if v.Valid {
		*n.p = v.Int64
	}
	return nil
}

// ListVersionsByFunction lists $LATEST and the published versions.
func (s *Service) ListVersionsByFunction(ctx context.Context, account, nameOrARN string, p Page) ([]*Version, string, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, "", err
	}
	afterNum := int64(-1)
	if p.Marker != "" {
		m, err := decodeMarker(p.Marker)
		if err != nil {
			return nil, "", err
		}
		_, num, _ := strings.Cut(m, "\x00")
		if afterNum, err = strconv.ParseInt(num, 10, 64); err != nil {
			return nil, "", invalidParameter("Invalid marker: %s", p.Marker)
		}
	}
	limit := p.limit()
	var out []*Version
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+versionColumns+` FROM lambda_versions WHERE account = ? AND name = ? AND version_num > ? ORDER BY version_num LIMIT ?`,
			account, ref.Name, afterNum, limit+1)
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
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	if err := s.openEnvs(ctx, out); err != nil {
		return nil, "", err
	}
	return page(out, limit)
}

// exists returns ResourceNotFoundException if the function does not exist.
func (s *Service) exists(ctx context.Context, tx *store.Tx, account, name string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM lambda_functions WHERE account = ? AND name = ?`, account, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return functionNotFound(s.functionARN(account, name))
	}
	return err
}
