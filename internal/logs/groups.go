package logs

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// LogGroup is a log group as DescribeLogGroups shows it.
type LogGroup struct {
	Account, Region, Name string
	Created               time.Time
	// RetentionDays is 0 when events are kept forever.
	RetentionDays int
	StoredBytes   int64
	Tags          map[string]string
}

// ARN is the group's ARN without the ":*" suffix (logGroupArn; what
// TagResource and friends are authorized against).
func (g *LogGroup) ARN() string { return GroupARN(g.Region, g.Account, g.Name) }

// GroupARN returns arn:aws:logs:REGION:ACCOUNT:log-group:NAME.
func GroupARN(region, account, name string) string {
	return "arn:aws:logs:" + region + ":" + account + ":log-group:" + name
}

// StreamARN returns arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM.
func StreamARN(region, account, group, stream string) string {
	return GroupARN(region, account, group) + ":log-stream:" + stream
}

// RetentionDays are the values PutRetentionPolicy accepts, as AWS lists them.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ValidRetention reports whether days is one of AWS's retention values.
func ValidRetention(days int) bool { return slices.Contains(retentionDays, days) }

// Name rules from the CloudWatch Logs model.
var groupNameRE = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]+$`)

const (
	maxNameLen = 512
	maxTags    = 50
)

func checkGroupName(name string) error {
	if name == "" || len(name) > maxNameLen || !groupNameRE.MatchString(name) {
		return invalidParameter("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", name)
	}
	return nil
}

func checkStreamName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > maxNameLen || strings.ContainsAny(name, ":*") {
		return invalidParameter("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", name)
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return invalidParameter("A log group can have at most %d tags.", maxTags)
	}
	for k := range tags {
		if k == "" || strings.HasPrefix(k, "aws:") {
			return invalidParameter("Tag key %q is not valid.", k)
		}
	}
	return nil
}

// CreateLogGroup creates a log group. Returns ResourceAlreadyExistsException
// if it exists and InvalidParameterException for a bad name or tags.
func (s *Service) CreateLogGroup(ctx context.Context, account, region, name string, tags map[string]string) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	now := s.now()
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		return insertGroup(ctx, tx, account, region, name, tags, now)
	})
	if store.IsUniqueViolation(err) {
		return groupExists()
	}
	return err
}

func insertGroup(ctx context.Context, tx *store.Tx, account, region, name string, tags map[string]string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO logs_groups (account, region, name, created_ms, retention_days, tags, stored_bytes, next_seq)
		VALUES (?, ?, ?, ?, 0, ?, 0, 1)`, account, region, name, now.UnixMilli(), encodeTags(tags))
	return err
}

// GroupQuery selects log groups for DescribeLogGroups.
type GroupQuery struct {
	// Prefix and Pattern (a case-sensitive substring) are mutually exclusive.
	Prefix, Pattern string
	// Token is the NextToken of the previous page.
	Token string
	// Limit is 1-50; 0 means 50.
	Limit int
}

const maxDescribeLimit = 50

