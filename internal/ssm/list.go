package ssm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Filter keys and options, as AWS spells them. A key "tag:K" filters on the
// tag K.
const (
	FilterName     = "Name"
	FilterType     = "Type"
	FilterKeyID    = "KeyId"
	FilterPath     = "Path"
	FilterLabel    = "Label"
	FilterTier     = "Tier"
	FilterDataType = "DataType"
	filterTag      = "tag:"

	OptionEquals     = "Equals"
	OptionBeginsWith = "BeginsWith"
	OptionContains   = "Contains"
	OptionOneLevel   = "OneLevel"
	OptionRecursive  = "Recursive"
)

// Filter is one ParameterStringFilter: a parameter matches when the field
// Key names matches one of Values as Option says ("" is Equals, OneLevel
// for Path). A tag filter without values matches parameters with the tag.
type Filter struct {
	Key, Option string
	Values      []string
}

// PathInput is the input of GetParametersByPath.
type PathInput struct {
	Path      string
	Recursive bool
	// Filters may use Type, KeyId and Label.
	Filters   []Filter
	Decrypt   bool
	Max       int
	NextToken string
}

// GetParametersByPath returns, by name, the parameters directly below
// in.Path (at any depth with in.Recursive) that match every filter, at most
// in.Max (1 to 10; 0 means 10), with their values, and the token of the
// next page ("" at the end). With a Label filter each parameter is answered
// at the version with the label, and parameters without it are left out.
// Returns ValidationException for a bad path, InvalidFilterKey,
// InvalidFilterOption, InvalidFilterValue and InvalidNextToken.
func (s *Service) GetParametersByPath(ctx context.Context, account, region string, in PathInput) ([]*Parameter, string, error) {
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, "", err
	}
	if err := checkFilters(in.Filters, []string{FilterType, FilterKeyID, FilterLabel}); err != nil {
		return nil, "", err
	}
	var labels []string
	var rest []Filter
	for _, f := range in.Filters {
		if f.Key == FilterLabel {
			labels = append(labels, f.Values...)
		} else {
			rest = append(rest, f)
		}
	}
	keep := func(p *Parameter, _ map[string]string) bool {
		if !underPath(p.Name, path, in.Recursive) {
			return false
		}
		if labels != nil && !slices.ContainsFunc(p.Labels, func(l string) bool { return slices.Contains(labels, l) }) {
			return false
		}
		return matchesAll(p, nil, rest)
	}
	out, blobs, next, err := s.scan(ctx, account, region, path, in.Max, 10, in.NextToken, labels != nil, keep)
	if err != nil {
		return nil, "", err
	}
	for i, p := range out {
		if err := s.fillValue(ctx, account, region, p, blobs[i], in.Decrypt); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// DescribeInput is the input of DescribeParameters: Filters are the
// ParameterFilters (keys Name, Type, KeyId, Path, Tier, DataType and tag:K),
// Legacy the older Filters (keys Name, Type and KeyId; Name matches
// prefixes). The two cannot be used together.
type DescribeInput struct {
	Filters   []Filter
	Legacy    []Filter
	Max       int
	NextToken string
}

// DescribeParameters returns the latest versions of the parameters that
// match every filter, by name, without values, at most in.Max (1 to 50; 0
// means 50), and the token of the next page. Returns ValidationException,
// InvalidFilterKey, InvalidFilterOption, InvalidFilterValue and
// InvalidNextToken.
func (s *Service) DescribeParameters(ctx context.Context, account, region string, in DescribeInput) ([]*Parameter, string, error) {
	filters := in.Filters
	if len(in.Legacy) > 0 {
		if len(filters) > 0 {
			return nil, "", validation("You can use either Filters or ParameterFilters in a single request.")
		}
		for _, f := range in.Legacy {
			switch f.Key {
			case FilterName:
				filters = append(filters, Filter{Key: f.Key, Option: OptionBeginsWith, Values: f.Values})
			case FilterType, FilterKeyID:
				filters = append(filters, Filter{Key: f.Key, Option: OptionEquals, Values: f.Values})
			default:
				return nil, "", newErr(CodeInvalidFilterKey, "The following filter key is not valid: %s. Valid filter keys include: [Name, Type, KeyId].", f.Key)
			}
		}
	}
	if err := checkFilters(filters, []string{FilterName, FilterType, FilterKeyID, FilterPath, FilterTier, FilterDataType, filterTag}); err != nil {
		return nil, "", err
	}
	keep := func(p *Parameter, tags map[string]string) bool { return matchesAll(p, tags, filters) }
	out, _, next, err := s.scan(ctx, account, region, "", in.Max, 50, in.NextToken, false, keep)
	return out, next, err
}

// scan walks the parameters of an account and region by name after the
// token's (only those below path unless it is "") and returns up to max (def when 0) that keep accepts, with their
// stored values, and the next token. With allVersions keep sees every
// version of a parameter, newest first, and the first it accepts is taken;
// otherwise only the latest.
func (s *Service) scan(ctx context.Context, account, region, path string, max, def int, token string, allVersions bool,
	keep func(p *Parameter, tags map[string]string) bool) ([]*Parameter, [][]byte, string, error) {
	if max == 0 {
		max = def
	}
	if max < 1 || max > def {
		return nil, nil, "", validation("MaxResults must be between 1 and %d.", def)
	}
	after := ""
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return nil, nil, "", badToken()
		}
		after = string(b)
	}
	q := `SELECT p.tags, ` + strings.TrimPrefix(versionCols, "SELECT ") + ` WHERE p.account = ? AND p.region = ? AND p.name > ?`
	args := []any{account, region, after}
	if path != "" {
		// Names below path sort between path+"/" and path+"0" ('0' follows '/').
		q += ` AND p.name > ? AND p.name < ?`
		args = append(args, path+"/", path+"0")
	}
	if !allVersions {
		q += ` AND v.version = p.version`
	}
	q += ` ORDER BY p.name, v.version DESC`
	var out []*Parameter
	var blobs [][]byte
	next := ""
	err := s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		taken := ""
		for rows.Next() {
			var rawTags string
			var p *Parameter
			var blob []byte
			p, blob, err = scanVersion(rowWithTags{rows, &rawTags})
			if err != nil {
				return err
			}
			if p.Name == taken {
				continue
			}
			tags := map[string]string{}
			if err := json.Unmarshal([]byte(rawTags), &tags); err != nil {
				return fmt.Errorf("decode tags of %s: %w", p.ARN, err)
			}
			if !keep(p, tags) {
				continue
			}
			if len(out) == max {
				next = base64.RawURLEncoding.EncodeToString([]byte(out[len(out)-1].Name))
				break
			}
			taken = p.Name
			out, blobs = append(out, p), append(blobs, blob)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, "", err
	}
	return out, blobs, next, nil
}

