package lambda

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// lookupLayers resolves a function's layer version ARNs, in order. Another
// account's layer version is usable when its policy allows the account
// (AccessDeniedException otherwise, as AWS answers).
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
			if strings.Split(a, ":")[3] != s.region {
				// Layers live in one region; another region's ARN names nothing here.
				return invalidParameter("Layer version %s does not exist.", a)
			}
			if seen[acct+"/"+name] {
				return invalidParameter("Two different versions of the same layer are not allowed to be referenced in the same function. %s", a)
			}
			seen[acct+"/"+name] = true
			if acct != account {
				// Another account's layer version needs its policy's permission.
				if err := s.checkLayerAccess(ctx, tx, account, a, acct, name, ver); err != nil {
					return err
				}
			}
			lv, err := s.getLayerVersion(ctx, tx, acct, name, ver)
			if errors.Is(err, sql.ErrNoRows) {
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
	err = s.update(ctx, func(tx *store.Tx) error {
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
	return s.layerVersion(ctx, acct, n, version)
}

// GetLayerVersionByARN returns the layer version a layer version ARN names.
// Returns InvalidParameterValueException if arn is not a layer version ARN and
// ResourceNotFoundException if it names no layer version of this region.
func (s *Service) GetLayerVersionByARN(ctx context.Context, account, arn string) (*LayerVersion, error) {
	acct, n, v, err := s.parseLayerVersionARN(arn)
	if err != nil {
		return nil, err
	}
	if arn != s.layerARN(acct, n)+":"+strconv.FormatInt(v, 10) {
		// Another region's or partition's layer (or "01" for 1): the caller was
		// authorized on that ARN, not on this region's layer of the same name.
		return nil, notFound("The resource you requested does not exist.")
	}
	return s.layerVersion(ctx, acct, n, v)
}

// layerVersion reads a layer version of account for a caller of any account:
// the router has authorized the caller on its ARN, which across accounts
// needs the layer version's policy to allow it.
func (s *Service) layerVersion(ctx context.Context, account, name string, version int64) (*LayerVersion, error) {
	var lv *LayerVersion
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		lv, err = s.getLayerVersion(ctx, tx, account, name, version)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("The resource you requested does not exist.")
		}
		return err
	})
	return lv, err
}

// LayerFilter narrows ListLayers and ListLayerVersions to the versions that
// list a runtime or an architecture as compatible. Empty fields match every
// version.
type LayerFilter struct {
	Runtime      string
	Architecture string
}

func (f LayerFilter) matches(lv *LayerVersion) bool {
	return (f.Runtime == "" || slices.Contains(lv.CompatibleRuntimes, f.Runtime)) &&
		(f.Architecture == "" || slices.Contains(lv.CompatibleArchitectures, f.Architecture))
}

// ListLayerVersions lists the versions of a layer that match f, newest first.
// A layer that does not exist (or is another account's) has none.
func (s *Service) ListLayerVersions(ctx context.Context, account, name string, f LayerFilter, p Page) ([]*LayerVersion, string, error) {
	acct, n, err := s.parseLayerName(account, name)
	if err != nil {
		return nil, "", err
	}
	if acct != account {
		return nil, "", nil
	}
	before := int64(math.MaxInt64)
	if p.Marker != "" {
		m, err := decodeMarker(p.Marker)
		if err != nil {
			return nil, "", err
		}
		if before, err = strconv.ParseInt(m, 10, 64); err != nil {
			return nil, "", invalidParameter("Invalid marker: %s", p.Marker)
		}
	}
	limit := p.limit()
	var out []*LayerVersion
	err = s.scanLayers(ctx, account, `SELECT name, config, code_digest FROM lambda_layer_versions
		WHERE account = ? AND name = ? AND version < ? ORDER BY version DESC`, []any{account, n, before},
		func(_ string, lv *LayerVersion) bool {
			if f.matches(lv) {
				out = append(out, lv)
			}
			return int64(len(out)) <= limit
		})
	if err != nil || int64(len(out)) <= limit {
		return out, "", err
	}
	out = out[:limit]
	return out, encodeMarker(strconv.FormatInt(out[limit-1].Version, 10)), nil
}

// ListLayers lists the account's layers by name, each with its latest version
// that matches f; layers with no matching version are left out.
func (s *Service) ListLayers(ctx context.Context, account string, f LayerFilter, p Page) ([]*LayerVersion, string, error) {
	after := ""
	if p.Marker != "" {
		var err error
		if after, err = decodeMarker(p.Marker); err != nil {
			return nil, "", err
		}
	}
	limit := p.limit()
	var out []*LayerVersion
	var names []string
	err := s.scanLayers(ctx, account, `SELECT name, config, code_digest FROM lambda_layer_versions
		WHERE account = ? AND name > ? ORDER BY name, version DESC`, []any{account, after},
		func(name string, lv *LayerVersion) bool {
			if (len(names) == 0 || names[len(names)-1] != name) && f.matches(lv) {
				out, names = append(out, lv), append(names, name)
			}
			return int64(len(out)) <= limit
		})
	if err != nil || int64(len(out)) <= limit {
		return out, "", err
	}
	return out[:limit], encodeMarker(names[limit-1]), nil
}

// scanLayers runs query and hands each layer version to yield, in order, until
// yield returns false.
func (s *Service) scanLayers(ctx context.Context, account, query string, args []any, yield func(name string, lv *LayerVersion) bool) error {
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, cfg, digest string
			if err := rows.Scan(&name, &cfg, &digest); err != nil {
				return err
			}
			lv, err := s.decodeLayer(account, cfg, digest)
			if err != nil {
				return err
			}
			if !yield(name, lv) {
				return nil
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	return nil
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
	err = s.update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM lambda_layer_versions WHERE account = ? AND name = ? AND version = ?`, account, n, version)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete layer version: %w", err)
	}
	return nil
}
