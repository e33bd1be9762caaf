package logs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// PutLogEvents limits, as AWS documents them.
const (
	maxBatchBytes    = 1 << 20 // 1 MiB, counting eventOverhead per event
	eventOverhead    = 26
	maxBatchEvents   = 10000
	maxBatchSpan     = 24 * time.Hour
	maxEventAge      = 14 * day
	maxEventFuture   = 2 * time.Hour
	maxResponseBytes = 1 << 20
	defaultEvents    = 10000
)

// Event is one log event to write.
type Event struct {
	Timestamp time.Time
	Message   string
}

// OutputEvent is one stored log event as reads return it.
type OutputEvent struct {
	// Stream is the stream it was written to.
	Stream               string
	Timestamp, Ingestion time.Time
	Message              string
	// ID is unique within the group (FilterLogEvents' eventId).
	ID string
}

// Rejected says which events of a PutLogEvents batch were not stored; nil
// fields mean none. Indexes are into the batch as given.
type Rejected struct {
	// TooNewStart is the first event more than two hours in the future (it
	// and every later event were rejected).
	TooNewStart *int
	// TooOldEnd is one past the last event older than 14 days.
	TooOldEnd *int
	// ExpiredEnd is one past the last event older than the group's retention.
	ExpiredEnd *int
}

// PutResult is what PutLogEvents returns.
type PutResult struct {
	// NextSequenceToken is reported for old clients; it is never checked.
	NextSequenceToken string
	// Rejected is nil when every event was stored.
	Rejected *Rejected
}

// PutLogEvents writes a batch to an existing stream. The batch must be in
// chronological order, span at most 24 hours and hold at most 10,000 events
// and 1 MiB (counting 26 bytes per event), or the call fails with
// InvalidParameterException and nothing is stored. Events too old (14 days or
// the group's retention) or too new (2 hours ahead) are left out and
// reported in PutResult.Rejected. Returns ResourceNotFoundException for a
// missing group or stream.
func (s *Service) PutLogEvents(ctx context.Context, account, region, group, stream string, events []Event) (PutResult, error) {
	if err := checkBatch(events); err != nil {
		return PutResult{}, err
	}
	var res PutResult
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		g, nextSeq, err := getGroup(ctx, tx, account, region, group)
		if err != nil {
			return err
		}
		var uploads int64
		err = tx.QueryRow(ctx, `SELECT uploads FROM logs_streams WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
			account, region, group, stream).Scan(&uploads)
		if errors.Is(err, sql.ErrNoRows) {
			return streamNotFound()
		}
		if err != nil {
			return err
		}
		from, to, rej := classify(events, now, g.RetentionDays)
		res.Rejected = rej
		res.NextSequenceToken = sequenceToken(uploads + 1)
		return writeEvents(ctx, tx, account, region, group, stream, events[from:to], nextSeq, now)
	})
	if err != nil {
		return PutResult{}, err
	}
	return res, nil
}

func checkBatch(events []Event) error {
	if len(events) == 0 {
		return invalidParameter("1 validation error detected: Value null at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(events) > maxBatchEvents {
		return invalidParameter("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", maxBatchEvents)
	}
	size := 0
	for i, e := range events {
		size += len(e.Message) + eventOverhead
		if i > 0 && e.Timestamp.Before(events[i-1].Timestamp) {
			return invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > maxBatchBytes {
		return invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	if events[len(events)-1].Timestamp.Sub(events[0].Timestamp) > maxBatchSpan {
		return invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	return nil
}

// classify returns the range [from, to) of a chronological batch that may be
// stored at now, and what was rejected (nil if nothing).
func classify(events []Event, now time.Time, retentionDays int) (from, to int, rej *Rejected) {
	tooOld := now.Add(-maxEventAge).UnixMilli()
	expired := retentionCutoff(now, retentionDays)
	tooNew := now.Add(maxEventFuture).UnixMilli()
	oldEnd, expiredEnd, newStart := 0, 0, len(events)
	for i, e := range events {
		ts := e.Timestamp.UnixMilli()
		if ts < tooOld {
			oldEnd = i + 1
		}
		if ts < expired {
			expiredEnd = i + 1
		}
		if ts > tooNew && newStart == len(events) {
			newStart = i
		}
	}
	r := &Rejected{}
	if oldEnd > 0 {
		r.TooOldEnd = &oldEnd
	}
	if expiredEnd > 0 {
		r.ExpiredEnd = &expiredEnd
	}
	if newStart < len(events) {
		r.TooNewStart = &newStart
	}
	if *r == (Rejected{}) {
		r = nil
	}
	from = max(oldEnd, expiredEnd)
	to = max(newStart, from)
	return from, to, r
}

// insertChunk bounds the rows of one multi-row INSERT (8 parameters each).
const insertChunk = 100

// writeEvents appends events (chronological) to a stream whose group hands
// out seq numbers from nextSeq, and updates the stream's and group's
// counters. An empty batch still counts as an upload.
func writeEvents(ctx context.Context, tx *store.Tx, account, region, group, stream string, events []Event, nextSeq int64, now time.Time) error {
	nowMS := now.UnixMilli()
	var bytes int64
	for start := 0; start < len(events); start += insertChunk {
		chunk := events[start:min(start+insertChunk, len(events))]
		var q strings.Builder
		q.WriteString(`INSERT INTO logs_events (account, region, group_name, stream_name, ts, seq, ingestion_ms, size, message) VALUES `)
		args := make([]any, 0, 9*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			size := int64(len(e.Message))
			bytes += size
			args = append(args, account, region, group, stream, e.Timestamp.UnixMilli(), nextSeq+int64(start+i), nowMS, size, e.Message)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	if len(events) == 0 {
		_, err := tx.Exec(ctx, `UPDATE logs_streams SET uploads = uploads + 1 WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
			account, region, group, stream)
		return err
	}
	first, last := events[0].Timestamp.UnixMilli(), events[len(events)-1].Timestamp.UnixMilli()
	if _, err := tx.Exec(ctx, `UPDATE logs_streams SET
			first_event_ms = CASE WHEN first_event_ms = 0 OR first_event_ms > ? THEN ? ELSE first_event_ms END,
			last_event_ms = CASE WHEN last_event_ms < ? THEN ? ELSE last_event_ms END,
			last_ingestion_ms = ?, stored_bytes = stored_bytes + ?, uploads = uploads + 1
		WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
		first, first, last, last, nowMS, bytes, account, region, group, stream); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE logs_groups SET next_seq = ?, stored_bytes = stored_bytes + ? WHERE account = ? AND region = ? AND name = ?`,
		nextSeq+int64(len(events)), bytes, account, region, group)
	return err
}

