package ssm

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// AddTagsToParameter adds tags to a parameter, replacing the values of keys
// it has. Returns InvalidResourceId for an unknown parameter and
// TooManyTagsError past 50 tags.
func (s *Service) AddTagsToParameter(ctx context.Context, account, region, name string, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.changeTags(ctx, account, region, name, func(have map[string]string) {
		maps.Copy(have, tags)
	})
}

// RemoveTagsFromParameter removes the tags with keys from a parameter; keys
// it does not have are ignored. Returns InvalidResourceId.
func (s *Service) RemoveTagsFromParameter(ctx context.Context, account, region, name string, keys []string) error {
	return s.changeTags(ctx, account, region, name, func(have map[string]string) {
		for _, k := range keys {
			delete(have, k)
		}
	})
}

// ListTagsForParameter returns the tags of a parameter. Returns
// InvalidResourceId.
func (s *Service) ListTagsForParameter(ctx context.Context, account, region, name string) (map[string]string, error) {
	var tags map[string]string
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		tags, _, err = loadTags(ctx, tx, account, region, name)
		return err
	})
	return tags, err
}

func (s *Service) changeTags(ctx context.Context, account, region, name string, change func(map[string]string)) error {
	return s.update(ctx, func(tx *store.Tx) error {
		tags, resolved, err := loadTags(ctx, tx, account, region, name)
		if err != nil {
			return err
		}
		change(tags)
		if len(tags) > maxTags {
			return newErr(CodeTooManyTags, "The Tags parameter of %s has too many items: a resource can have at most %d tags.", name, maxTags)
		}
		_, err = tx.Exec(ctx, `UPDATE ssm_parameters SET tags = ? WHERE account = ? AND region = ? AND name = ?`, encodeJSON(tags), account, region, resolved)
		return err
	})
}

// loadTags returns the tags and the name of the parameter id names (a
// name or ARN).
func loadTags(ctx context.Context, tx *store.Tx, account, region, id string) (map[string]string, string, error) {
	invalid := newErr(CodeInvalidResourceID, "The resource ID %q is not valid. Verify the ID and try again.", id)
	r, err := parseRef(region, account, id)
	if err != nil || r.selector != "" {
		return nil, "", invalid
	}
	if err := r.resolve(ctx, tx); err != nil {
		return nil, "", err
	}
	var raw string
	err = tx.QueryRow(ctx, `SELECT tags FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?`, account, region, r.name).Scan(&raw)
	if isNotFound(err) {
		return nil, "", invalid
	}
	if err != nil {
		return nil, "", err
	}
	tags := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &tags); err != nil {
		return nil, "", fmt.Errorf("decode tags of %s: %w", r.name, err)
	}
	return tags, r.name, nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return newErr(CodeTooManyTags, "The Tags parameter has too many items: a resource can have at most %d tags.", maxTags)
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return validation("Tag keys must be 1 to 128 characters and tag values at most 256 characters.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return validation("Tag keys can't start with the reserved prefix aws:.")
		}
	}
	return nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func isNotFound(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || store.IsNotFound(err) || awserr.Is(err, CodeNotFound)
}

func isAWS(err error, code string) bool { return awserr.Is(err, code) }
