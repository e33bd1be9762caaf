package logs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/store"
)

// LogStream is a log stream as DescribeLogStreams shows it. Times are zero
// while the stream has no events.
type LogStream struct {
	Name                                          string
	Created, FirstEvent, LastEvent, LastIngestion time.Time
	StoredBytes                                   int64
	// Uploads counts the PutLogEvents batches written; it makes the
	// (deprecated) upload sequence token.
	Uploads int64
}

// SequenceToken is the stream's uploadSequenceToken. AWS no longer checks
// sequence tokens but still reports them.
func (st *LogStream) SequenceToken() string { return sequenceToken(st.Uploads) }

func sequenceToken(uploads int64) string { return fmt.Sprintf("%056d", uploads+1) }

// CreateLogStream creates a stream in a group. Returns
// ResourceNotFoundException for a missing group,
// ResourceAlreadyExistsException for an existing stream.
func (s *Service) CreateLogStream(ctx context.Context, account, region, group, name string) error {
	if err := checkStreamName(name); err != nil {
		return err
	}
	now := s.now()
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		if _, _, err := getGroup(ctx, tx, account, region, group); err != nil {
			return err
		}
		return insertStream(ctx, tx, account, region, group, name, now)
	})
	if store.IsUniqueViolation(err) {
		return streamExists()
	}
	return err
}

func insertStream(ctx context.Context, tx *store.Tx, account, region, group, name string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO logs_streams (account, region, group_name, name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms, stored_bytes, uploads)
		VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0)`, account, region, group, name, now.UnixMilli())
	return err
}

// StreamQuery selects streams for DescribeLogStreams.
type StreamQuery struct {
	Prefix string
	// ByLastEventTime orders by the time of the last event instead of by name;
	// it cannot be combined with Prefix.
	ByLastEventTime bool
	Descending      bool
	Token           string
	// Limit is 1-50; 0 means 50.
	Limit int
}

// DescribeLogStreams returns a group's streams in the order q asks for and
// the next page's token. Returns ResourceNotFoundException for a missing
// group and InvalidParameterException for Prefix with ByLastEventTime or a
// bad token.
func (s *Service) DescribeLogStreams(ctx context.Context, account, region, group string, q StreamQuery) ([]LogStream, string, error) {
	if q.Prefix != "" && q.ByLastEventTime {
		return nil, "", invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	limit := q.Limit
	if limit <= 0 || limit > maxDescribeLimit {
		limit = maxDescribeLimit
	}
	// The token is the last (last_event_ms, name) of the previous page; when
	// ordering by name only the name counts.
	var afterTS int64
	var afterName string
	hasAfter := q.Token != ""
	if hasAfter {
		raw, err := decodeNameToken(q.Token)
		if err != nil {
			return nil, "", err
		}
		ts, name, ok := strings.Cut(raw, "/")
		n, perr := strconv.ParseInt(ts, 10, 64)
		if !ok || perr != nil {
			return nil, "", invalidToken()
		}
		afterTS, afterName = n, name
	}
	dir, cmp := "ASC", ">"
	if q.Descending {
		dir, cmp = "DESC", "<"
	}
	var query string
	args := []any{account, region, group}
	if q.ByLastEventTime {
		query = `SELECT name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms, stored_bytes, uploads FROM logs_streams
			WHERE account = ? AND region = ? AND group_name = ?`
		if hasAfter {
			query += ` AND (last_event_ms ` + cmp + ` ? OR (last_event_ms = ? AND name ` + cmp + ` ?))`
			args = append(args, afterTS, afterTS, afterName)
		}
		query += ` ORDER BY last_event_ms ` + dir + `, name ` + dir
	} else {
		query = `SELECT name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms, stored_bytes, uploads FROM logs_streams
			WHERE account = ? AND region = ? AND group_name = ? AND SUBSTR(name, 1, ?) = ?`
		args = append(args, utf8.RuneCountInString(q.Prefix), q.Prefix)
		if hasAfter {
			query += ` AND name ` + cmp + ` ?`
			args = append(args, afterName)
		}
		query += ` ORDER BY name ` + dir
	}
	query += ` LIMIT ?`
	args = append(args, limit+1)
	var streams []LogStream
	err := s.st.View(ctx, func(tx *store.Tx) error {
		if _, _, err := getGroup(ctx, tx, account, region, group); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			st, err := scanStream(rows)
			if err != nil {
				return err
			}
			streams = append(streams, st)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(streams) <= limit {
		return streams, "", nil
	}
	streams = streams[:limit]
	last := streams[limit-1]
	return streams, encodeNameToken(strconv.FormatInt(millis(last.LastEvent), 10) + "/" + last.Name), nil
}

func scanStream(rows *sql.Rows) (LogStream, error) {
	var st LogStream
	var created, first, last, ingest int64
	if err := rows.Scan(&st.Name, &created, &first, &last, &ingest, &st.StoredBytes, &st.Uploads); err != nil {
		return st, err
	}
	st.Created, st.FirstEvent, st.LastEvent, st.LastIngestion = fromMillis(created), fromMillis(first), fromMillis(last), fromMillis(ingest)
	return st, nil
}

// DeleteLogStream deletes a stream and its events. Returns
// ResourceNotFoundException for a missing group or stream.
func (s *Service) DeleteLogStream(ctx context.Context, account, region, group, name string) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		if _, _, err := getGroup(ctx, tx, account, region, group); err != nil {
			return err
		}
		var bytes int64
		err := tx.QueryRow(ctx, `SELECT stored_bytes FROM logs_streams WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
			account, region, group, name).Scan(&bytes)
		if errors.Is(err, sql.ErrNoRows) {
			return streamNotFound()
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM logs_streams WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
			account, region, group, name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE logs_groups SET stored_bytes = stored_bytes - ? WHERE account = ? AND region = ? AND name = ?`,
			bytes, account, region, group)
		return err
	})
}