// Batch is a run of events bound for one stream, for AppendBatches.
type Batch struct {
	Account, Region, Group, Stream string
	Events                         []Event
}

// Append writes events to group and stream, creating either when missing. It
// is AppendBatches with one batch.
func (s *Service) Append(ctx context.Context, account, region, group, stream string, events []Event) error {
	return s.AppendBatches(ctx, []Batch{{Account: account, Region: region, Group: group, Stream: stream, Events: events}})
}

// AppendBatches writes each batch's events to its group and stream, creating
// either when missing, all in one store Update (so that a busy producer pays
// one commit for many batches, and concurrent callers share a group commit).
// It is the path of other services' logs (Lambda's function and platform
// lines), not of PutLogEvents: events are put in time order, and those older
// than the group's retention are dropped rather than reported. Batches with
// bad names are left out and reported as InvalidParameterException; the
// others are written.
func (s *Service) AppendBatches(ctx context.Context, batches []Batch) error {
	var bad []error
	good := make([]Batch, 0, len(batches))
	for _, b := range batches {
		if err := cmp.Or(checkGroupName(b.Group), checkStreamName(b.Stream)); err != nil {
			bad = append(bad, err)
			continue
		}
		if len(b.Events) == 0 {
			continue
		}
		b.Events = slices.Clone(b.Events)
		slices.SortStableFunc(b.Events, func(x, y Event) int { return x.Timestamp.Compare(y.Timestamp) })
		good = append(good, b)
	}
	if len(good) > 0 {
		err := s.st.Update(ctx, func(tx *store.Tx) error {
			now := s.now()
			for _, b := range good {
				if err := appendBatch(ctx, tx, b, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return errors.Join(bad...)
}

func appendBatch(ctx context.Context, tx *store.Tx, b Batch, now time.Time) error {
	g, nextSeq, err := getGroup(ctx, tx, b.Account, b.Region, b.Group)
	if awsCode(err) == CodeResourceNotFound {
		if err := insertGroup(ctx, tx, b.Account, b.Region, b.Group, nil, now); err != nil {
			return err
		}
		g, nextSeq = &LogGroup{}, 1
	} else if err != nil {
		return err
	}
	var one int
	err = tx.QueryRow(ctx, `SELECT 1 FROM logs_streams WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
		b.Account, b.Region, b.Group, b.Stream).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = insertStream(ctx, tx, b.Account, b.Region, b.Group, b.Stream, now)
	}
	if err != nil {
		return err
	}
	cutoff := retentionCutoff(now, g.RetentionDays)
	keep := b.Events
	for len(keep) > 0 && keep[0].Timestamp.UnixMilli() < cutoff {
		keep = keep[1:]
	}
	return writeEvents(ctx, tx, b.Account, b.Region, b.Group, b.Stream, keep, nextSeq, now)
}

// GetQuery selects events of one stream for GetLogEvents.
type GetQuery struct {
	// Start (inclusive) and End (exclusive) bound timestamps; zero is unbounded.
	Start, End time.Time
	// StartFromHead reads the oldest events first; by default the newest page
	// is returned. A Token overrides it.
	StartFromHead bool
	Token         string
	// Limit is 1-10,000; 0 means as many as fit in 1 MB, up to 10,000.
	Limit int
}

// GetResult is a page of GetLogEvents.
type GetResult struct {
	Events []OutputEvent
	// NextForward and NextBackward are the tokens of the pages after and
	// before this one. At either end, the token that was passed in comes back.
	NextForward, NextBackward string
}

// GetLogEvents returns a page of a stream's events in time order. Returns
// ResourceNotFoundException for a missing group or stream and
// InvalidParameterException for a bad token.
func (s *Service) GetLogEvents(ctx context.Context, account, region, group, stream string, q GetQuery) (GetResult, error) {
	dir, pos := backward, tail
	if q.StartFromHead {
		dir, pos = forward, head
	}
	if q.Token != "" {
		var err error
		if dir, pos, err = parseStreamToken(q.Token); err != nil {
			return GetResult{}, err
		}
	}
	limit := q.Limit
	if limit <= 0 || limit > defaultEvents {
		limit = defaultEvents
	}
	var events []OutputEvent
	var keys []position
	err := s.st.View(ctx, func(tx *store.Tx) error {
		g, _, err := getGroup(ctx, tx, account, region, group)
		if err != nil {
			return err
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM logs_streams WHERE account = ? AND region = ? AND group_name = ? AND name = ?`,
			account, region, group, stream).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return streamNotFound()
		}
		if err != nil {
			return err
		}
		start := max(millis(q.Start), retentionCutoff(s.now(), g.RetentionDays))
		end := int64(tail.ts)
		if !q.End.IsZero() {
			end = q.End.UnixMilli()
		}
		query := `SELECT ts, seq, ingestion_ms, message FROM logs_events
			WHERE account = ? AND region = ? AND group_name = ? AND stream_name = ? AND ts >= ? AND ts < ?`
		if dir == forward {
			query += ` AND (ts > ? OR (ts = ? AND seq > ?)) ORDER BY ts, seq LIMIT ?`
		} else {
			query += ` AND (ts < ? OR (ts = ? AND seq < ?)) ORDER BY ts DESC, seq DESC LIMIT ?`
		}
		rows, err := tx.Query(ctx, query, account, region, group, stream, start, end, pos.ts, pos.ts, pos.seq, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		size := 0
		for rows.Next() {
			var p position
			var ingest int64
			var msg string
			if err := rows.Scan(&p.ts, &p.seq, &ingest, &msg); err != nil {
				return err
			}
			if size += len(msg) + eventOverhead; size > maxResponseBytes && len(events) > 0 {
				break
			}
			events = append(events, OutputEvent{Stream: stream, Timestamp: fromMillis(p.ts), Ingestion: fromMillis(ingest), Message: msg, ID: eventID(p)})
			keys = append(keys, p)
		}
		return rows.Err()
	})
	if err != nil {
		return GetResult{}, err
	}
	if dir == backward {
		slices.Reverse(events)
		slices.Reverse(keys)
	}
	if len(events) == 0 {
		if q.Token != "" {
			other := backward
			if dir == backward {
				other = forward
			}
			res := GetResult{Events: []OutputEvent{}}
			if dir == forward {
				res.NextForward, res.NextBackward = q.Token, streamToken(other, pos)
			} else {
				res.NextForward, res.NextBackward = streamToken(other, pos), q.Token
			}
			return res, nil
		}
		return GetResult{Events: []OutputEvent{}, NextForward: streamToken(forward, head), NextBackward: streamToken(backward, head)}, nil
	}
	return GetResult{
		Events:       events,
		NextForward:  streamToken(forward, keys[len(keys)-1]),
		NextBackward: streamToken(backward, keys[0]),
	}, nil
}
