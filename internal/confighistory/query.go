package confighistory

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Page sizes, as AWS Config has them.
const (
	DefaultHistoryLimit  = 10
	DefaultResourceLimit = 100
	MaxLimit             = 100
	// MaxBatchKeys is how many keys one Latest call may name.
	MaxBatchKeys = 100
	// maxResourceIDs bounds the resourceIds filter of Resources.
	maxResourceIDs = 1000
)

// HistoryQuery asks for the items of one resource.
type HistoryQuery struct {
	Account, Region, ResourceType, ResourceID string
	// Earlier and Later bound the items' CaptureTime, both inclusive. A zero
	// Earlier means from the first item on, a zero Later means until now.
	Earlier, Later time.Time
	// Forward lists the oldest item first; the default is newest first
	// (AWS's chronologicalOrder Reverse).
	Forward bool
	// Limit is the page size, 0 to 100; 0 means DefaultHistoryLimit.
	Limit int
	// NextToken continues from a previous page of the same query.
	NextToken string
}

// History returns one page of the items of a resource and the token of the
// next page ("" after the last).
//
// Returns ResourceNotDiscoveredException if the resource has no items in
// the account and region, InvalidTimeRangeException if Earlier is after
// Later, InvalidLimitException for a Limit outside 0 to 100 and
// InvalidNextTokenException for a token that is not one of this query's.
func (r *Recorder) History(ctx context.Context, q HistoryQuery) ([]Item, string, error) {
	limit, err := pageSize(q.Limit, DefaultHistoryLimit)
	if err != nil {
		return nil, "", err
	}
	later := q.Later
	if later.IsZero() {
		later = r.now()
	}
	if !q.Earlier.IsZero() && q.Earlier.After(later) {
		return nil, "", errTimeRange()
	}
	order := "Reverse"
	if q.Forward {
		order = "Forward"
	}
	digest := queryDigest("history", q.Account, q.Region, q.ResourceType, q.ResourceID, order)
	var after int64
	if q.NextToken != "" {
		pos, err := parseToken(q.NextToken, digest)
		if err != nil {
			return nil, "", err
		}
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil {
			return nil, "", errNextToken()
		}
	}

	cmp, dir := "<", "DESC"
	if q.Forward {
		cmp, dir = ">", "ASC"
	}
	if q.NextToken == "" {
		after = maxInt64
		if q.Forward {
			after = -1
		}
	}
	var items []Item
	err = r.st.View(ctx, func(tx *store.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM confighistory_resources
			WHERE account = ? AND region = ? AND resource_type = ? AND resource_id = ?`,
			q.Account, q.Region, q.ResourceType, q.ResourceID).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return errNotDiscovered(q.ResourceType, q.ResourceID)
		}
		rows, err := tx.Query(ctx, `SELECT `+itemColumns+` FROM confighistory_items
			WHERE account = ? AND region = ? AND resource_type = ? AND resource_id = ?
			AND capture_ms >= ? AND capture_ms <= ? AND state_id `+cmp+` ?
			ORDER BY state_id `+dir+` LIMIT ?`,
			q.Account, q.Region, q.ResourceType, q.ResourceID, millis(q.Earlier), later.UnixMilli(), after, limit+1)
		if err != nil {
			return err
		}
		items, err = scanItems(rows)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("get resource config history: %w", err)
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = makeToken(digest, items[limit-1].StateID)
	}
	return items, next, nil
}

// ResourceQuery asks for the resources of one type.
type ResourceQuery struct {
	Account, Region, ResourceType string
	// IDs and Name, when given, keep only the resources with one of these
	// ids or with this name; they cannot both be given.
	IDs  []string
	Name string
	// IncludeDeleted lists resources whose latest item says they were
	// deleted, too.
	IncludeDeleted bool
	// Limit is the page size, 0 to 100; 0 means DefaultResourceLimit.
	Limit     int
	NextToken string
}

// Resources returns one page of the resources of a type that have items,
// ordered by id, and the token of the next page ("" after the last).
//
// Returns ValidationException if both IDs and Name are given,
// InvalidLimitException for a Limit outside 0 to 100 and
// InvalidNextTokenException for a token that is not one of this query's.
func (r *Recorder) Resources(ctx context.Context, q ResourceQuery) ([]Resource, string, error) {
	limit, err := pageSize(q.Limit, DefaultResourceLimit)
	if err != nil {
		return nil, "", err
	}
	if len(q.IDs) > 0 && q.Name != "" {
		return nil, "", errValidation("You cannot specify both resource IDs and a resource name.")
	}
	if len(q.IDs) > maxResourceIDs {
		return nil, "", errValidation("You can specify at most %d resource IDs.", maxResourceIDs)
	}
	ids := append([]string(nil), q.IDs...)
	sort.Strings(ids)
	digest := queryDigest("resources", q.Account, q.Region, q.ResourceType, q.Name,
		strconv.FormatBool(q.IncludeDeleted), strings.Join(ids, "\x00"))
	after := ""
	if q.NextToken != "" {
		if after, err = parseToken(q.NextToken, digest); err != nil {
			return nil, "", err
		}
	}

	query := `SELECT resource_id, resource_name, deleted_ms FROM confighistory_resources
		WHERE account = ? AND region = ? AND resource_type = ? AND resource_id > ?`
	args := []any{q.Account, q.Region, q.ResourceType, after}
	if !q.IncludeDeleted {
		query += ` AND deleted_ms = 0`
	}
	if q.Name != "" {
		query += ` AND resource_name = ?`
		args = append(args, q.Name)
	}
	if len(ids) > 0 {
		query += ` AND resource_id IN (?` + strings.Repeat(`, ?`, len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	query += ` ORDER BY resource_id LIMIT ?`
	args = append(args, limit+1)

	var out []Resource
	err = r.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			res := Resource{Type: q.ResourceType}
			var deletedMS int64
			if err := rows.Scan(&res.ID, &res.Name, &deletedMS); err != nil {
				return err
			}
			res.Deleted = fromMillis(deletedMS)
			out = append(out, res)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list discovered resources: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = makeToken(digest, out[limit-1].ID)
	}
	return out, next, nil
}

// Latest returns the latest item of each resource keys names, in the order
// of keys, leaving out resources that have no items or whose latest item
// says they were deleted (as BatchGetResourceConfig does). A key named twice
// is answered once.
//
// Returns ValidationException for no keys or more than MaxBatchKeys.
func (r *Recorder) Latest(ctx context.Context, account, region string, keys []ResourceKey) ([]Item, error) {
	if len(keys) == 0 || len(keys) > MaxBatchKeys {
		return nil, errValidation("The number of resource keys must be between 1 and %d.", MaxBatchKeys)
	}
	var items []Item
	err := r.st.View(ctx, func(tx *store.Tx) error {
		seen := make(map[ResourceKey]bool, len(keys))
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			rows, err := tx.Query(ctx, `SELECT `+prefixed("i.", itemColumns)+`
				FROM confighistory_resources r JOIN confighistory_items i
				ON i.account = r.account AND i.region = r.region AND i.resource_type = r.resource_type
				AND i.resource_id = r.resource_id AND i.state_id = r.last_state_id
				WHERE r.account = ? AND r.region = ? AND r.resource_type = ? AND r.resource_id = ? AND r.deleted_ms = 0`,
				account, region, k.Type, k.ID)
			if err != nil {
				return err
			}
			got, err := scanItems(rows)
			if err != nil {
				return err
			}
			items = append(items, got...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("batch get resource config: %w", err)
	}
	return items, nil
}

// itemColumns are the columns scanItems reads, in its order.
const itemColumns = `account, region, resource_type, resource_id, state_id, capture_ms, status,
	resource_name, arn, configuration, supplementary, tags, related_events, creation_ms`

// prefixed qualifies each of the comma-separated columns with p.
func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// scanItems reads and closes rows of itemColumns.
func scanItems(rows *sql.Rows) ([]Item, error) {
	defer rows.Close()
	var items []Item
	for rows.Next() {
		var (
			it                             Item
			stateID, captureMS, creationMS int64
			supp, tags, events             string
		)
		err := rows.Scan(&it.Account, &it.Region, &it.ResourceType, &it.ResourceID, &stateID, &captureMS, &it.Status,
			&it.ResourceName, &it.ARN, &it.Configuration, &supp, &tags, &events, &creationMS)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(supp), &it.SupplementaryConfiguration); err != nil {
			return nil, fmt.Errorf("item %s %s: supplementary configuration: %w", it.ResourceType, it.ResourceID, err)
		}
		if err := json.Unmarshal([]byte(tags), &it.Tags); err != nil {
			return nil, fmt.Errorf("item %s %s: tags: %w", it.ResourceType, it.ResourceID, err)
		}
		if err := json.Unmarshal([]byte(events), &it.RelatedEvents); err != nil {
			return nil, fmt.Errorf("item %s %s: related events: %w", it.ResourceType, it.ResourceID, err)
		}
		it.StateID = strconv.FormatInt(stateID, 10)
		it.CaptureTime = fromMillis(captureMS)
		it.ResourceCreationTime = fromMillis(creationMS)
		it.Version = ItemVersion
		items = append(items, it)
	}
	return items, rows.Err()
}

const maxInt64 = int64(^uint64(0) >> 1)

func pageSize(limit, def int) (int, error) {
	if limit < 0 || limit > MaxLimit {
		return 0, errLimit(limit, MaxLimit)
	}
	if limit == 0 {
		return def, nil
	}
	return limit, nil
}

// queryDigest identifies a query (without its page position or time range)
// so that a token is only accepted by the query that made it.
func queryDigest(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// makeToken returns the opaque token of the page after pos.
func makeToken(digest, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1." + digest + "." + pos))
}

// parseToken returns the position a token of the query with digest holds.
func parseToken(token, digest string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", errNextToken()
	}
	parts := strings.SplitN(string(raw), ".", 3)
	if len(parts) != 3 || parts[0] != "1" || parts[1] != digest {
		return "", errNextToken()
	}
	return parts[2], nil
}
