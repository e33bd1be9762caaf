package sns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Kinds of delivery rows.
const (
	kindNotification = "notification"
	kindConfirm      = "confirm"
	kindUnsubscribe  = "unsubscribe"
)

func kindOf(envelopeType string) string {
	if envelopeType == "UnsubscribeConfirmation" {
		return kindUnsubscribe
	}
	return kindConfirm
}

// delivery is one row of sns_deliveries: one message for one endpoint.
type delivery struct {
	id, messageID, subARN, topicARN string
	kind, protocol, endpoint        string
	// payload is the signed message of confirmation kinds.
	payload  string
	fifoKey  string
	seq      int64
	attempts int
	dueMS    int64
}

func insertDelivery(ctx context.Context, tx *store.Tx, d *delivery) error {
	_, err := tx.Exec(ctx, `INSERT INTO sns_deliveries (id, message_id, sub_arn, topic_arn, kind, protocol, endpoint, payload, fifo_key, seq, attempts, due_ms, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '')`, d.id, d.messageID, d.subARN, d.topicARN, d.kind, d.protocol, d.endpoint, d.payload, d.fifoKey, d.seq, d.dueMS)
	return err
}

// dispatchBatch bounds the rows one look at the table hands out.
const dispatchBatch = 256

// run is the dispatcher: it hands due deliveries to the workers until stop
// closes, then waits for them.
func (s *Service) run(stop, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Ends with run: either stop closes or cancel runs.
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	jobs := make(chan *delivery)
	var wg sync.WaitGroup
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				s.attempt(ctx, d)
				s.flightMu.Lock()
				delete(s.inFlight, d.id)
				s.finished[d.id] = true
				s.flightMu.Unlock()
				s.notify()
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wait, err := s.dispatch(ctx, jobs)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("sns dispatch", "error", err)
			wait = s.pollEvery
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// dispatch hands the due deliveries that are not in flight to the workers
// and returns how long to sleep before looking again.
func (s *Service) dispatch(ctx context.Context, jobs chan<- *delivery) (time.Duration, error) {
	// Rows finished before this read began are deleted or rescheduled in
	// the table; only those finished from now on can be stale in it.
	s.flightMu.Lock()
	clear(s.finished)
	s.flightMu.Unlock()
	now := millis(s.now())
	var due []*delivery
	var next sql.NullInt64
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, message_id, sub_arn, topic_arn, kind, protocol, endpoint, payload, fifo_key, seq, attempts, due_ms
			FROM sns_deliveries d WHERE due_ms <= ?
			AND (fifo_key = '' OR NOT EXISTS (SELECT 1 FROM sns_deliveries e WHERE e.fifo_key = d.fifo_key AND e.seq < d.seq))
			ORDER BY due_ms, id LIMIT ?`, now, dispatchBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d delivery
			if err := rows.Scan(&d.id, &d.messageID, &d.subARN, &d.topicARN, &d.kind, &d.protocol, &d.endpoint, &d.payload,
				&d.fifoKey, &d.seq, &d.attempts, &d.dueMS); err != nil {
				return err
			}
			due = append(due, &d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT MIN(due_ms) FROM sns_deliveries WHERE due_ms > ?`, now).Scan(&next)
	})
	if err != nil {
		return 0, fmt.Errorf("read due deliveries: %w", err)
	}
	handed := 0
	for _, d := range due {
		s.flightMu.Lock()
		busy := s.inFlight[d.id] || s.finished[d.id]
		if !busy {
			s.inFlight[d.id] = true
		}
		s.flightMu.Unlock()
		if busy {
			continue
		}
		select {
		case jobs <- d:
			handed++
		case <-ctx.Done():
			return 0, nil
		}
	}
	wait := s.pollEvery
	if len(due) == dispatchBatch && handed > 0 {
		wait = 0 // there may be more due right now
	}
	if next.Valid {
		if until := time.Duration(next.Int64-now) * time.Millisecond; until < wait {
			wait = until
		}
	}
	return wait, nil
}

// job is what one attempt needs besides its row.
type job struct {
	topic *Topic
	sub   *Subscription // nil for confirmation kinds
	msg   *message      // nil for confirmation kinds
}

