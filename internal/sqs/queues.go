package sqs

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Queue describes a queue.
type Queue struct {
	Ref  QueueRef
	ARN  string
	FIFO bool
}

func (s *Service) describe(q *queue) Queue {
	return Queue{Ref: q.ref, ARN: q.ref.ARN(s.region), FIFO: q.fifo}
}

// Tag limits, as AWS documents them.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// CreateQueue creates the queue ref with the given attributes and tags. A
// queue is FIFO when attrs has FifoQueue "true"; its name must end in .fifo.
// Creating a queue that exists returns it when every given attribute has the
// value the queue has (tags are not compared).
//
// Returns InvalidParameterValue (names, tags, RedrivePolicy),
// InvalidAttributeName, InvalidAttributeValue, QueueAlreadyExists (another
// value for a given attribute) or QueueDeletedRecently (the name was deleted
// less than 60 seconds ago).
func (s *Service) CreateQueue(ctx context.Context, ref QueueRef, attrs, tags map[string]string) (Queue, error) {
	fifo := false
	if v, ok := attrs[AttrFifoQueue]; ok {
		b, valid := parseBool(v)
		if !valid {
			return Queue{}, invalidAttributeValue(AttrFifoQueue, "")
		}
		fifo = b
	}
	if err := checkName(ref.Name, fifo); err != nil {
		return Queue{}, err
	}
	norm, err := s.normalize(attrs, fifo, true)
	if err != nil {
		return Queue{}, err
	}
	if err := checkTags(tags); err != nil {
		return Queue{}, err
	}
	if len(tags) > maxTags {
		return Queue{}, invalidParameter("Too many tags added for queue %s.", ref.Name)
	}
	if s.deletedRecently(ref) {
		return Queue{}, awserr.New(CodeQueueDeletedRecently, statusBadRequest,
			"You must wait 60 seconds after deleting a queue before you can create another with the same name.")
	}
	var out Queue
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		existing, err := readQueue(ctx, tx, ref)
		if err == nil {
			if name, same := sameAttributes(existing, fifo, norm); !same {
				return awserr.New(CodeQueueAlreadyExists, statusBadRequest, "A queue already exists with the same name and a different value for attribute %s", name)
			}
			out = s.describe(existing)
			return nil
		}
		if awsCode(err) != CodeQueueDoesNotExist {
			return err
		}
		dlq, err := s.checkRedrive(ctx, tx, ref, fifo, norm[AttrRedrivePolicy])
		if err != nil {
			return err
		}
		now := millis(s.now())
		q := &queue{id: newQueueID(), ref: ref, fifo: fifo}
		_, err = tx.Exec(ctx, `INSERT INTO sqs_queues (account, name, id, fifo, attributes, tags, dlq, created_ms, modified_ms, purged_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			ref.Account, ref.Name, q.id, fifo, encodeMap(dropEmpty(norm)), encodeMap(tags), dlq, now, now)
		out = s.describe(q)
		return err
	})
	if err != nil {
		return Queue{}, err
	}
	return out, nil
}

// normalize is normalizeAttributes with the Policy checked by
// Config.CheckPolicy.
func (s *Service) normalize(attrs map[string]string, fifo, creating bool) (map[string]string, error) {
	norm, err := normalizeAttributes(attrs, fifo, creating)
	if err != nil {
		return nil, err
	}
	if doc := norm[AttrPolicy]; doc != "" && s.checkDoc != nil {
		if err := s.checkDoc(doc); err != nil {
			return nil, invalidAttributeValue(AttrPolicy, err.Error())
		}
	}
	return norm, nil
}

// sameAttributes reports whether q has every attribute in given, else the
// name of one it has another value for.
func sameAttributes(q *queue, fifo bool, given map[string]string) (string, bool) {
	if q.fifo != fifo {
		return AttrFifoQueue, false
	}
	eff := effectiveAttributes(q)
	for _, name := range sortedKeys(given) {
		if eff[name] != given[name] {
			return name, false
		}
	}
	return "", true
}

// checkRedrive checks the RedrivePolicy raw (normalized; "" for none) that
// source, a queue of the given type, is to have: its target must exist in
// the same account and region, be of the same type, and admit source in its
// RedriveAllowPolicy. It returns the target's name ("" for none).
func (s *Service) checkRedrive(ctx context.Context, tx *store.Tx, source QueueRef, fifo bool, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	p, err := parseRedrivePolicy(raw)
	if err != nil {
		return "", err
	}
	if p.target.Account != source.Account || p.target.ARN(s.region) != p.TargetARN {
		return "", invalidValue(AttrRedrivePolicy, raw, "Dead-letter target must be a queue of the same account and region.")
	}
	target, err := readQueue(ctx, tx, p.target)
	if awsCode(err) == CodeQueueDoesNotExist {
		return "", invalidValue(AttrRedrivePolicy, raw, "Dead-letter target does not exist.")
	}
	if err != nil {
		return "", err
	}
	if target.fifo != fifo {
		return "", invalidValue(AttrRedrivePolicy, raw, "The dead-letter queue of a FIFO queue must also be a FIFO queue, and that of a standard queue a standard queue.")
	}
	if !target.cfg.allow.allows(source.ARN(s.region)) {
		return "", invalidValue(AttrRedrivePolicy, raw, "The RedriveAllowPolicy of the dead-letter target does not allow this queue to use it as its dead-letter queue.")
	}
	return p.target.Name, nil
}

func checkTags(tags map[string]string) error {
	for k, v := range tags {
		if k == "" || len(k) > maxTagKeyLen {
			return invalidParameter("Tag keys must be between 1 and %d characters in length.", maxTagKeyLen)
		}
		if len(v) > maxTagValueLen {
			return invalidParameter("Tag values may only be up to %d characters in length.", maxTagValueLen)
		}
	}
	return nil
}

func dropEmpty(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func (s *Service) deletedRecently(ref QueueRef) bool {
	s.deletedMu.Lock()
	defer s.deletedMu.Unlock()
	at, ok := s.deleted[ref]
	return ok && s.now().Sub(at) < deletedRecentlyFor
}

// GetQueue returns the queue ref. Returns QueueDoesNotExist.
func (s *Service) GetQueue(ctx context.Context, ref QueueRef) (Queue, error) {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return Queue{}, err
	}
	return s.describe(q), nil
}

// DeleteQueue deletes the queue ref and its messages. Long polls on it end
// with QueueDoesNotExist; its name cannot be used again for 60 seconds.
//
// Returns QueueDoesNotExist.
func (s *Service) DeleteQueue(ctx context.Context, ref QueueRef) error {
	var id int64
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `DELETE FROM sqs_queues WHERE account = ? AND name = ? RETURNING id`, ref.Account, ref.Name).Scan(&id)
		if store.IsNotFound(err) {
			return queueNotFound()
		}
		return err
	})
	if err != nil {
		return err
	}
	s.forget(ref)
	s.dropSeq(id)
	s.deletedMu.Lock()
	s.deleted[ref] = s.now()
	s.deletedMu.Unlock()
	s.wake(id, -1)
	return nil
}

// maxListResults bounds a page of ListQueues and ListDeadLetterSourceQueues.
const maxListResults = 1000

// ListQueues returns the names of account's queues whose name starts with
// prefix, sorted. With max (1 to 1000) it returns pages of that size and a
// token for the next ("" at the end); without (0), up to 1000 names and no
// token. Returns InvalidParameterValue for a bad max or token.
func (s *Service) ListQueues(ctx context.Context, account, prefix string, max int, token string) ([]string, string, error) {
	return s.listNames(ctx, `SELECT name FROM sqs_queues WHERE account = ? AND name >= ? AND name < ? AND name > ? ORDER BY name LIMIT ?`,
		[]any{account, prefix, prefix + "\x7f"}, max, token)
}

// ListDeadLetterSourceQueues returns the names of the queues whose
// RedrivePolicy targets ref, paged as ListQueues pages. Returns
// QueueDoesNotExist.
func (s *Service) ListDeadLetterSourceQueues(ctx context.Context, ref QueueRef, max int, token string) ([]string, string, error) {
	if _, err := s.queue(ctx, ref); err != nil {
		return nil, "", err
	}
	return s.listNames(ctx, `SELECT name FROM sqs_queues WHERE account = ? AND dlq = ? AND name > ? ORDER BY name LIMIT ?`,
		[]any{ref.Account, ref.Name}, max, token)
}

// listNames runs query, whose last two parameters are the name to start
// after and the limit, for one page.
func (s *Service) listNames(ctx context.Context, query string, args []any, max int, token string) ([]string, string, error) {
	if max < 0 || max > maxListResults {
		return nil, "", invalidValue("MaxResults", max, "MaxResults must be an integer between 1 and 1000.")
	}
	limit := max
	if limit == 0 {
		limit = maxListResults
	}
	after := ""
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || !validName(string(b)) {
			return nil, "", invalidParameter("Invalid NextToken value.")
		}
		after = string(b)
	}
	var names []string
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, query, append(args, after, limit+1)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list queues: %w", err)
	}
	next := ""
	if len(names) > limit {
		names = names[:limit]
		if max > 0 {
			next = base64.RawURLEncoding.EncodeToString([]byte(names[limit-1]))
		}
	}
	return names, next, nil
}

// queueAttributeNames are the names GetQueueAttributes accepts.
func queueAttributeNames() []string {
	return []string{
		AttrAll, AttrPolicy, AttrVisibilityTimeout, AttrMaximumMessageSize, AttrMessageRetentionPeriod,
		AttrApproximateNumberOfMessages, AttrApproximateNumberOfMessagesNotVisible, AttrCreatedTimestamp,
		AttrLastModifiedTimestamp, AttrQueueArn, AttrApproximateNumberOfMessagesDelayed, AttrDelaySeconds,
		AttrReceiveMessageWaitTimeSeconds, AttrRedrivePolicy, AttrFifoQueue, AttrContentBasedDeduplication,
		AttrKmsMasterKeyID, AttrKmsDataKeyReusePeriodSeconds, AttrDeduplicationScope, AttrFifoThroughputLimit,
		AttrRedriveAllowPolicy, AttrSqsManagedSseEnabled,
	}
}

// effectiveAttributes are q's settable attributes with defaults filled in,
// as GetQueueAttributes reports them.
func effectiveAttributes(q *queue) map[string]string {
	eff := map[string]string{
		AttrVisibilityTimeout:             strconv.Itoa(DefaultVisibilityTimeout),
		AttrMaximumMessageSize:            strconv.Itoa(DefaultMaximumMessage),
		AttrMessageRetentionPeriod:        strconv.Itoa(DefaultRetentionPeriod),
		AttrDelaySeconds:                  "0",
		AttrReceiveMessageWaitTimeSeconds: "0",
		AttrSqsManagedSseEnabled:          "true",
	}
	if q.attrs[AttrKmsMasterKeyID] != "" {
		eff[AttrSqsManagedSseEnabled] = "false"
		eff[AttrKmsDataKeyReusePeriodSeconds] = strconv.Itoa(defaultKmsReusePeriod)
	}
	if q.fifo {
		eff[AttrFifoQueue] = "true"
		eff[AttrContentBasedDeduplication] = "false"
		eff[AttrDeduplicationScope] = "queue"
		eff[AttrFifoThroughputLimit] = "perQueue"
	}
	for k, v := range q.attrs {
		if v != "" {
			eff[k] = v
		}
	}
	return eff
}

// GetQueueAttributes returns the named attributes of ref ("All" for every
// one); attributes the queue does not have (a Policy it was not given) are
// left out. No names returns no attributes.
//
// Returns QueueDoesNotExist or InvalidAttributeName.
func (s *Service) GetQueueAttributes(ctx context.Context, ref QueueRef, names []string) (map[string]string, error) {
	known := queueAttributeNames()
	want := map[string]bool{}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, invalidAttributeName(n)
		}
		want[n] = true
	}
	q, err := s.queue(ctx, ref)
	if err != nil {
		return nil, err
	}
	all := effectiveAttributes(q)
	all[AttrQueueArn] = q.ref.ARN(s.region)
	all[AttrCreatedTimestamp] = strconv.FormatInt(q.created/1000, 10)
	all[AttrLastModifiedTimestamp] = strconv.FormatInt(q.modified/1000, 10)
	if want[AttrAll] || want[AttrApproximateNumberOfMessages] || want[AttrApproximateNumberOfMessagesNotVisible] || want[AttrApproximateNumberOfMessagesDelayed] {
		visible, inflight, delayed, err := s.counts(ctx, q)
		if err != nil {
			return nil, err
		}
		all[AttrApproximateNumberOfMessages] = strconv.FormatInt(visible, 10)
		all[AttrApproximateNumberOfMessagesNotVisible] = strconv.FormatInt(inflight, 10)
		all[AttrApproximateNumberOfMessagesDelayed] = strconv.FormatInt(delayed, 10)
	}
	if want[AttrAll] {
		return all, nil
	}
	out := map[string]string{}
	for n := range want {
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

// counts returns how many of q's messages are visible, in flight (received
// and invisible) and delayed (invisible, never received).
func (s *Service) counts(ctx context.Context, q *queue) (visible, inflight, delayed int64, err error) {
	now := millis(s.now())
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND visible_ms <= ?`, q.id, now).Scan(&visible); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN receive_count > 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN receive_count = 0 THEN 1 ELSE 0 END), 0)
			FROM sqs_messages WHERE queue_id = ? AND visible_ms > ?`, q.id, now).Scan(&inflight, &delayed)
	})
	if err != nil {
		err = fmt.Errorf("count messages of %s: %w", q.ref.Name, err)
	}
	return visible, inflight, delayed, err
}

// SetQueueAttributes sets attributes of ref (an empty Policy, RedrivePolicy,
// RedriveAllowPolicy or KmsMasterKeyId removes it). FifoQueue cannot change.
//
// Returns QueueDoesNotExist, InvalidAttributeName, InvalidAttributeValue or
// InvalidParameterValue (a RedrivePolicy whose target does not exist, is of
// the other type or does not admit the queue).
func (s *Service) SetQueueAttributes(ctx context.Context, ref QueueRef, attrs map[string]string) error {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return err
	}
	norm, err := s.normalize(attrs, q.fifo, false)
	if err != nil {
		return err
	}
	return s.changeQueue(ctx, ref, func(tx *store.Tx, q *queue) error {
		merged := maps.Clone(q.attrs)
		maps.Copy(merged, norm)
		if v, ok := norm[AttrKmsMasterKeyID]; ok && v != "" {
			if _, also := norm[AttrSqsManagedSseEnabled]; !also {
				merged[AttrSqsManagedSseEnabled] = "false"
			}
		}
		if norm[AttrSqsManagedSseEnabled] == "true" {
			delete(merged, AttrKmsMasterKeyID)
		}
		merged = dropEmpty(merged)
		dlq, err := s.checkRedrive(ctx, tx, ref, q.fifo, merged[AttrRedrivePolicy])
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sqs_queues SET attributes = ?, dlq = ?, modified_ms = ? WHERE id = ?`,
			encodeMap(merged), dlq, millis(s.now()), q.id)
		return err
	})
}