// DescribeLogGroups returns the groups of account and region that q selects,
// by name, and the token of the next page ("" when this is the last).
// Returns InvalidParameterException when both Prefix and Pattern are given
// or the token is not one this method returned.
func (s *Service) DescribeLogGroups(ctx context.Context, account, region string, q GroupQuery) ([]LogGroup, string, error) {
	if q.Prefix != "" && q.Pattern != "" {
		return nil, "", invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit := q.Limit
	if limit <= 0 || limit > maxDescribeLimit {
		limit = maxDescribeLimit
	}
	after, err := decodeNameToken(q.Token)
	if err != nil {
		return nil, "", err
	}
	var groups []LogGroup
	err = s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, created_ms, retention_days, tags, stored_bytes FROM logs_groups
			WHERE account = ? AND region = ? AND name > ? AND SUBSTR(name, 1, ?) = ? ORDER BY name`,
			account, region, after, len(q.Prefix), q.Prefix)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(groups) <= limit {
			g := LogGroup{Account: account, Region: region}
			var created int64
			var tags string
			if err := rows.Scan(&g.Name, &created, &g.RetentionDays, &tags, &g.StoredBytes); err != nil {
				return err
			}
			if q.Pattern != "" && !strings.Contains(g.Name, q.Pattern) {
				continue
			}
			g.Created, g.Tags = fromMillis(created), decodeTags(tags)
			groups = append(groups, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(groups) <= limit {
		return groups, "", nil
	}
	groups = groups[:limit]
	return groups, encodeNameToken(groups[limit-1].Name), nil
}

// getGroup reads one group; ResourceNotFoundException if it does not exist.
func getGroup(ctx context.Context, tx *store.Tx, account, region, name string) (*LogGroup, int64, error) {
	g := LogGroup{Account: account, Region: region, Name: name}
	var created, nextSeq int64
	var tags string
	err := tx.QueryRow(ctx, `SELECT created_ms, retention_days, tags, stored_bytes, next_seq FROM logs_groups
		WHERE account = ? AND region = ? AND name = ?`, account, region, name).Scan(&created, &g.RetentionDays, &tags, &g.StoredBytes, &nextSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, groupNotFound()
	}
	if err != nil {
		return nil, 0, err
	}
	g.Created, g.Tags = fromMillis(created), decodeTags(tags)
	return &g, nextSeq, nil
}

// GetLogGroup returns one group. Returns ResourceNotFoundException if it
// does not exist.
func (s *Service) GetLogGroup(ctx context.Context, account, region, name string) (*LogGroup, error) {
	var g *LogGroup
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		g, _, err = getGroup(ctx, tx, account, region, name)
		return err
	})
	return g, err
}

// DeleteLogGroup deletes a group with its streams and events. Returns
// ResourceNotFoundException if it does not exist.
func (s *Service) DeleteLogGroup(ctx context.Context, account, region, name string) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		return execOne(ctx, tx, groupNotFound, `DELETE FROM logs_groups WHERE account = ? AND region = ? AND name = ?`, account, region, name)
	})
}

// PutRetentionPolicy sets how many days a group keeps events. Returns
// InvalidParameterException for a value AWS does not allow and
// ResourceNotFoundException for a missing group.
func (s *Service) PutRetentionPolicy(ctx context.Context, account, region, name string, days int) error {
	if !ValidRetention(days) {
		strs := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			strs[i] = strconv.Itoa(d)
		}
		return invalidParameter("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [%s]", days, strings.Join(strs, ", "))
	}
	return s.setRetention(ctx, account, region, name, days)
}

// DeleteRetentionPolicy makes a group keep events forever. Returns
// ResourceNotFoundException for a missing group.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, account, region, name string) error {
	return s.setRetention(ctx, account, region, name, 0)
}

func (s *Service) setRetention(ctx context.Context, account, region, name string, days int) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		return execOne(ctx, tx, groupNotFound, `UPDATE logs_groups SET retention_days = ? WHERE account = ? AND region = ? AND name = ?`, days, account, region, name)
	})
}

// TagLogGroup adds or replaces tags of a group. Returns
// ResourceNotFoundException for a missing group and InvalidParameterException
// past 50 tags.
func (s *Service) TagLogGroup(ctx context.Context, account, region, name string, tags map[string]string) error {
	return s.changeTags(ctx, account, region, name, func(cur map[string]string) map[string]string {
		if cur == nil {
			cur = map[string]string{}
		}
		for k, v := range tags {
			cur[k] = v
		}
		return cur
	})
}

// UntagLogGroup removes tags of a group. Returns ResourceNotFoundException
// for a missing group.
func (s *Service) UntagLogGroup(ctx context.Context, account, region, name string, keys []string) error {
	return s.changeTags(ctx, account, region, name, func(cur map[string]string) map[string]string {
		for _, k := range keys {
			delete(cur, k)
		}
		return cur
	})
}

func (s *Service) changeTags(ctx context.Context, account, region, name string, change func(map[string]string) map[string]string) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		g, _, err := getGroup(ctx, tx, account, region, name)
		if err != nil {
			return err
		}
		tags := change(g.Tags)
		if err := checkTags(tags); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE logs_groups SET tags = ? WHERE account = ? AND region = ? AND name = ?`, encodeTags(tags), account, region, name)
		return err
	})
}

// execOne runs a statement that must change exactly one row; notFound's
// error otherwise.
func execOne(ctx context.Context, tx *store.Tx, notFound func() *awserr.Error, query string, args ...any) error {
	res, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound()
	}
	return nil
}
