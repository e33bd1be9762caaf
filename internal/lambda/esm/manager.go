package esm

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
)

// Queue is the SQS side of the pollers. The server implements it over
// internal/sqs. Both methods return promptly when ctx ends: the pollers end
// a batching window by a deadline on ctx.
type Queue interface {
	// Receive returns up to max (1-10) messages of the queue queueARN,
	// waiting up to wait (whole seconds, at most 20) for the first one, or
	// until ctx ends, with no error or ctx's. Received messages are invisible
	// for the queue's visibility timeout and count a receive, so the queue's
	// redrive policy applies to them. Messages carry every system attribute
	// and every message attribute.
	Receive(ctx context.Context, queueARN string, max int, wait time.Duration) ([]Message, error)
	// Delete deletes the message receiptHandle names.
	Delete(ctx context.Context, queueARN, receiptHandle string) error
}

// Message is one received SQS message.
type Message struct {
	ID, ReceiptHandle, Body, MD5OfBody string
	// Attributes are the system attributes by name (ApproximateReceiveCount,
	// SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp and, for FIFO
	// queues, MessageGroupId, MessageDeduplicationId, SequenceNumber).
	Attributes        map[string]string
	MessageAttributes map[string]MessageAttribute
}

// MessageAttribute is a message attribute: StringValue for the String and
// Number data types, BinaryValue for Binary.
type MessageAttribute struct {
	DataType, StringValue string
	BinaryValue           []byte
}

// Invoker runs a synchronous invocation; *dataplane.Runner implements it.
// Throttling is a *awserr.Error TooManyRequestsException; function errors are
// Responses with FunctionError set.
type Invoker interface {
	Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error)
}

// Mappings are the event source mappings; *lambda.Service implements it.
type Mappings interface {
	AllEventSourceMappings(ctx context.Context) ([]*lambda.EventSourceMapping, error)
	// MappingsChanged is signalled after a write to the mappings.
	MappingsChanged() <-chan struct{}
	// RecordProcessingResult sets a mapping's LastProcessingResult.
	RecordProcessingResult(ctx context.Context, uuid, result string) error
}

// Processing results a mapping reports.
const (
	ResultOK     = "OK"
	ResultFailed = "PROBLEM: Function call failed"
)

// Config holds what a Manager needs; Queue, Invoker and Mappings are
// required.
type Config struct {
	Queue    Queue
	Invoker  Invoker
	Mappings Mappings
	// Region is the awsRegion of the records.
	Region string
	Logger *slog.Logger
	// MaxWait bounds one long poll; zero means 20 s, SQS's longest.
	MaxWait time.Duration
	// RetryDelay is the pause of a mapping's pollers after a throttled or
	// failed invoke or receive, doubling while they repeat up to
	// MaxRetryDelay. Zero means 1 s and 30 s.
	RetryDelay, MaxRetryDelay time.Duration
	// Concurrency is a mapping's concurrent invocations without a
	// ScalingConfig; zero means 5.
	Concurrency int
	// Rand is the source of request ids; nil means crypto/rand.
	Rand io.Reader
}

// Defaults.
const (
	defaultMaxWait       = 20 * time.Second
	defaultRetryDelay    = time.Second
	defaultMaxRetryDelay = 30 * time.Second
	defaultConcurrency   = 5
	// maxReceivers bounds the goroutines of one mapping that receive; more
	// concurrency is more invocations in flight, not more receivers.
	maxReceivers = 5
	// maxReceive is SQS's largest ReceiveMessage.
	maxReceive = 10
	// deleteTimeout bounds the deletion of a processed batch during Stop.
	deleteTimeout = 5 * time.Second
	// parallelDeletes bounds the deletions in flight for one batch.
	parallelDeletes = 16
	// reconcileRetry is the wait before reading the mappings again after a
	// failed read.
	reconcileRetry = time.Second
)

// Manager runs the pollers of every Enabled mapping. Start and Stop bound
// its goroutines.
type Manager struct {
	cfg Config

	ctx    context.Context // cancelled by Stop
	cancel context.CancelFunc
	wg     sync.WaitGroup // the loop, every receiver and every invocation
	start  sync.Once

	mu     sync.Mutex        // guards groups
	groups map[string]*group // by mapping UUID; changed by the loop only
}

