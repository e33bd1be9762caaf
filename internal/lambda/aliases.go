package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/store"
)

var aliasRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)

func (s *Service) getAlias(ctx context.Context, tx *store.Tx, account, name, alias string) (*Alias, error) {
	var (
		num          int64
		desc, w, rev string
	)
	err := tx.QueryRow(ctx, `SELECT version_num, description, weights, revision_id FROM lambda_aliases WHERE account = ? AND name = ? AND alias = ?`,
		account, name, alias).Scan(&num, &desc, &w, &rev)
	if err != nil {
		return nil, err
	}
	a := &Alias{Name: alias, ARN: s.functionARN(account, name) + ":" + alias, Version: versionString(num), Description: desc, RevisionID: rev}
	if err := json.Unmarshal([]byte(w), &a.Weights); err != nil {
		return nil, fmt.Errorf("decode alias weights: %w", err)
	}
	return a, nil
}

// aliasVersion parses an alias's version: "$LATEST" or a published number.
func aliasVersion(v string) (int64, error) {
	if v == latest {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, invalidParameter("Invalid function version %s.", v)
	}
	return n, nil
}

// checkAlias validates an alias's target and weights inside tx.
func (s *Service) checkAlias(ctx context.Context, tx *store.Tx, account, name string, a *Alias) (int64, error) {
	num, err := aliasVersion(a.Version)
	if err != nil {
		return 0, err
	}
	if _, err := s.getVersion(ctx, tx, account, name, num); errors.Is(err, sql.ErrNoRows) {
		return 0, functionNotFound(s.functionARN(account, name) + ":" + a.Version)
	} else if err != nil {
		return 0, err
	}
	if len(a.Weights) > 1 {
		return 0, invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for extra, w := range a.Weights {
		if w < 0 || w > 1 {
			return 0, invalidParameter("Invalid weight %v for version %s: weights must be between 0.0 and 1.0", w, extra)
		}
		if num == 0 || extra == latest {
			return 0, invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if extra == a.Version {
			return 0, invalidParameter("Invalid function version %s. Function version %s is already included in the routing configuration.", extra, extra)
		}
		en, err := aliasVersion(extra)
		if err != nil {
			return 0, err
		}
		if _, err := s.getVersion(ctx, tx, account, name, en); errors.Is(err, sql.ErrNoRows) {
			return 0, functionNotFound(s.functionARN(account, name) + ":" + extra)
		} else if err != nil {
			return 0, err
		}
	}
	return num, nil
}

func (s *Service) putAlias(ctx context.Context, tx *store.Tx, account, name string, a *Alias, num int64, insert bool) error {
	w, _ := json.Marshal(orEmptyWeights(a.Weights))
	if insert {
		_, err := tx.Exec(ctx, `INSERT INTO lambda_aliases (account, name, alias, version_num, description, weights, revision_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			account, name, a.Name, num, a.Description, string(w), a.RevisionID)
		if store.IsUniqueViolation(err) {
			return conflict("Alias already exists: %s", a.ARN)
		}
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE lambda_aliases SET version_num = ?, description = ?, weights = ?, revision_id = ? WHERE account = ? AND name = ? AND alias = ?`,
		num, a.Description, string(w), a.RevisionID, account, name, a.Name)
	return err
}

func orEmptyWeights(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}

// CreateAlias creates an alias. Returns ResourceConflictException if it
// exists, ResourceNotFoundException if the function or a version does not.
func (s *Service) CreateAlias(ctx context.Context, account, nameOrARN string, in AliasInput) (*Alias, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	if !aliasRE.MatchString(in.Name) || isNumber(in.Name) || in.Name == latest {
		return nil, invalidParameter("Invalid alias name: %s", in.Name)
	}
	if in.Version == nil {
		return nil, invalidParameter("FunctionVersion is required.")
	}
	a := &Alias{Name: in.Name, ARN: s.functionARN(account, ref.Name) + ":" + in.Name, Version: *in.Version, Weights: in.Weights}
	setStr(&a.Description, in.Description)
	if a.RevisionID, err = s.revisionID(); err != nil {
		return nil, err
	}
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		num, err := s.checkAlias(ctx, tx, account, ref.Name, a)
		if err != nil {
			return err
		}
		return s.putAlias(ctx, tx, account, ref.Name, a, num, true)
	})
	if err != nil {
		return nil, fmt.Errorf("create alias: %w", err)
	}
	return a, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// GetAlias returns an alias. Returns ResourceNotFoundException if it does not exist.
func (s *Service) GetAlias(ctx context.Context, account, nameOrARN, alias string) (*Alias, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	var a *Alias
	err = s.st.View(ctx, func(tx *store.Tx) error {
		a, err = s.getAlias(ctx, tx, account, ref.Name, alias)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Alias not found: %s:%s", s.functionARN(account, ref.Name), alias)
		}
		return err
	})
	return a, err
}

// UpdateAlias changes an alias. Returns PreconditionFailedException for a stale RevisionID.
func (s *Service) UpdateAlias(ctx context.Context, account, nameOrARN string, in AliasInput) (*Alias, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, err
	}
	rev, err := s.revisionID()
	if err != nil {
		return nil, err
	}
	var a *Alias
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		a, err = s.getAlias(ctx, tx, account, ref.Name, in.Name)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Alias not found: %s:%s", s.functionARN(account, ref.Name), in.Name)
		}
		if err != nil {
			return err
		}
		if in.RevisionID != "" && in.RevisionID != a.RevisionID {
			return staleRevision()
		}
		setStr(&a.Version, in.Version)
		setStr(&a.Description, in.Description)
		if in.Weights != nil {
			a.Weights = in.Weights
		}
		a.RevisionID = rev
		num, err := s.checkAlias(ctx, tx, account, ref.Name, a)
		if err != nil {
			return err
		}
		return s.putAlias(ctx, tx, account, ref.Name, a, num, false)
	})
	if err != nil {
		return nil, fmt.Errorf("update alias: %w", err)
	}
	return a, nil
}

// ListAliases lists a function's aliases by name, only those routing to
// version when it is set.
func (s *Service) ListAliases(ctx context.Context, account, nameOrARN, version string, p Page) ([]*Alias, string, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, "", err
	}
	after := ""
	if p.Marker != "" {
		if after, err = decodeMarker(p.Marker); err != nil {
			return nil, "", err
		}
	}
	limit := p.limit()
	var out []*Alias
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT alias FROM lambda_aliases WHERE account = ? AND name = ? AND alias > ? ORDER BY alias`, account, ref.Name, after)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			names = append(names, n)
		}
		rows.Close()
		for _, n := range names {
			a, err := s.getAlias(ctx, tx, account, ref.Name, n)
			if err != nil {
				return err
			}
			if _, weighted := a.Weights[version]; version != "" && a.Version != version && !weighted {
				continue
			}
			out = append(out, a)
			if int64(len(out)) > limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list aliases: %w", err)
	}
	if int64(len(out)) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, encodeMarker(out[len(out)-1].Name), nil
}

// DeleteAlias deletes an alias; deleting one that does not exist is not an error, as on AWS.
func (s *Service) DeleteAlias(ctx context.Context, account, nameOrARN, alias string) error {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return err
	}
	err = s.updateFunction(ctx, account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM lambda_aliases WHERE account = ? AND name = ? AND alias = ?`, account, ref.Name, alias)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete alias: %w", err)
	}
	return nil
}
