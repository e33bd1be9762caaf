package logs

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/store"
)

// FilterQuery selects events of a group for FilterLogEvents.
type FilterQuery struct {
	// Streams and StreamPrefix restrict the streams searched; they are
	// mutually exclusive. Neither searches every stream.
	Streams      []string
	StreamPrefix string
	// Start and End bound timestamps, both inclusive; zero is unbounded.
	Start, End time.Time
	// Pattern is a filter pattern (see ParsePattern); "" matches everything.
	Pattern string
	Token   string
	// Limit is 1-10,000; 0 means 10,000.
	Limit int
}

// filterScanLimit bounds the events one FilterLogEvents call examines; when
// it is reached the call returns what matched so far and a token to go on,
// as AWS does for long searches.
const filterScanLimit = 100000

// FilterLogEvents returns the events of a group that q selects, ordered by
// timestamp across streams (then by the order they were written), and the
// token of the next page ("" when the search is complete). Returns
// ResourceNotFoundException for a missing group and InvalidParameterException
// for a bad pattern or token or both Streams and StreamPrefix.
func (s *Service) FilterLogEvents(ctx context.Context, account, region, group string, q FilterQuery) ([]OutputEvent, string, error) {
	if len(q.Streams) > 0 && q.StreamPrefix != "" {
		return nil, "", invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	pat, err := ParsePattern(q.Pattern)
	if err != nil {
		return nil, "", invalidParameter("Invalid filter pattern: %v", err)
	}
	after := head
	if q.Token != "" {
		if after, err = parseDigits(q.Token); err != nil {
			return nil, "", err
		}
	}
	limit := q.Limit
	if limit <= 0 || limit > defaultEvents {
		limit = defaultEvents
	}
	wanted := map[string]bool{}
	for _, n := range q.Streams {
		wanted[n] = true
	}
	var out []OutputEvent
	next := ""
	err = s.st.View(ctx, func(tx *store.Tx) error {
		g, _, err := getGroup(ctx, tx, account, region, group)
		if err != nil {
			return err
		}
		start := max(millis(q.Start), retentionCutoff(s.now(), g.RetentionDays))
		end := int64(tail.ts)
		if !q.End.IsZero() {
			end = q.End.UnixMilli()
		}
		query := `SELECT stream_name, ts, seq, ingestion_ms, message FROM logs_events
			WHERE account = ? AND region = ? AND group_name = ? AND ts >= ? AND ts <= ?
			AND (ts > ? OR (ts = ? AND seq > ?)) AND SUBSTR(stream_name, 1, ?) = ?
			ORDER BY ts, seq LIMIT ?`
		rows, err := tx.Query(ctx, query, account, region, group, start, end, after.ts, after.ts, after.seq,
			utf8.RuneCountInString(q.StreamPrefix), q.StreamPrefix, filterScanLimit)
		if err != nil {
			return err
		}
		defer rows.Close()
		scanned, size := 0, 0
		var last position
		for rows.Next() {
			var e OutputEvent
			var p position
			var ingest int64
			if err := rows.Scan(&e.Stream, &p.ts, &p.seq, &ingest, &e.Message); err != nil {
				return err
			}
			scanned++
			last = p
			if len(wanted) > 0 && !wanted[e.Stream] || !pat.Match(e.Message) {
				continue
			}
			size += len(e.Message) + eventOverhead
			if len(out) == limit || size > maxResponseBytes && len(out) > 0 {
				// More matches remain: the next page starts after the
				// last one returned.
				next = eventID(positionOf(out[len(out)-1]))
				return nil
			}
			e.Timestamp, e.Ingestion, e.ID = fromMillis(p.ts), fromMillis(ingest), eventID(p)
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if scanned == filterScanLimit {
			next = eventID(last)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if out == nil {
		out = []OutputEvent{}
	}
	return out, next, nil
}

// positionOf recovers an output event's position from its ID.
func positionOf(e OutputEvent) position {
	p, _ := parseDigits(e.ID)
	return p
}