// New returns a Manager; Start starts it.
func New(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = defaultMaxWait
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = defaultRetryDelay
	}
	if cfg.MaxRetryDelay <= 0 {
		cfg.MaxRetryDelay = defaultMaxRetryDelay
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	m := &Manager{cfg: cfg, groups: map[string]*group{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m
}

// Start reads the mappings and starts their pollers, and follows their
// changes until Stop.
func (m *Manager) Start() {
	m.start.Do(func() {
		m.wg.Add(1)
		go m.loop()
	})
}

// Stop stops every poller and waits for them. Invocations in progress are
// cancelled and their messages are not deleted: they come back after the
// queue's visibility timeout.
func (m *Manager) Stop() {
	m.cancel()
	m.wg.Wait()
}

// Active returns the UUIDs of the mappings that have pollers, sorted.
func (m *Manager) Active() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.groups))
	for id := range m.groups {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (m *Manager) loop() {
	defer m.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var retry <-chan time.Time
		if err := m.reconcile(); err != nil && m.ctx.Err() == nil {
			m.cfg.Logger.Error("read event source mappings", "err", err)
			timer.Reset(reconcileRetry)
			retry = timer.C
		}
		select {
		case <-m.ctx.Done():
			return
		case <-m.cfg.Mappings.MappingsChanged():
		case <-retry:
		}
	}
}

// reconcile starts the pollers of Enabled mappings that have none, and stops
// those of mappings deleted, disabled or changed (which start again with the
// new settings).
func (m *Manager) reconcile() error {
	all, err := m.cfg.Mappings.AllEventSourceMappings(m.ctx)
	if err != nil {
		return err
	}
	want := map[string]*lambda.EventSourceMapping{}
	for _, mp := range all {
		if mp.Enabled {
			want[mp.UUID] = mp
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, g := range m.groups {
		if w, ok := want[id]; !ok || settings(w) != g.settings {
			g.cancel()
			delete(m.groups, id)
		}
	}
	for id, mp := range want {
		if _, ok := m.groups[id]; !ok {
			m.groups[id] = m.startGroup(mp)
		}
	}
	return nil
}

// settings is what a mapping's pollers depend on: a change restarts them.
func settings(mp *lambda.EventSourceMapping) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%d|%t|%d", mp.Account, mp.EventSourceARN, mp.FunctionName, mp.Qualifier,
		mp.BatchSize, mp.MaximumBatchingWindowInSeconds, mp.ReportsBatchItemFailures(), mp.MaximumConcurrency)
}

// group is the pollers of one mapping.
type group struct {
	m        *Manager
	mapping  *lambda.EventSourceMapping // read-only
	settings string
	log      *slog.Logger
	cancel   context.CancelFunc // stops receiving; invocations in flight finish
	slots    chan struct{}      // one per invocation in flight

	mu         sync.Mutex // guards the fields below
	failures   int        // consecutive throttles and failures
	pauseUntil time.Time
	lastResult string
}

func (m *Manager) startGroup(mp *lambda.EventSourceMapping) *group {
	n := m.cfg.Concurrency
	if mp.MaximumConcurrency > 0 {
		n = int(mp.MaximumConcurrency)
	}
	ctx, cancel := context.WithCancel(m.ctx)
	g := &group{
		m: m, mapping: mp, settings: settings(mp), cancel: cancel, slots: make(chan struct{}, n),
		log:        m.cfg.Logger.With("event_source_mapping", mp.UUID, "queue", mp.EventSourceARN, "function", mp.FunctionARN),
		lastResult: mp.LastProcessingResult,
	}
	for range min(n, maxReceivers) {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			g.receive(ctx)
		}()
	}
	return g
}

// receive gathers batches and hands each to an invocation of its own, while
// the mapping has a free invocation slot, until ctx ends.
func (g *group) receive(ctx context.Context) {
	for {
		select {
		case g.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		// A slot is free once an invocation returned, and so has set the
		// pause its failure calls for.
		if !g.waitPause(ctx) {
			<-g.slots
			return
		}
		msgs, err := g.gather(ctx)
		if err != nil && ctx.Err() == nil {
			g.log.Warn("receive from the event source", "err", err)
			g.failed()
		}
		if len(msgs) == 0 {
			<-g.slots
			continue
		}
		g.m.wg.Add(1)
		go func() {
			defer g.m.wg.Done()
			defer func() { <-g.slots }()
			g.process(msgs)
		}()
	}
}

// waitPause waits out a pause after failures; false if ctx ended.
func (g *group) waitPause(ctx context.Context) bool {
	g.mu.Lock()
	wait := time.Until(g.pauseUntil)
	g.mu.Unlock()
	if wait <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// failed pauses the pollers, twice as long as last time.
func (g *group) failed() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures++
	delay := g.m.cfg.RetryDelay
	for i := 1; i < g.failures && delay < g.m.cfg.MaxRetryDelay; i++ {
		delay *= 2
	}
	g.pauseUntil = time.Now().Add(min(delay, g.m.cfg.MaxRetryDelay))
}

func (g *group) succeeded() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = 0
}

