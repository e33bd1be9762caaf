package sqs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// MaxReceiveMessages bounds MaxNumberOfMessages.
const MaxReceiveMessages = 10

// ReceiveInput says what a ReceiveMessage call asks for.
type ReceiveInput struct {
	// Max is MaxNumberOfMessages, 1 to 10; 0 means 1.
	Max int
	// VisibilityTimeout (0 to 43200 s) overrides the queue's for the messages
	// received; nil keeps the queue's.
	VisibilityTimeout *int
	// WaitTimeSeconds (0 to 20) overrides the queue's
	// ReceiveMessageWaitTimeSeconds; nil keeps the queue's.
	WaitTimeSeconds *int
	// AttributeNames are the system attributes to return ("All" for every
	// one).
	AttributeNames []string
	// MessageAttributeNames selects the message attributes to return: names,
	// "All" or ".*" for every one, "prefix.*" for those starting with
	// "prefix.".
	MessageAttributeNames []string
}

// Message is a received message.
type Message struct {
	ID            string
	Body          string
	ReceiptHandle string
	MD5OfBody     string
	// Attributes are the requested system attributes.
	Attributes map[string]string
	// MessageAttributes are the requested message attributes, and
	// MD5OfMessageAttributes their digest ("" when there are none).
	MessageAttributes      map[string]MessageAttribute
	MD5OfMessageAttributes string
}

// ReceiveMessages receives up to in.Max messages from ref, making them
// invisible for the visibility timeout; receive counts and visibility are
// committed before it returns. With a wait time it waits, as a long poll,
// until a message is available or the time is up, and returns no messages
// then (or when ctx ends or the Service stops).
//
// A standard queue returns the messages that have been visible longest. A
// FIFO queue returns messages in the order they were sent within each
// message group, and none of a group while one of its messages is in flight.
// A message received more times than its queue's RedrivePolicy allows moves
// to the dead-letter queue instead of being returned.
//
// Returns QueueDoesNotExist, InvalidParameterValue or InvalidAttributeName.
func (s *Service) ReceiveMessages(ctx context.Context, ref QueueRef, in ReceiveInput) ([]Message, error) {
	sel, err := newSelection(in.AttributeNames, in.MessageAttributeNames)
	if err != nil {
		return nil, err
	}
	return s.receive(ctx, ref, in, sel)
}

func (s *Service) receive(ctx context.Context, ref QueueRef, in ReceiveInput, sel selection) ([]Message, error) {
	if in.Max == 0 {
		in.Max = 1
	}
	if in.Max < 1 || in.Max > MaxReceiveMessages {
		return nil, invalidValue("MaxNumberOfMessages", in.Max, "Must be between 1 and 10, if provided.")
	}
	if v := in.VisibilityTimeout; v != nil && (*v < 0 || *v > MaxVisibilityTimeout) {
		return nil, invalidValue("VisibilityTimeout", *v, "Must be >= 0 and <= 43200, if provided.")
	}
	if w := in.WaitTimeSeconds; w != nil && (*w < 0 || *w > MaxWaitTimeSeconds) {
		return nil, invalidValue("WaitTimeSeconds", *w, "Must be >= 0 and <= 20, if provided.")
	}
	q, err := s.queue(ctx, ref)
	if err != nil {
		return nil, err
	}
	wait := q.cfg.wait
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
	}
	if wait == 0 {
		return s.receiveOnce(ctx, q, in, sel)
	}
	return s.longPoll(ctx, ref, in, sel, time.Duration(wait)*time.Second)
}

// longPoll receives until a message comes or wait (real time) is over. It
// sleeps between attempts until a send or visibility change wakes it or the
// next message of the queue becomes visible.
func (s *Service) longPoll(ctx context.Context, ref QueueRef, in ReceiveInput, sel selection, wait time.Duration) ([]Message, error) {
	over := time.NewTimer(wait)
	defer over.Stop()
	for {
		q, err := s.queue(ctx, ref)
		if err != nil {
			return nil, err
		}
		w := s.subscribe(q.id)
		msgs, err := s.receiveOnce(ctx, q, in, sel)
		if err != nil || len(msgs) > 0 {
			s.unsubscribe(q.id, w, true)
			return msgs, err
		}
		at, err := s.nextVisible(ctx, q)
		if err != nil {
			s.unsubscribe(q.id, w, true)
			return nil, err
		}
		if done, err := s.await(ctx, q.id, w, at, over.C); done {
			return nil, err
		}
	}
}