// attempt makes one delivery attempt and records its outcome.
func (s *Service) attempt(ctx context.Context, d *delivery) {
	j, err := s.load(ctx, d)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("sns delivery: read", "delivery", d.id, "error", err)
			s.reschedule(ctx, d, d.attempts, s.pollEvery, err)
		}
		return
	}
	if j == nil {
		// The subscription, topic or message is gone: nothing to deliver.
		s.finish(ctx, d)
		return
	}
	sendErr := s.send(ctx, d, j)
	if ctx.Err() != nil {
		return // stopping: the row stays and is sent again after a restart
	}
	if sendErr == nil {
		s.finish(ctx, d)
		return
	}
	n := d.attempts + 1
	delay, ok := s.retryDelay(d, j, n)
	if ok {
		s.log.Debug("sns delivery failed; will retry", "subscription", d.subARN, "attempt", n, "error", sendErr)
		s.reschedule(ctx, d, n, delay, sendErr)
		return
	}
	s.log.Warn("sns delivery failed; retries exhausted", "subscription", d.subARN, "endpoint", d.endpoint, "error", sendErr)
	if err := s.deadLetter(ctx, d, j, sendErr); err != nil {
		s.log.Error("sns delivery: dead-letter queue", "subscription", d.subARN, "error", err)
		s.reschedule(ctx, d, d.attempts, 20*time.Second, err)
		return
	}
	s.finish(ctx, d)
}

// load reads what an attempt needs; nil when there is nothing to deliver.
func (s *Service) load(ctx context.Context, d *delivery) (*job, error) {
	var j job
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if j.topic, err = getTopic(ctx, tx, d.topicARN); err != nil {
			return err
		}
		if d.kind != kindNotification {
			return nil
		}
		if j.sub, err = getSubscriptionBy(ctx, tx, `arn = ?`, d.subARN); err != nil {
			return err
		}
		var body string
		if err := tx.QueryRow(ctx, `SELECT body FROM sns_messages WHERE id = ?`, d.messageID).Scan(&body); err != nil {
			return err
		}
		j.msg = &message{}
		return json.Unmarshal([]byte(body), j.msg)
	})
	if errors.Is(err, errNoTopic) || errors.Is(err, errNoSubscription) || errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if j.sub != nil && j.sub.Pending {
		return nil, nil
	}
	return &j, nil
}

// errNoSender is a delivery to a protocol nothing was wired for.
var errNoSender = errors.New("no sender is configured for this protocol")

// send makes the attempt.
func (s *Service) send(ctx context.Context, d *delivery, j *job) error {
	if d.kind != kindNotification {
		switch d.protocol {
		case ProtocolHTTP, ProtocolHTTPS:
			typ := "SubscriptionConfirmation"
			if d.kind == kindUnsubscribe {
				typ = "UnsubscribeConfirmation"
			}
			_, ctype := httpPolicy(j.topic.Attributes[attrDeliveryPolicy], "")
			return s.post(ctx, d.endpoint, map[string]string{
				"x-amz-sns-message-type": typ, "x-amz-sns-message-id": d.messageID, "x-amz-sns-topic-arn": d.topicARN,
				"Content-Type": ctype, "User-Agent": userAgent,
			}, []byte(d.payload))
		case ProtocolSQS:
			if s.queues == nil {
				return errNoSender
			}
			_, err := s.queues.SendToQueue(ctx, d.endpoint, d.payload, nil)
			return err
		}
		return nil
	}
	sub, m := j.sub, j.msg
	switch sub.Protocol {
	case ProtocolSQS:
		if s.queues == nil {
			return errNoSender
		}
		body, attrs := s.notification(j.topic, sub, m).encode(), map[string]MessageAttribute(nil)
		if sub.raw() {
			body, attrs = m.forProtocol(sub.Protocol), m.Attributes
		}
		if j.topic.FIFO {
			fq, ok := s.queues.(FIFOQueueSender)
			if !ok {
				return errors.New("the queue sender cannot send to FIFO queues")
			}
			_, err := fq.SendToFIFOQueue(ctx, sub.Endpoint, body, attrs, m.GroupID, m.DedupID)
			return err
		}
		_, err := s.queues.SendToQueue(ctx, sub.Endpoint, body, attrs)
		return err
	case ProtocolLambda:
		if s.functions == nil {
			return errNoSender
		}
		return s.functions.InvokeAsync(ctx, sub.Endpoint, j.topic.ARN, s.lambdaPayload(j.topic, sub, m))
	case ProtocolHTTP, ProtocolHTTPS:
		_, ctype := httpPolicy(j.topic.Attributes[attrDeliveryPolicy], sub.Attributes[attrDeliveryPolicy])
		header := map[string]string{
			"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": m.ID, "x-amz-sns-topic-arn": j.topic.ARN,
			"x-amz-sns-subscription-arn": sub.ARN, "Content-Type": ctype, "User-Agent": userAgent,
		}
		body := s.notification(j.topic, sub, m).encode()
		if sub.raw() {
			body = m.forProtocol(sub.Protocol)
			header["x-amz-sns-rawdelivery"] = "true"
		}
		return s.post(ctx, sub.Endpoint, header, []byte(body))
	}
	return fmt.Errorf("protocol %s is not delivered", sub.Protocol)
}

