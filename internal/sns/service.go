package sns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// MessageAttribute is one message attribute as SNS passes it on: DataType
// is "String", "Number", "Binary" or "String.Array", optionally followed by
// a custom label ("Number.float"); Binary ones carry BinaryValue, the others
// StringValue.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// QueueSender delivers to Amazon SQS queues. The server implements it over
// internal/sqs. Implementations must be safe for concurrent use.
type QueueSender interface {
	// SendToQueue sends body with attrs (nil for none) to the queue queueARN
	// and returns the SQS message id. Any error counts as a failed attempt
	// and is retried.
	SendToQueue(ctx context.Context, queueARN, body string, attrs map[string]MessageAttribute) (string, error)
}

// FIFOQueueSender is implemented by QueueSenders that can send to FIFO
// queues. Deliveries from FIFO topics go through it, with the message group
// and deduplication ids of the published message; without it they fail (and
// are retried).
type FIFOQueueSender interface {
	SendToFIFOQueue(ctx context.Context, queueARN, body string, attrs map[string]MessageAttribute, groupID, dedupID string) (string, error)
}

// FunctionInvoker invokes Lambda functions asynchronously (InvocationType
// Event). The server implements it over internal/lambda. Implementations must
// be safe for concurrent use.
type FunctionInvoker interface {
	// InvokeAsync queues payload for the function functionARN (which may
	// carry a qualifier) on behalf of the topic topicARN, which the
	// function's resource policy must allow. A nil error means Lambda
	// accepted the event; any error is retried.
	InvokeAsync(ctx context.Context, functionARN, topicARN string, payload []byte) error
}

// HTTPPoster sends http and https deliveries. snsapi.NewHTTPPoster is the
// implementation over net/http. Implementations must be safe for concurrent
// use.
type HTTPPoster interface {
	// Post sends body to url with the given headers and returns the
	// response's status code; err is for requests that got no response
	// (refused, timed out).
	Post(ctx context.Context, url string, header map[string]string, body []byte) (status int, err error)
}

// Sealer encrypts the signing key at rest; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext, associatedData []byte) []byte
	Open(sealed, associatedData []byte) ([]byte, error)
}

// URLPath is the path prefix, on the Stratus endpoint, of the links SNS puts
// in the messages it sends: the signing certificate, SubscribeURL and
// UnsubscribeURL. snsapi.Handler serves them; the server mounts it there.
const URLPath = "/_stratus/sns/"

// Defaults of Config.
const (
	DefaultWorkers   = 16
	DefaultPollEvery = time.Second
)

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	// Region is the region the server serves; it names the endpoint in
	// nothing but logs (every ARN carries its own region).
	Region string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Queues, Functions and HTTP deliver to sqs, lambda and http/https
	// subscriptions. A nil one fails (and retries) deliveries of its
	// protocol; Subscribe still accepts them.
	Queues    QueueSender
	Functions FunctionInvoker
	HTTP      HTTPPoster
	// Endpoint returns the base URL clients reach Stratus at (e.g.
	// "http://127.0.0.1:4566"); the links in messages start with it. nil
	// means "http://localhost".
	Endpoint func() string
	// Sealer seals the signing key in the store; nil stores it in clear
	// (tests only).
	Sealer Sealer
	// ValidatePolicy checks a topic's Policy attribute (the server passes
	// the IAM policy parser); nil accepts any JSON object.
	ValidatePolicy func(doc string) error
	// Logger receives delivery errors; nil discards them.
	Logger *slog.Logger
	// Workers is how many deliveries run at once; 0 means DefaultWorkers.
	Workers int
	// PollEvery is the longest the dispatcher sleeps before it looks for
	// due deliveries again (it is woken at once by Publish); 0 means
	// DefaultPollEvery.
	PollEvery time.Duration
}

// Service is the SNS domain. Its methods are safe for concurrent use; all
// state lives in the store. Start runs the delivery goroutines, Stop stops
// them.
type Service struct {
	st             *store.Store
	region         string
	now            func() time.Time
	queues         QueueSender
	functions      FunctionInvoker
	http           HTTPPoster
	endpoint       func() string
	validatePolicy func(string) error
	log            *slog.Logger
	workers        int
	pollEvery      time.Duration
	signer         *signer
	filters        *filterCache

	// wake is signalled (without blocking) when deliveries were added.
	wake chan struct{}

	mu   sync.Mutex    // guards stop and done
	stop chan struct{} // closed to stop delivering; nil when not running
	done chan struct{} // closed when the dispatcher and workers returned

	flightMu sync.Mutex      // guards inFlight and finished
	inFlight map[string]bool // delivery ids handed to a worker
	// finished are the ids workers finished since the dispatcher last
	// began reading the table: a read that began earlier may still hold
	// them, and they must not be handed out again.
	finished map[string]bool
}

// New migrates the "sns" tables, loads or creates the signing key and
// returns a Service that does not deliver until Start.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("sns: store is required")
	}
	s := &Service{
		st: cfg.Store, region: cfg.Region, now: cfg.Now, queues: cfg.Queues, functions: cfg.Functions,
		http: cfg.HTTP, endpoint: cfg.Endpoint, validatePolicy: cfg.ValidatePolicy, log: cfg.Logger,
		workers: cfg.Workers, pollEvery: cfg.PollEvery, filters: newFilterCache(),
		wake: make(chan struct{}, 1), inFlight: map[string]bool{}, finished: map[string]bool{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.endpoint == nil {
		s.endpoint = func() string { return "http://localhost" }
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.workers <= 0 {
		s.workers = DefaultWorkers
	}
	if s.pollEvery <= 0 {
		s.pollEvery = DefaultPollEvery
	}
	if err := s.st.Migrate(ctx, "sns", migrations()); err != nil {
		return nil, fmt.Errorf("migrate sns: %w", err)
	}
	var err error
	if s.signer, err = loadSigner(ctx, s.st, cfg.Sealer, s.now); err != nil {
		return nil, fmt.Errorf("sns signing key: %w", err)
	}
	return s, nil
}

// Start starts the dispatcher and the delivery workers, which deliver what
// is due, including what an earlier process left undelivered. Starting a
// running Service does nothing.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		return
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.run(s.stop, s.done)
}

// Stop stops delivering and waits for the goroutines or for ctx. Attempts in
// progress are cancelled; their rows stay and are delivered after the next
// Start. Stopping a stopped Service does nothing.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.stop, s.done = nil, nil
	s.mu.Unlock()
	if stop == nil {
		return nil
	}
	close(stop)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop sns delivery: %w", ctx.Err())
	}
}

// notify wakes the dispatcher.
func (s *Service) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// newID returns a random UUID (version 4), the form of SNS message ids and
// the last part of subscription ARNs.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newToken returns a confirmation token: 128 hex digits, unguessable.
func newToken() string {
	var b [64]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func millis(t time.Time) int64 { return t.UnixMilli() }

// timestamp formats t as SNS messages do.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
