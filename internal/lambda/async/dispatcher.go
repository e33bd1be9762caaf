package async

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Invoker runs a synchronous invocation; *dataplane.Runner implements it.
type Invoker interface {
	Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error)
}

// Functions answers what applies to a function's events; *lambda.Service
// implements it.
type Functions interface {
	EventConfigFor(ctx context.Context, account, name, qualifier string) (*lambda.EventInvokeConfig, error)
	ResolveForInvoke(ctx context.Context, account, nameOrARN, qualifier string) (lambda.Resolved, error)
}

// Attribute is a message attribute of a dead letter.
type Attribute struct{ DataType, Value string }

// Destinations hands records and dead letters to SQS queues, SNS topics and
// Lambda functions, by ARN. The server implements it over those services.
type Destinations interface {
	Send(ctx context.Context, targetARN string, body []byte, attrs map[string]Attribute) error
}

// Config holds what a Dispatcher needs.
type Config struct {
	Store        *store.Store
	Sealer       Sealer
	Invoker      Invoker
	Functions    Functions
	Destinations Destinations
	// RetryDelay is the wait before the first retry of a function error; the
	// second waits twice as long. Zero means a minute, as on AWS.
	RetryDelay time.Duration
	// ThrottleDelay and MaxThrottleDelay bound the backoff of throttled
	// events (and of destinations that refuse a record). Zero means 1 s and
	// 5 minutes, as on AWS.
	ThrottleDelay, MaxThrottleDelay time.Duration
	// Workers bounds concurrent deliveries; zero means 64.
	Workers int
	Logger  *slog.Logger
	Now     func() time.Time
}

// Dispatcher accepts events and delivers them. Start and Stop bound its
// goroutines.
type Dispatcher struct {
	cfg   Config
	q     *queue
	slots chan struct{} // one per delivery in progress

	ctx    context.Context // cancelled by Stop
	cancel context.CancelFunc
	wg     sync.WaitGroup // the loop and every delivery
	start  sync.Once
}