// await waits for w to be woken, for the time at (ms; 0 for none) when a
// message becomes visible, or for the end of the poll (over, ctx, Stop). It
// reports whether the poll is over, with ctx's error if that ended it.
func (s *Service) await(ctx context.Context, id int64, w *waiter, at int64, over <-chan time.Time) (bool, error) {
	var next <-chan time.Time
	if at > 0 {
		t := time.NewTimer(time.Duration(at-millis(s.now())) * time.Millisecond)
		defer t.Stop()
		next = t.C
	}
	select {
	case <-w.ch:
		return false, nil
	case <-next:
		s.unsubscribe(id, w, false)
		return false, nil
	case <-over:
		s.unsubscribe(id, w, true)
		return true, nil
	case <-ctx.Done():
		s.unsubscribe(id, w, true)
		return true, ctx.Err()
	case <-s.quit:
		s.unsubscribe(id, w, true)
		return true, nil
	}
}

// nextVisible returns when the next invisible message of q becomes visible
// (ms), 0 when none is invisible.
func (s *Service) nextVisible(ctx context.Context, q *queue) (int64, error) {
	var at sql.NullInt64
	err := s.st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT MIN(visible_ms) FROM sqs_messages WHERE queue_id = ? AND visible_ms > ?`, q.id, millis(s.now())).Scan(&at)
	})
	if err != nil {
		return 0, fmt.Errorf("read next visibility of %s: %w", q.ref.Name, err)
	}
	return at.Int64, nil
}

// candidate is what a receive reads of a message before choosing it.
type candidate struct {
	seq          int64
	group        string
	visible      int64
	sent         int64
	receiveCount int
}

// scanPage bounds the candidates one query reads; maxScanned bounds those
// one receive looks at, so that its Update stays short.
const (
	scanPage   = 256
	maxScanned = 20000
)

// receiveOnce receives what is available now, in one Update.
func (s *Service) receiveOnce(ctx context.Context, q *queue, in ReceiveInput, sel selection) ([]Message, error) {
	var dlq *queue
	if r := q.cfg.redrive; r != nil {
		if d, err := s.queue(ctx, r.target); err == nil && d.fifo == q.fifo {
			dlq = d
		}
	}
	visibility := q.cfg.visibility
	if in.VisibilityTimeout != nil {
		visibility = *in.VisibilityTimeout
	}
	var out []Message
	moved := 0
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		out, moved = out[:0], 0
		r := &receiver{s: s, tx: tx, q: q, dlq: dlq, sel: sel, max: in.Max, now: millis(s.now()), visibility: visibility}
		var err error
		if q.fifo {
			err = r.fifo(ctx)
		} else {
			err = r.standard(ctx)
		}
		out, moved = r.out, r.moved
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("receive from %s: %w", q.ref.Name, err)
	}
	if moved > 0 {
		s.wake(dlq.id, moved)
	}
	return out, nil
}

// receiver is one receive's work inside its Update.
type receiver struct {
	s          *Service
	tx         *store.Tx
	q, dlq     *queue
	sel        selection
	max        int
	now        int64 // ms
	visibility int   // s
	out        []Message
	taken      map[int64]bool // seqs received by this receive
	moved      int
}

// expired reports whether a message sent at sent is past the retention
// period.
func (r *receiver) expired(sent int64) bool {
	return sent < r.now-int64(r.q.cfg.retention)*1000
}

// redrives reports whether a message received count times goes to the
// dead-letter queue instead of being received again.
func (r *receiver) redrives(count int) bool {
	return r.dlq != nil && count >= r.q.cfg.redrive.MaxReceive
}

// standard receives from a standard queue: the visible messages in order of
// (visible since, sequence), read page by page.
func (r *receiver) standard(ctx context.Context) error {
	lastVis, lastSeq := int64(-1), int64(0)
	for scanned := 0; len(r.out) < r.max && scanned < maxScanned; {
		cands, err := r.page(ctx, `SELECT seq, group_id, visible_ms, sent_ms, receive_count FROM sqs_messages
			WHERE queue_id = ? AND visible_ms <= ? AND (visible_ms, seq) > (?, ?) ORDER BY visible_ms, seq LIMIT ?`,
			r.q.id, r.now, lastVis, lastSeq, scanPage)
		if err != nil || len(cands) == 0 {
			return err
		}
		for _, c := range cands {
			scanned++
			lastVis, lastSeq = c.visible, c.seq
			if r.taken[c.seq] {
				continue // received just now with a visibility timeout of 0
			}
			if err := r.consider(ctx, c); err != nil {
				return err
			}
			if len(r.out) == r.max {
				return nil
			}
		}
	}
	return nil
}

// fifo receives from a FIFO queue: it walks the queue in sequence order and
// takes the visible messages of groups with nothing in flight (a message
// that is invisible, in flight or delayed, blocks the rest of its group).
func (r *receiver) fifo(ctx context.Context) error {
	blocked := map[string]bool{}
	last := int64(0)
	for scanned := 0; len(r.out) < r.max && scanned < maxScanned; {
		cands, err := r.page(ctx, `SELECT seq, group_id, visible_ms, sent_ms, receive_count FROM sqs_messages
			WHERE queue_id = ? AND seq > ? ORDER BY seq LIMIT ?`, r.q.id, last, scanPage)
		if err != nil || len(cands) == 0 {
			return err
		}
		for _, c := range cands {
			scanned++
			last = c.seq
			switch {
			case r.expired(c.sent):
				if err := r.delete(ctx, c.seq); err != nil {
					return err
				}
				continue
			case blocked[c.group]:
				continue
			case c.visible > r.now:
				blocked[c.group] = true
				continue
			}
			if err := r.consider(ctx, c); err != nil {
				return err
			}
			if len(r.out) == r.max {
				return nil
			}
		}
	}
	return nil
}

// consider deletes c if it expired, moves it to the dead-letter queue if it
// has been received too often, and else receives it.
func (r *receiver) consider(ctx context.Context, c candidate) error {
	switch {
	case r.expired(c.sent):
		return r.delete(ctx, c.seq)
	case r.redrives(c.receiveCount):
		return r.move(ctx, c.seq)
	}
	return r.take(ctx, c.seq)
}

func (r *receiver) page(ctx context.Context, query string, args ...any) ([]candidate, error) {
	rows, err := r.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.seq, &c.group, &c.visible, &c.sent, &c.receiveCount); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (r *receiver) delete(ctx context.Context, seq int64) error {
	_, err := r.tx.Exec(ctx, `DELETE FROM sqs_messages WHERE queue_id = ? AND seq = ?`, r.q.id, seq)
	return err
}

// take receives message seq: a new receipt token, one more receive, and
// invisibility for the visibility timeout.
func (r *receiver) take(ctx context.Context, seq int64) error {
	var token [receiptTokenLen]byte
	_, _ = rand.Read(token[:])
	var (
		m                    Message
		attrs, trace, sender string
		group, dedup, source string
		sent, firstRecv      int64
		count                int
	)
	err := r.tx.QueryRow(ctx, `UPDATE sqs_messages SET visible_ms = ?, receive_count = receive_count + 1,
		first_receive_ms = CASE WHEN first_receive_ms = 0 THEN ? ELSE first_receive_ms END, received_ms = ?, receipt = ?
		WHERE queue_id = ? AND seq = ?
		RETURNING id, body, md5_body, attributes, trace, sender, group_id, dedup_id, source_arn, sent_ms, receive_count, first_receive_ms`,
		r.now+int64(r.visibility)*1000, r.now, r.now, token[:], r.q.id, seq).
		Scan(&m.ID, &m.Body, &m.MD5OfBody, &attrs, &trace, &sender, &group, &dedup, &source, &sent, &count, &firstRecv)
	if err != nil {
		return err
	}
	if r.taken == nil {
		r.taken = map[int64]bool{}
	}
	r.taken[seq] = true
	m.ReceiptHandle = encodeHandle(r.q.id, seq, token[:])
	sys := map[string]string{
		SysSenderID: sender, SysSentTimestamp: strconv.FormatInt(sent, 10),
		SysApproximateReceiveCount: strconv.Itoa(count), SysApproximateFirstReceiveTimestamp: strconv.FormatInt(firstRecv, 10),
	}
	if group != "" {
		sys[SysMessageGroupID] = group
	}
	if r.q.fifo {
		sys[SysSequenceNumber] = sequenceNumber(seq)
		sys[SysMessageDeduplicationID] = dedup
	}
	if trace != "" {
		sys[SysAWSTraceHeader] = trace
	}
	if source != "" {
		sys[SysDeadLetterQueueSourceArn] = source
	}
	m.Attributes = r.sel.system(sys)
	m.MessageAttributes = r.sel.user(decodeAttributes(attrs))
	m.MD5OfMessageAttributes = MD5OfAttributes(m.MessageAttributes)
	r.out = append(r.out, m)
	return nil
}

// move moves message seq to the dead-letter queue, where it is visible at
// once, has not been received, records its source queue and (from a
// standard queue) keeps its sent time, so retention still counts from it.
func (r *receiver) move(ctx context.Context, seq int64) error {
	dseq, err := r.s.nextSeq(ctx, r.tx, r.dlq.id)
	if err != nil {
		return err
	}
	sent := "sent_ms"
	if r.q.fifo {
		sent = strconv.FormatInt(r.now, 10)
	}
	_, err = r.tx.Exec(ctx, `INSERT INTO sqs_messages (queue_id, seq, id, body, md5_body, attributes, trace, sender, group_id, dedup_id,
		source_arn, sent_ms, visible_ms, receive_count, first_receive_ms, received_ms, receipt)
		SELECT ?, ?, id, body, md5_body, attributes, trace, sender, group_id, dedup_id, ?, `+sent+`, ?, 0, 0, 0, NULL
		FROM sqs_messages WHERE queue_id = ? AND seq = ?`,
		r.dlq.id, dseq, r.q.ref.ARN(r.s.region), r.now, r.q.id, seq)
	if err != nil {
		return err
	}
	r.moved++
	return r.delete(ctx, seq)
}

// selection is which attributes a receive returns.
type selection struct {
	allSystem bool
	sysNames  map[string]bool
	allUser   bool
	names     map[string]bool
	prefixes  []string // "prefix." of "prefix.*"
}

// systemAttributeNames are the names ReceiveMessage accepts in AttributeNames.
func systemAttributeNames() []string {
	return []string{
		AttrAll, SysSenderID, SysSentTimestamp, SysApproximateReceiveCount, SysApproximateFirstReceiveTimestamp,
		SysSequenceNumber, SysMessageDeduplicationID, SysMessageGroupID, SysAWSTraceHeader, SysDeadLetterQueueSourceArn,
	}
}

func newSelection(system, user []string) (selection, error) {
	sel := selection{sysNames: map[string]bool{}, names: map[string]bool{}}
	known := systemAttributeNames()
	for _, n := range system {
		if !slices.Contains(known, n) {
			return selection{}, invalidAttributeName(n)
		}
		if n == AttrAll {
			sel.allSystem = true
		}
		sel.sysNames[n] = true
	}
	for _, n := range user {
		switch {
		case n == AttrAll || n == ".*":
			sel.allUser = true
		case strings.HasSuffix(n, ".*"):
			sel.prefixes = append(sel.prefixes, strings.TrimSuffix(n, "*"))
		default:
			sel.names[n] = true
		}
	}
	return sel, nil
}

// allAttributes selects every system and message attribute.
func allAttributes() selection {
	return selection{allSystem: true, allUser: true}
}

func (sel selection) system(all map[string]string) map[string]string {
	if sel.allSystem {
		return all
	}
	var out map[string]string
	for n := range sel.sysNames {
		if v, ok := all[n]; ok {
			if out == nil {
				out = map[string]string{}
			}
			out[n] = v
		}
	}
	return out
}

func (sel selection) user(all map[string]MessageAttribute) map[string]MessageAttribute {
	if sel.allUser || len(all) == 0 {
		return all
	}
	var out map[string]MessageAttribute
	for n, a := range all {
		keep := sel.names[n]
		for _, p := range sel.prefixes {
			keep = keep || strings.HasPrefix(n, p)
		}
		if keep {
			if out == nil {
				out = map[string]MessageAttribute{}
			}
			out[n] = a
		}
	}
	return out
}

// Receipt handles are opaque to clients: base64url of a version byte, the
// queue id, the message's sequence number and the random token of the
// receive they came from.
const (
	handleVersion   = 1
	receiptTokenLen = 16
	handleLen       = 1 + 8 + 8 + receiptTokenLen
)

func encodeHandle(queueID, seq int64, token []byte) string {
	b := make([]byte, 0, handleLen)
	b = append(b, handleVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(queueID))
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = append(b, token...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeHandle splits a receipt handle; ok is false for anything that is not
// one.
func decodeHandle(h string) (queueID, seq int64, token []byte, ok bool) {
	if base64.RawURLEncoding.DecodedLen(len(h)) != handleLen {
		return 0, 0, nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil || len(b) != handleLen || b[0] != handleVersion {
		return 0, 0, nil, false
	}
	// The decoder skips line breaks and accepts non-canonical final bits:
	// only the one spelling of a handle is that handle.
	if base64.RawURLEncoding.EncodeToString(b) != h {
		return 0, 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b[1:9])), int64(binary.BigEndian.Uint64(b[9:17])), b[17:], true
}