// rowWithTags scans a row whose first column is the tags before the
// columns scanVersion reads.
type rowWithTags struct {
	row  scanner
	tags *string
}

func (r rowWithTags) Scan(dest ...any) error {
	return r.row.Scan(append([]any{r.tags}, dest...)...)
}

// checkFilters returns AWS's error for a filter list an operation that
// accepts the keys allowed must refuse.
func checkFilters(filters []Filter, allowed []string) error {
	seen := map[string]bool{}
	for _, f := range filters {
		key := f.Key
		if strings.HasPrefix(key, filterTag) && len(key) > len(filterTag) {
			key = filterTag
		}
		if !slices.Contains(allowed, key) {
			return newErr(CodeInvalidFilterKey, "The following filter key is not valid: %s. Valid filter keys include: [%s].", f.Key, strings.Join(allowed, ", "))
		}
		if seen[f.Key] {
			return validation("The following filter is duplicated in the request: %s. A request can contain only one occurrence of a specific filter.", f.Key)
		}
		seen[f.Key] = true
		options := []string{OptionEquals, OptionBeginsWith}
		switch key {
		case FilterName:
			options = append(options, OptionContains)
		case FilterPath:
			options = []string{OptionRecursive, OptionOneLevel}
		case FilterLabel:
			options = []string{OptionEquals}
		}
		if f.Option != "" && !slices.Contains(options, f.Option) {
			return newErr(CodeInvalidFilterOption, "The following filter option is not valid: %s. Valid options include: [%s].", f.Option, strings.Join(options, ", "))
		}
		if len(f.Values) == 0 && key != filterTag {
			return newErr(CodeInvalidFilterValue, "The following filter values are missing : null for filter key %s.", f.Key)
		}
		for _, v := range f.Values {
			var valid []string
			switch key {
			case FilterType:
				valid = []string{TypeString, TypeStringList, TypeSecureString}
			case FilterTier:
				valid = []string{TierStandard, TierAdvanced, TierIntelligentTiering}
			case FilterPath:
				if _, err := checkPath(v); err != nil {
					return newErr(CodeInvalidFilterValue, "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\": %s", v)
				}
			}
			if valid != nil && (f.Option == "" || f.Option == OptionEquals) && !slices.Contains(valid, v) {
				return newErr(CodeInvalidFilterValue, "The following filter value is not valid: %s. Valid values include: [%s].", v, strings.Join(valid, ", "))
			}
		}
	}
	return nil
}

func matchesAll(p *Parameter, tags map[string]string, filters []Filter) bool {
	for _, f := range filters {
		if !matches(p, tags, f) {
			return false
		}
	}
	return true
}

// matches reports whether p (with tags) matches f; f is valid.
func matches(p *Parameter, tags map[string]string, f Filter) bool {
	var field string
	switch {
	case f.Key == FilterName:
		field = p.Name
	case f.Key == FilterType:
		field = p.Type
	case f.Key == FilterKeyID:
		field = p.KeyID
	case f.Key == FilterTier:
		field = p.Tier
	case f.Key == FilterDataType:
		field = p.DataType
	case f.Key == FilterLabel:
		return slices.ContainsFunc(p.Labels, func(l string) bool { return slices.Contains(f.Values, l) })
	case f.Key == FilterPath:
		return slices.ContainsFunc(f.Values, func(v string) bool {
			path, _ := checkPath(v)
			return underPath(p.Name, path, f.Option == OptionRecursive)
		})
	case strings.HasPrefix(f.Key, filterTag):
		v, ok := tags[strings.TrimPrefix(f.Key, filterTag)]
		if !ok {
			return false
		}
		if len(f.Values) == 0 {
			return true
		}
		field = v
	}
	return slices.ContainsFunc(f.Values, func(want string) bool {
		switch f.Option {
		case OptionBeginsWith:
			return strings.HasPrefix(field, want)
		case OptionContains:
			return strings.Contains(field, want)
		default:
			return field == want
		}
	})
}