// New migrates the queue and returns a Dispatcher with every event a
// previous run left scheduled.
func New(ctx context.Context, cfg Config) (*Dispatcher, error) {
	if cfg.Store == nil || cfg.Sealer == nil || cfg.Invoker == nil || cfg.Functions == nil || cfg.Destinations == nil {
		return nil, errors.New("new lambda async dispatcher: store, sealer, invoker, functions and destinations are required")
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = time.Minute
	}
	if cfg.ThrottleDelay <= 0 {
		cfg.ThrottleDelay = time.Second
	}
	if cfg.MaxThrottleDelay <= 0 {
		cfg.MaxThrottleDelay = 5 * time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	q, err := newQueue(ctx, cfg.Store, cfg.Sealer, cfg.Now)
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{cfg: cfg, q: q, slots: make(chan struct{}, cfg.Workers)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d, nil
}

// Enqueue accepts an event: it returns once the event is committed and synced.
// A payload over 1 MB is RequestTooLargeException.
func (d *Dispatcher) Enqueue(ctx context.Context, ev Event) error {
	return d.q.enqueue(ctx, ev)
}

// Pending counts the events accepted and not yet finished.
func (d *Dispatcher) Pending(ctx context.Context) (int, error) { return d.q.pending(ctx) }

// Start starts delivering.
func (d *Dispatcher) Start() {
	d.start.Do(func() {
		d.wg.Add(1)
		go d.loop()
	})
}

// Stop stops delivering and waits for deliveries in progress; those cut
// short are delivered again by the next run.
func (d *Dispatcher) Stop() {
	d.cancel()
	d.wg.Wait()
}

func (d *Dispatcher) loop() {
	defer d.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		ids, next := d.q.take(d.cfg.Now(), cap(d.slots)-len(d.slots))
		for _, id := range ids {
			d.slots <- struct{}{}
			d.wg.Add(1)
			go func() {
				defer d.wg.Done()
				defer d.release()
				d.deliver(id)
			}()
		}
		timer.Stop()
		var tc <-chan time.Time
		if !next.IsZero() && len(d.slots) < cap(d.slots) {
			timer.Reset(max(time.Until(next), 0))
			tc = timer.C
		}
		select {
		case <-d.ctx.Done():
			return
		case <-d.q.wake:
		case <-tc:
		}
	}
}

// release frees a delivery slot and lets the loop look for more work.
func (d *Dispatcher) release() {
	<-d.slots
	select {
	case d.q.wake <- struct{}{}:
	default:
	}
}

// outcome is what is left to do for an event whose invocation is over: the
// record for destinations and the dead letter's attributes.
type outcome struct {
	Success      bool
	Record       json.RawMessage
	Destination  string // OnSuccess or OnFailure
	DeadLetter   string // the dead-letter target, on failure
	ErrorCode    string
	ErrorMessage string
}

// deliver runs one event's next step: its invocation, or the routing of its
// outcome.
func (d *Dispatcher) deliver(id int64) {
	ctx := d.ctx
	log := d.cfg.Logger.With("event", id)
	ev, err := d.q.load(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return
	}
	if err != nil {
		d.later(id, err, log)
		return
	}
	log = log.With("function", ev.Function, "request_id", ev.RequestID)
	var out outcome
	if ev.Outcome != nil {
		if err := json.Unmarshal(ev.Outcome, &out); err != nil {
			log.Error("drop event with an unreadable outcome", "err", err)
			_ = d.q.done(ctx, ev.ID)
			return
		}
		d.route(ctx, ev, out, log)
		return
	}
	cfg, err := d.cfg.Functions.EventConfigFor(ctx, ev.Account, ev.Function, ev.Qualifier)
	if err != nil {
		d.later(id, err, log)
		return
	}
	now := d.cfg.Now()
	if now.Sub(ev.Enqueued) > cfg.MaxAge() {
		d.fail(ctx, ev, cfg, "EventAgeExceeded", nil, "", log)
		return
	}
	resp, err := d.cfg.Invoker.Invoke(ctx, dataplane.Request{Account: ev.Account, FunctionName: ev.Function,
		Qualifier: ev.Qualifier, RequestID: ev.RequestID, Payload: ev.Payload})
	if ctx.Err() != nil {
		return // stopping: the next run delivers it
	}
	if err != nil {
		if ae, ok := awserr.As(err); ok && ae.Code == lambda.CodeResourceNotFound {
			// AWS discards the events of a function that no longer exists.
			log.Warn("discard event of a deleted function", "err", err)
			_ = d.q.done(ctx, ev.ID)
			return
		}
		// Throttled, Pending, or the platform failed: wait and try again.
		ev.Throttles++
		d.retryAt(ctx, ev, now.Add(d.throttleDelay(ev.Throttles)), log)
		return
	}
	ev.Attempts++
	if resp.FunctionError == "" {
		rec := record(ev, d.cfg.Now(), "Success", resp)
		d.route(ctx, ev, outcome{Success: true, Record: rec, Destination: cfg.OnSuccessOrEmpty()}, log)
		return
	}
	if ev.Attempts <= cfg.Retries() {
		d.retryAt(ctx, ev, now.Add(d.cfg.RetryDelay*time.Duration(ev.Attempts)), log)
		return
	}
	d.fail(ctx, ev, cfg, "RetriesExhausted", resp, resp.DeadLetterTarget, log)
}

// fail routes a failed event: OnFailure gets the record, the dead-letter
// target the original event.
func (d *Dispatcher) fail(ctx context.Context, ev *Event, cfg *lambda.EventInvokeConfig, condition string, resp *dataplane.Response, dlq string, log *slog.Logger) {
	out := outcome{Record: record(ev, d.cfg.Now(), condition, resp), Destination: cfg.OnFailureOrEmpty(), DeadLetter: dlq}
	if resp == nil {
		// No invocation ran (the event expired): the dead-letter target is
		// the one of the version it would have run.
		if r, err := d.cfg.Functions.ResolveForInvoke(ctx, ev.Account, ev.Function, ev.Qualifier); err == nil {
			out.DeadLetter = r.Version.DeadLetterTarget
		}
		out.ErrorCode, out.ErrorMessage = "200", "Event age exceeded: the event was not processed within MaximumEventAgeInSeconds."
	} else {
		out.ErrorCode = strconv.Itoa(resp.StatusCode)
		out.ErrorMessage = errorMessage(resp.Payload)
	}
	d.route(ctx, ev, out, log)
}

// route hands the outcome to its destinations, then forgets the event. A
// destination that refuses keeps the event, with its outcome, for later.
func (d *Dispatcher) route(ctx context.Context, ev *Event, out outcome, log *slog.Logger) {
	var errs []error
	if out.Destination != "" {
		errs = append(errs, d.cfg.Destinations.Send(ctx, out.Destination, out.Record, nil))
	}
	if out.DeadLetter != "" {
		errs = append(errs, d.cfg.Destinations.Send(ctx, out.DeadLetter, ev.Payload, map[string]Attribute{
			"RequestID":    {"String", ev.RequestID},
			"ErrorCode":    {"Number", out.ErrorCode},
			"ErrorMessage": {"String", out.ErrorMessage},
		}))
	}
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return
		}
		log.Warn("destination refused an invocation outcome; retrying", "err", err)
		ev.Outcome, _ = json.Marshal(out)
		ev.Throttles++
		d.retryAt(ctx, ev, d.cfg.Now().Add(d.throttleDelay(ev.Throttles)), log)
		return
	}
	if err := d.q.done(ctx, ev.ID); err != nil && ctx.Err() == nil {
		log.Error("finish event", "err", err)
	}
}

