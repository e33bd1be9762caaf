package secrets

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Filter keys ListSecrets supports, as AWS spells them.
const (
	FilterName        = "name"
	FilterDescription = "description"
	FilterTagKey      = "tag-key"
	FilterTagValue    = "tag-value"
	FilterAll         = "all"
)

const (
	defaultListMax = 100
	maxListMax     = 100
)

// Filter is one ListSecrets filter: a secret matches when the field Key
// names starts with one of Values (case-sensitive); a value starting with
// "!" matches when the field does not start with the rest.
type Filter struct {
	Key    string
	Values []string
}

// ListInput is the input of ListSecrets.
type ListInput struct {
	Max            int
	NextToken      string
	Filters        []Filter
	IncludeDeleted bool
}

// ListSecrets returns the secrets of an account and region by name, at most
// in.Max (1 to 100; 0 means 100), and the token of the next page ("" at the
// end). Secrets scheduled for deletion are listed only with
// in.IncludeDeleted. Returns InvalidParameterException for an unknown filter
// key and InvalidNextTokenException for a token it did not issue.
func (s *Service) ListSecrets(ctx context.Context, account, region string, in ListInput) ([]*Secret, string, error) {
	if in.Max < 0 || in.Max > maxListMax {
		return nil, "", invalidParam("MaxResults must be between 1 and %d.", maxListMax)
	}
	if in.Max == 0 {
		in.Max = defaultListMax
	}
	for _, f := range in.Filters {
		switch f.Key {
		case FilterName, FilterDescription, FilterTagKey, FilterTagValue, FilterAll:
		default:
			return nil, "", invalidParam("Invalid filter key: %s", f.Key)
		}
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, "", newErr(CodeInvalidNextToken, "The NextToken value is invalid.")
		}
		after = string(b)
	}
	now := s.now()
	var out []*Secret
	next := ""
	err := s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, secretCols+` WHERE account = ? AND region = ? AND name > ? ORDER BY name`, account, region, after)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sec, err := scanSecret(rows)
			if err != nil {
				return err
			}
			if sec.gone(now) || (!sec.Deleted.IsZero() && !in.IncludeDeleted) || !matchesAll(sec, in.Filters) {
				continue
			}
			if len(out) == in.Max {
				next = base64.RawURLEncoding.EncodeToString([]byte(out[len(out)-1].Name))
				break
			}
			out = append(out, sec)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, sec := range out {
			if sec.Versions, err = loadVersions(ctx, tx, sec.ARN); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

func matchesAll(sec *Secret, filters []Filter) bool {
	for _, f := range filters {
		if !matches(sec, f) {
			return false
		}
	}
	return true
}

// matches reports whether a field f.Key names matches one of f.Values.
func matches(sec *Secret, f Filter) bool {
	var fields []string
	switch f.Key {
	case FilterName:
		fields = []string{sec.Name}
	case FilterDescription:
		fields = []string{sec.Description}
	case FilterTagKey, FilterTagValue, FilterAll:
		if f.Key == FilterAll {
			fields = append(fields, sec.Name, sec.Description)
		}
		for k, v := range sec.Tags {
			if f.Key != FilterTagValue {
				fields = append(fields, k)
			}
			if f.Key != FilterTagKey {
				fields = append(fields, v)
			}
		}
	}
	for _, want := range f.Values {
		neg := strings.HasPrefix(want, "!")
		prefix := strings.TrimPrefix(want, "!")
		hit := false
		for _, field := range fields {
			if strings.HasPrefix(field, prefix) {
				hit = true
				break
			}
		}
		if hit != neg {
			return true
		}
	}
	return false
}