// gather long-polls for a first message, then, with a batching window,
// receives more until the batch is full, its payload is as large as an
// invocation takes, or the window (counted from the first message) is over.
// A receive that fails after the first keeps what was gathered.
func (g *group) gather(ctx context.Context) ([]Message, error) {
	mp, q := g.mapping, g.m.cfg.Queue
	batch := int(mp.BatchSize)
	msgs, err := q.Receive(ctx, mp.EventSourceARN, min(batch, maxReceive), g.m.cfg.MaxWait)
	if err != nil || len(msgs) == 0 || mp.MaximumBatchingWindowInSeconds == 0 {
		return msgs, err
	}
	deadline := time.Now().Add(mp.BatchingWindow())
	size := 0
	for _, msg := range msgs {
		size += recordSize(msg)
	}
	for len(msgs) < batch && size < dataplane.MaxPayloadBytes {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		// Queues wait whole seconds: the window's end is the deadline of a
		// wait rounded up.
		wctx, cancel := context.WithDeadline(ctx, deadline)
		more, err := q.Receive(wctx, mp.EventSourceARN, min(batch-len(msgs), maxReceive), ceilSecond(min(left, g.m.cfg.MaxWait)))
		cancel()
		if err != nil {
			if wctx.Err() == nil {
				g.log.Warn("receive from the event source", "err", err)
			}
			break
		}
		for _, msg := range more {
			size += recordSize(msg)
		}
		msgs = append(msgs, more...)
	}
	return msgs, nil
}

// ceilSecond rounds d up to whole seconds.
func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1) / time.Second * time.Second
}

// process invokes the function with msgs, in as many invocations as the
// payload limit needs, in order; it stops at the first that fails, leaving
// the rest to come back after the visibility timeout.
func (g *group) process(msgs []Message) {
	for _, part := range split(msgs, g.mapping.EventSourceARN, g.m.cfg.Region, dataplane.MaxPayloadBytes) {
		if !g.invoke(part) {
			return
		}
	}
}

// invoke runs one invocation and deletes what it processed; true if every
// message was.
func (g *group) invoke(b batch) bool {
	ctx := g.m.ctx
	mp := g.mapping
	id, err := requestID(g.m.cfg.Rand)
	if err != nil {
		g.log.Error("make a request id", "err", err)
		return false
	}
	resp, err := g.m.cfg.Invoker.Invoke(ctx, dataplane.Request{Account: mp.Account, FunctionName: mp.FunctionName,
		Qualifier: mp.Qualifier, RequestID: id, Payload: b.payload})
	log := g.log.With("request_id", id)
	if err != nil {
		if ctx.Err() != nil {
			return false // stopping: the messages come back
		}
		log.Warn("invoke the function with a batch; its messages stay in the queue", "err", err)
		g.failed()
		if !awserr.Is(err, lambda.CodeTooManyRequests) {
			g.record(ResultFailed)
		}
		return false
	}
	g.succeeded()
	if resp.FunctionError != "" {
		log.Info("the function failed a batch; its messages stay in the queue", "function_error", resp.FunctionError)
		g.record(ResultFailed)
		return false
	}
	failed := map[string]bool{}
	if mp.ReportsBatchItemFailures() {
		var ok bool
		if failed, ok = batchItemFailures(resp.Payload, b.ids); !ok {
			log.Info("the function's batchItemFailures do not parse or name a message not in the batch; its messages stay in the queue")
			g.record(ResultFailed)
			return false
		}
	}
	g.delete(b, failed, log)
	g.record(ResultOK)
	return len(failed) == 0
}

// delete deletes the batch's messages but the failed ones, a few at a time
// so that the queue's store commits them together. It goes on during Stop for
// a while, so that a batch that was processed is not delivered again.
func (g *group) delete(b batch, failed map[string]bool, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(g.m.ctx), deleteTimeout)
	defer cancel()
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelDeletes)
	for i, handle := range b.handles {
		if failed[b.ids[i]] {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := g.m.cfg.Queue.Delete(ctx, g.mapping.EventSourceARN, handle); err != nil {
				log.Warn("delete a processed message; it will be delivered again", "message_id", b.ids[i], "err", err)
			}
		}()
	}
	wg.Wait()
}

// record reports the mapping's LastProcessingResult when it changes.
func (g *group) record(result string) {
	g.mu.Lock()
	same := g.lastResult == result
	g.lastResult = result
	g.mu.Unlock()
	if same {
		return
	}
	if err := g.m.cfg.Mappings.RecordProcessingResult(context.WithoutCancel(g.m.ctx), g.mapping.UUID, result); err != nil {
		g.log.Warn("record the last processing result", "err", err)
	}
}

// requestID is a random UUID.
func requestID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
