package sqs

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// maxTotalVisibility bounds how long after a receive a message may stay
// invisible through ChangeMessageVisibility.
const maxTotalVisibility = MaxVisibilityTimeout * time.Second

// handleRef is a decoded receipt handle.
type handleRef struct {
	seq   int64
	token []byte
}

// parseHandles decodes the receipt handles of q; errs holds
// ReceiptHandleIsInvalid for those that are not receipt handles of q.
func parseHandles(q *queue, handles []string) ([]handleRef, []error) {
	refs := make([]handleRef, len(handles))
	errs := make([]error, len(handles))
	for i, h := range handles {
		id, seq, token, ok := decodeHandle(h)
		if !ok || id != q.id {
			errs[i] = invalidHandle(h)
			continue
		}
		refs[i] = handleRef{seq: seq, token: token}
	}
	return refs, errs
}

// DeleteMessage deletes the message a receipt handle of ref came with. As on
// AWS, a handle from an earlier receive of a message received again since
// deletes nothing and succeeds on a standard queue; a FIFO queue answers
// ReceiptHandleIsInvalid for it, and for a handle whose visibility timeout
// has passed. Deleting a deleted message succeeds.
//
// Returns QueueDoesNotExist or ReceiptHandleIsInvalid.
func (s *Service) DeleteMessage(ctx context.Context, ref QueueRef, handle string) error {
	errs, err := s.DeleteMessages(ctx, ref, []string{handle})
	if err != nil {
		return err
	}
	return errs[0]
}

// DeleteMessages deletes the messages of several receipt handles of ref in
// one commit and returns each one's outcome as DeleteMessage would.
func (s *Service) DeleteMessages(ctx context.Context, ref QueueRef, handles []string) ([]error, error) {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return nil, err
	}
	refs, errs := parseHandles(q, handles)
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		now := millis(s.now())
		for i, h := range refs {
			if h.token == nil {
				continue
			}
			var err error
			if errs[i], err = deleteOne(ctx, tx, q, h, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete from %s: %w", q.ref.Name, err)
	}
	return errs, nil
}

// deleteOne deletes h's message in tx. The first result is the client's
// error, the second the store's.
func deleteOne(ctx context.Context, tx *store.Tx, q *queue, h handleRef, now int64) (clientErr, err error) {
	var receipt []byte
	var visible int64
	err = tx.QueryRow(ctx, `SELECT receipt, visible_ms FROM sqs_messages WHERE queue_id = ? AND seq = ?`, q.id, h.seq).Scan(&receipt, &visible)
	if store.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(receipt, h.token) || q.fifo && visible <= now {
		if q.fifo {
			return expiredHandle(), nil
		}
		return nil, nil
	}
	_, err = tx.Exec(ctx, `DELETE FROM sqs_messages WHERE queue_id = ? AND seq = ?`, q.id, h.seq)
	return nil, err
}

// VisibilityChange is one entry of ChangeMessageVisibilityBatch.
type VisibilityChange struct {
	ReceiptHandle string
	// VisibilityTimeout is the new timeout in seconds (0 to 43200), counted
	// from now.
	VisibilityTimeout int
}

// ChangeVisibility makes the in-flight message of a receipt handle of ref
// visible again after timeout seconds from now (0 makes it visible at once).
// A message stays invisible at most 12 hours after it was received.
//
// Returns QueueDoesNotExist, ReceiptHandleIsInvalid (also for a handle from
// an earlier receive), MessageNotInflight, or InvalidParameterValue.
func (s *Service) ChangeVisibility(ctx context.Context, ref QueueRef, handle string, timeout int) error {
	errs, err := s.ChangeVisibilities(ctx, ref, []VisibilityChange{{ReceiptHandle: handle, VisibilityTimeout: timeout}})
	if err != nil {
		return err
	}
	return errs[0]
}

// ChangeVisibilities applies several visibility changes to messages of ref
// in one commit and returns each one's outcome as ChangeVisibility would.
func (s *Service) ChangeVisibilities(ctx context.Context, ref QueueRef, changes []VisibilityChange) ([]error, error) {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return nil, err
	}
	handles := make([]string, len(changes))
	for i, c := range changes {
		handles[i] = c.ReceiptHandle
	}
	refs, errs := parseHandles(q, handles)
	for i, c := range changes {
		if errs[i] == nil && (c.VisibilityTimeout < 0 || c.VisibilityTimeout > MaxVisibilityTimeout) {
			errs[i] = invalidValue("VisibilityTimeout", c.VisibilityTimeout, "Must be >= 0 and <= 43200, if provided.")
			refs[i].token = nil
		}
	}
	visible := 0
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		visible = 0
		now := millis(s.now())
		for i, h := range refs {
			if h.token == nil {
				continue
			}
			var err error
			if errs[i], err = changeOne(ctx, tx, q, h, changes[i].VisibilityTimeout, now); err != nil {
				return err
			}
			if errs[i] == nil && changes[i].VisibilityTimeout == 0 {
				visible++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("change visibility in %s: %w", q.ref.Name, err)
	}
	s.wake(q.id, visible)
	return errs, nil
}

// changeOne sets h's message visible at now+timeout in tx. The first result
// is the client's error, the second the store's.
func changeOne(ctx context.Context, tx *store.Tx, q *queue, h handleRef, timeout int, now int64) (clientErr, err error) {
	var receipt []byte
	var visible, received int64
	err = tx.QueryRow(ctx, `SELECT receipt, visible_ms, received_ms FROM sqs_messages WHERE queue_id = ? AND seq = ?`, q.id, h.seq).
		Scan(&receipt, &visible, &received)
	switch {
	case store.IsNotFound(err):
		return notInflight(), nil
	case err != nil:
		return nil, err
	case !bytes.Equal(receipt, h.token):
		return expiredHandle(), nil
	case visible <= now:
		return notInflight(), nil
	}
	until := now + int64(timeout)*1000
	if until > received+maxTotalVisibility.Milliseconds() {
		return invalidValue("VisibilityTimeout", timeout, "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"), nil
	}
	_, err = tx.Exec(ctx, `UPDATE sqs_messages SET visible_ms = ? WHERE queue_id = ? AND seq = ?`, until, q.id, h.seq)
	return nil, err
}
