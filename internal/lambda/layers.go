package lambda

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// lookupLayers resolves a function's layer version ARNs, in order. Only the
// account's own layers are usable (layer permissions are not implemented).
func (s *Service) lookupLayers(ctx context.Context, account string, arns []string) ([]LayerRef, error) {
	if len(arns) > maxLayers {
		return nil, invalidParameter("Cannot reference more than %d layers.", maxLayers)
	}
	out := make([]LayerRef, 0, len(arns))
	err := s.st.View(ctx, func(tx *store.Tx) error {
		seen := map[string]bool{}
		for _, a := range arns {
			acct, name, ver, err := s.parseLayerVersionARN(a)
			if err != nil {
				return err
			}
			if seen[acct+"/"+name] {
				return invalidParameter("Two different versions of the same layer are not allowed to be referenced in the same function. %s", a)
			}
			seen[acct+"/"+name] = true
			lv, err := s.getLayerVersion(ctx, tx, acct, name, ver)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && acct != account) {
				return invalidParameter("Layer version %s does not exist.", a)
			}
			if err != nil {
				return err
			}
			out = append(out, LayerRef{ARN: lv.LayerVersionARN, CodeSize: lv.CodeSize, Unzipped: lv.Unzipped, Digest: lv.Digest})
		}
		return nil
	})
	return out, err
}

func (s *Service) getLayerVersion(ctx context.Context, tx *store.Tx, account, name string, version int64) (*LayerVersion, error) {
	var cfg, digest string
	err := tx.QueryRow(ctx, `SELECT config, code_digest FROM lambda_layer_versions WHERE account = ? AND name = ? AND version = ?`,
		account, name, version).Scan(&cfg, &digest)
	if err != nil {
		return nil, err
	}
	return s.decodeLayer(account, cfg, digest)
}

func (s *Service) decodeLayer(account, cfg, digest string) (*LayerVersion, error) {
	lv := &LayerVersion{}
	if err := json.Unmarshal([]byte(cfg), lv); err != nil {
		return nil, fmt.Errorf("decode layer version: %w", err)
	}
	var err error
	if lv.Digest, err = blob.ParseDigest(digest); err != nil {
		return nil, err
	}
	if s.location != nil {
		lv.Location = s.location(account, lv.Digest)
	}
	return lv, nil
}