func (d *Dispatcher) retryAt(ctx context.Context, ev *Event, next time.Time, log *slog.Logger) {
	if err := d.q.retry(ctx, ev, next); err != nil && ctx.Err() == nil {
		log.Error("reschedule event", "err", err)
		d.q.schedule(due{id: ev.ID, next: next})
	}
}

// later reschedules an event that could not be read, in memory only.
func (d *Dispatcher) later(id int64, err error, log *slog.Logger) {
	if d.ctx.Err() != nil {
		return
	}
	log.Error("deliver event", "err", err)
	d.q.schedule(due{id: id, next: d.cfg.Now().Add(d.cfg.ThrottleDelay)})
}

// throttleDelay doubles from ThrottleDelay up to MaxThrottleDelay.
func (d *Dispatcher) throttleDelay(n int) time.Duration {
	delay := d.cfg.ThrottleDelay
	for i := 1; i < n && delay < d.cfg.MaxThrottleDelay; i++ {
		delay *= 2
	}
	return min(delay, d.cfg.MaxThrottleDelay)
}

// record is AWS's invocation record for destinations.
func record(ev *Event, now time.Time, condition string, resp *dataplane.Response) json.RawMessage {
	type requestContext struct {
		RequestID              string `json:"requestId"`
		FunctionARN            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	}
	type responseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	}
	r := struct {
		Version         string           `json:"version"`
		Timestamp       string           `json:"timestamp"`
		RequestContext  requestContext   `json:"requestContext"`
		RequestPayload  json.RawMessage  `json:"requestPayload"`
		ResponseContext *responseContext `json:"responseContext,omitempty"`
		ResponsePayload json.RawMessage  `json:"responsePayload,omitempty"`
	}{
		Version:   "1.0",
		Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: requestContext{RequestID: ev.RequestID, FunctionARN: ev.FunctionARN,
			Condition: condition, ApproximateInvokeCount: ev.Attempts},
		RequestPayload: jsonOrNull(ev.Payload),
	}
	if resp != nil {
		r.RequestContext.FunctionARN = qualified(ev.FunctionARN, resp.ExecutedVersion)
		r.ResponseContext = &responseContext{StatusCode: resp.StatusCode, ExecutedVersion: resp.ExecutedVersion, FunctionError: resp.FunctionError}
		r.ResponsePayload = jsonOrNull(resp.Payload)
	}
	b, _ := json.Marshal(r)
	return b
}

// qualified is the function's ARN with the version that ran.
func qualified(invokedARN, version string) string {
	parts := strings.Split(invokedARN, ":")
	if len(parts) > 7 {
		parts = parts[:7]
	}
	return strings.Join(parts, ":") + ":" + version
}

func jsonOrNull(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return b
}

// errorMessage is the first KB of a function error's errorMessage.
func errorMessage(payload []byte) string {
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
	}
	msg := string(payload)
	if json.Unmarshal(payload, &doc) == nil && doc.ErrorMessage != "" {
		msg = doc.ErrorMessage
	}
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	return msg
}