// changeQueue runs fn on ref's row in an Update and drops the cached queue.
func (s *Service) changeQueue(ctx context.Context, ref QueueRef, fn func(tx *store.Tx, q *queue) error) error {
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		q, err := readQueue(ctx, tx, ref)
		if err != nil {
			return err
		}
		return fn(tx, q)
	})
	s.forget(ref)
	return err
}

// purgeEvery is how often a queue may be purged.
const purgeEvery = 60 * 1000 // ms

// PurgeQueue deletes every message of ref. Returns QueueDoesNotExist, or
// PurgeQueueInProgress when the queue was purged less than 60 seconds ago.
func (s *Service) PurgeQueue(ctx context.Context, ref QueueRef) error {
	return s.changeQueue(ctx, ref, func(tx *store.Tx, q *queue) error {
		var purged int64
		if err := tx.QueryRow(ctx, `SELECT purged_ms FROM sqs_queues WHERE id = ?`, q.id).Scan(&purged); err != nil {
			return err
		}
		now := millis(s.now())
		if purged > 0 && now-purged < purgeEvery {
			return awserr.New(CodePurgeQueueInProgress, statusForbidden, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", ref.Name)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sqs_messages WHERE queue_id = ?`, q.id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sqs_queues SET purged_ms = ? WHERE id = ?`, now, q.id)
		return err
	})
}

// TagQueue adds or replaces tags of ref. Returns QueueDoesNotExist or
// InvalidParameterValue (bad tags, more than 50).
func (s *Service) TagQueue(ctx context.Context, ref QueueRef, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.changeQueue(ctx, ref, func(tx *store.Tx, q *queue) error {
		merged := maps.Clone(q.tags)
		maps.Copy(merged, tags)
		if len(merged) > maxTags {
			return invalidParameter("Too many tags added for queue %s.", ref.Name)
		}
		_, err := tx.Exec(ctx, `UPDATE sqs_queues SET tags = ? WHERE id = ?`, encodeMap(merged), q.id)
		return err
	})
}

// UntagQueue removes tags of ref by key (missing keys are ignored). Returns
// QueueDoesNotExist.
func (s *Service) UntagQueue(ctx context.Context, ref QueueRef, keys []string) error {
	return s.changeQueue(ctx, ref, func(tx *store.Tx, q *queue) error {
		tags := maps.Clone(q.tags)
		for _, k := range keys {
			delete(tags, k)
		}
		_, err := tx.Exec(ctx, `UPDATE sqs_queues SET tags = ? WHERE id = ?`, encodeMap(tags), q.id)
		return err
	})
}

// ListQueueTags returns the tags of ref. Returns QueueDoesNotExist.
func (s *Service) ListQueueTags(ctx context.Context, ref QueueRef) (map[string]string, error) {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return nil, err
	}
	return maps.Clone(q.tags), nil
}