// PublishLayerVersion validates and stores a layer zip as the layer's next version.
func (s *Service) PublishLayerVersion(ctx context.Context, account string, in LayerInput) (*LayerVersion, error) {
	if !layerNameRE.MatchString(in.Name) {
		return nil, invalidParameter("Invalid layer name: %s", in.Name)
	}
	for _, r := range in.CompatibleRuntimes {
		if !runtimes[r] {
			return nil, invalidParameter("Runtime %s is not supported by Stratus.", r)
		}
	}
	for _, a := range in.CompatibleArchitectures {
		if a != ArchitectureX86 {
			return nil, invalidParameter("Stratus supports only the x86_64 architecture.")
		}
	}
	if len(in.ZipFile) == 0 {
		return nil, invalidParameter("Please provide a source for layer content.")
	}
	info, err := ValidateZip(ctx, in.ZipFile)
	if err != nil {
		return nil, err
	}
	d, size, err := s.blobs.Put(ctx, bytes.NewReader(in.ZipFile))
	if err != nil {
		return nil, fmt.Errorf("store layer: %w", err)
	}
	lv := &LayerVersion{
		LayerARN: s.layerARN(account, in.Name), Description: in.Description, Created: s.now().UTC(),
		CompatibleRuntimes: in.CompatibleRuntimes, CompatibleArchitectures: in.CompatibleArchitectures,
		LicenseInfo: in.LicenseInfo, CodeSha256: d.Base64(), CodeSize: size, Unzipped: info.Unzipped, Digest: d,
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO lambda_layer_names (account, name, next_version) VALUES (?, ?, 1) ON CONFLICT (account, name) DO NOTHING`, account, in.Name)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT next_version FROM lambda_layer_names WHERE account = ? AND name = ?`, account, in.Name).Scan(&lv.Version); err != nil {
			return err
		}
		lv.LayerVersionARN = lv.LayerARN + ":" + strconv.FormatInt(lv.Version, 10)
		cfg, err := json.Marshal(lv)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO lambda_layer_versions (account, name, version, config, code_digest, code_size, unzipped) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			account, in.Name, lv.Version, string(cfg), d.String(), size, info.Unzipped); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE lambda_layer_names SET next_version = ? WHERE account = ? AND name = ?`, lv.Version+1, account, in.Name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publish layer version: %w", err)
	}
	if s.location != nil {
		lv.Location = s.location(account, d)
	}
	return lv, nil
}

// GetLayerVersion returns a layer version (name may be a layer ARN). Returns
// ResourceNotFoundException if it does not exist.
func (s *Service) GetLayerVersion(ctx context.Context, account, name string, version int64) (*LayerVersion, error) {
	acct, n, err := s.parseLayerName(account, name)
	if err != nil {
		return nil, err
	}
	return s.layerVersion(ctx, account, acct, n, version)
}

// GetLayerVersionByARN returns the layer version a layer version ARN names.
func (s *Service) GetLayerVersionByARN(ctx context.Context, account, arn string) (*LayerVersion, error) {
	acct, n, v, err := s.parseLayerVersionARN(arn)
	if err != nil {
		return nil, err
	}
	return s.layerVersion(ctx, account, acct, n, v)
}

func (s *Service) layerVersion(ctx context.Context, caller, account, name string, version int64) (*LayerVersion, error) {
	var lv *LayerVersion
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		lv, err = s.getLayerVersion(ctx, tx, account, name, version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && account != caller) {
			return notFound("The resource you requested does not exist.")
		}
		return err
	})
	return lv, err
}

// ListLayerVersions lists a layer's versions, newest first.
func (s *Service) ListLayerVersions(ctx context.Context, account, name string, p Page) ([]*LayerVersion, string, error) {
	acct, n, err := s.parseLayerName(account, name)
	if err != nil {
		return nil, "", err
	}
	if acct != account {
		return nil, "", nil
	}
	return s.listLayers(ctx, account, `SELECT config, code_digest FROM lambda_layer_versions WHERE account = ? AND name = ? AND version < ? ORDER BY version DESC LIMIT ?`, n, p, true)
}

// ListLayers lists the account's layers by name, each with its latest version.
func (s *Service) ListLayers(ctx context.Context, account string, p Page) ([]*LayerVersion, string, error) {
	return s.listLayers(ctx, account, `SELECT v.config, v.code_digest FROM lambda_layer_versions v
		WHERE v.account = ? AND v.name > ? AND v.version = (SELECT MAX(version) FROM lambda_layer_versions w WHERE w.account = v.account AND w.name = v.name)
		ORDER BY v.name LIMIT ?`, "", p, false)
}

func (s *Service) listLayers(ctx context.Context, account, query, name string, p Page, versions bool) ([]*LayerVersion, string, error) {
	limit := p.limit()
	after := ""
	if p.Marker != "" {
		var err error
		if after, err = decodeMarker(p.Marker); err != nil {
			return nil, "", err
		}
	}
	args := []any{account, after, limit + 1}
	if versions {
		before := int64(1 << 62)
		if after != "" {
			before, _ = strconv.ParseInt(after, 10, 64)
		}
		args = []any{account, name, before, limit + 1}
	}
	var out []*LayerVersion
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cfg, digest string
			if err := rows.Scan(&cfg, &digest); err != nil {
				return err
			}
			lv, err := s.decodeLayer(account, cfg, digest)
			if err != nil {
				return err
			}
			out = append(out, lv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list layers: %w", err)
	}
	if int64(len(out)) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[len(out)-1]
	if versions {
		return out, encodeMarker(strconv.FormatInt(last.Version, 10)), nil
	}
	_, lname, _ := s.parseLayerName(account, last.LayerARN)
	return out, encodeMarker(lname), nil
}

// DeleteLayerVersion deletes a layer version; functions using it keep it.
// Deleting one that does not exist is not an error, as on AWS.
func (s *Service) DeleteLayerVersion(ctx context.Context, account, name string, version int64) error {
	acct, n, err := s.parseLayerName(account, name)
	if err != nil {
		return err
	}
	if acct != account {
		return notFound("The resource you requested does not exist.")
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM lambda_layer_versions WHERE account = ? AND name = ? AND version = ?`, account, n, version)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete layer version: %w", err)
	}
	return nil
}