const userAgent = "Amazon Simple Notification Service Agent"

// post sends an http/https delivery. As on AWS, a status from 200 to 499
// ends the delivery (the endpoint answered); 5xx, timeouts and refused
// connections are failures to retry.
func (s *Service) post(ctx context.Context, url string, header map[string]string, body []byte) error {
	if s.http == nil {
		return errNoSender
	}
	status, err := s.http.Post(ctx, url, header, body)
	if err != nil {
		return err
	}
	if status < 200 || status >= 500 {
		return fmt.Errorf("endpoint answered HTTP status %d", status)
	}
	return nil
}

// retryDelay is the wait before retry number n of d, false when its
// policy's retries are exhausted.
func (s *Service) retryDelay(d *delivery, j *job, n int) (time.Duration, bool) {
	if d.protocol == ProtocolHTTP || d.protocol == ProtocolHTTPS {
		subPolicy := ""
		if j.sub != nil {
			subPolicy = j.sub.Attributes[attrDeliveryPolicy]
		}
		p, _ := httpPolicy(j.topic.Attributes[attrDeliveryPolicy], subPolicy)
		if n > p.NumRetries {
			return 0, false
		}
		return p.delay(n), true
	}
	return managedRetryDelay(n)
}

// deadLetter sends a notification whose retries are exhausted to its
// subscription's dead-letter queue, if it has one.
func (s *Service) deadLetter(ctx context.Context, d *delivery, j *job, cause error) error {
	if j.sub == nil || j.msg == nil || j.sub.Attributes[attrRedrivePolicy] == "" {
		return nil
	}
	dlq, err := deadLetterTarget(j.sub.Attributes[attrRedrivePolicy])
	if err != nil {
		return nil
	}
	if s.queues == nil {
		return errNoSender
	}
	body := s.notification(j.topic, j.sub, j.msg).encode()
	attrs := map[string]MessageAttribute{}
	if j.sub.raw() {
		body = j.msg.forProtocol(j.sub.Protocol)
		for k, v := range j.msg.Attributes {
			attrs[k] = v
		}
	}
	attrs["ErrorCode"] = MessageAttribute{DataType: "String", StringValue: "EndpointUnavailable"}
	attrs["ErrorMessage"] = MessageAttribute{DataType: "String", StringValue: truncate(cause.Error(), 1024)}
	attrs["NumberOfRetries"] = MessageAttribute{DataType: "Number", StringValue: strconv.Itoa(d.attempts + 1)}
	if j.topic.FIFO {
		fq, ok := s.queues.(FIFOQueueSender)
		if !ok {
			return errors.New("the queue sender cannot send to FIFO queues")
		}
		_, err = fq.SendToFIFOQueue(ctx, dlq, body, attrs, j.msg.GroupID, j.msg.DedupID)
		return err
	}
	_, err = s.queues.SendToQueue(ctx, dlq, body, attrs)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// finish deletes a delivered (or undeliverable) row, and its message with
// the last of its deliveries.
func (s *Service) finish(ctx context.Context, d *delivery) {
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sns_deliveries WHERE id = ?`, d.id); err != nil {
			return err
		}
		if d.messageID == "" || d.kind != kindNotification {
			return nil
		}
		_, err := tx.Exec(ctx, `DELETE FROM sns_messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sns_deliveries WHERE message_id = ?)`, d.messageID, d.messageID)
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("sns delivery: finish", "delivery", d.id, "error", err)
	}
}

// reschedule records a failed attempt: the row is due again after delay.
func (s *Service) reschedule(ctx context.Context, d *delivery, attempts int, delay time.Duration, cause error) {
	due := s.now().Add(delay)
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sns_deliveries SET attempts = ?, due_ms = ?, last_error = ? WHERE id = ?`,
			attempts, millis(due), truncate(cause.Error(), 1024), d.id)
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("sns delivery: reschedule", "delivery", d.id, "error", err)
	}
}

// PendingDeliveries returns how many deliveries are not done yet (tests and
// diagnostics).
func (s *Service) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	err := s.st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM sns_deliveries`).Scan(&n)
	})
	return n, err
}
