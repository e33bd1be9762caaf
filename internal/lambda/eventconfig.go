package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Asynchronous invocation defaults and bounds, as AWS documents them.
const (
	DefaultMaxRetryAttempts = 2
	DefaultMaxEventAge      = 6 * time.Hour
	minEventAgeSeconds      = 60
	maxEventAgeSeconds      = 21600
)

// EventInvokeConfig is how asynchronous invocations of one function, version
// or alias are retried and where their outcomes go.
type EventInvokeConfig struct {
	// FunctionARN is qualified: function:NAME:QUALIFIER ($LATEST included).
	FunctionARN string `json:"-"`
	// MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (60-21600) are
	// nil when not set: the defaults apply.
	MaximumRetryAttempts     *int64 `json:",omitempty"`
	MaximumEventAgeInSeconds *int64 `json:",omitempty"`
	// OnSuccess and OnFailure are destination ARNs: an SQS queue, an SNS
	// topic, a Lambda function or an EventBridge bus ("" for none).
	OnSuccess, OnFailure string `json:",omitempty"`
	LastModified         time.Time
}

// Retries returns the retry attempts that apply.
func (c *EventInvokeConfig) Retries() int {
	if c == nil || c.MaximumRetryAttempts == nil {
		return DefaultMaxRetryAttempts
	}
	return int(*c.MaximumRetryAttempts)
}

// MaxAge returns the maximum event age that applies.
func (c *EventInvokeConfig) MaxAge() time.Duration {
	if c == nil || c.MaximumEventAgeInSeconds == nil {
		return DefaultMaxEventAge
	}
	return time.Duration(*c.MaximumEventAgeInSeconds) * time.Second
}

// OnSuccessOrEmpty is the OnSuccess destination, "" when c is nil.
func (c *EventInvokeConfig) OnSuccessOrEmpty() string {
	if c == nil {
		return ""
	}
	return c.OnSuccess
}

// OnFailureOrEmpty is the OnFailure destination, "" when c is nil.
func (c *EventInvokeConfig) OnFailureOrEmpty() string {
	if c == nil {
		return ""
	}
	return c.OnFailure
}

// EventInvokeInput sets an EventInvokeConfig. For Put, nil fields are unset;
// for Update, nil fields keep their value.
type EventInvokeInput struct {
	MaximumRetryAttempts     *int64
	MaximumEventAgeInSeconds *int64
	OnSuccess, OnFailure     *string
}

var (
	queueOrTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:(sqs|sns):[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$`)
	destinationARN  = regexp.MustCompile(`^arn:aws[a-z-]*:(sqs|sns|lambda|events):[a-z0-9-]+:\d{12}:\S+$`)
)

func isQueueOrTopicARN(s string) bool { return queueOrTopicARN.MatchString(s) }

// eventConfigMigration adds the event invoke configurations.
const eventConfigMigration = `
CREATE TABLE lambda_event_configs (
	account   TEXT NOT NULL,
	name      TEXT NOT NULL,
	qualifier TEXT NOT NULL,
	config    TEXT NOT NULL,
	PRIMARY KEY (account, name, qualifier),
	FOREIGN KEY (account, name) REFERENCES lambda_functions (account, name) ON DELETE CASCADE
);`

// PutFunctionEventInvokeConfig replaces the configuration of the function,
// version or alias nameOrARN and qualifier name (default $LATEST).
func (s *Service) PutFunctionEventInvokeConfig(ctx context.Context, account, nameOrARN, qualifier string, in EventInvokeInput) (*EventInvokeConfig, error) {
	return s.setEventConfig(ctx, account, nameOrARN, qualifier, func(_ *EventInvokeConfig) *EventInvokeConfig {
		c := &EventInvokeConfig{MaximumRetryAttempts: in.MaximumRetryAttempts, MaximumEventAgeInSeconds: in.MaximumEventAgeInSeconds}
		setStr(&c.OnSuccess, in.OnSuccess)
		setStr(&c.OnFailure, in.OnFailure)
		return c
	})
}

// UpdateFunctionEventInvokeConfig changes the fields in is set, creating the
// configuration if there is none.
func (s *Service) UpdateFunctionEventInvokeConfig(ctx context.Context, account, nameOrARN, qualifier string, in EventInvokeInput) (*EventInvokeConfig, error) {
	return s.setEventConfig(ctx, account, nameOrARN, qualifier, func(cur *EventInvokeConfig) *EventInvokeConfig {
		c := &EventInvokeConfig{}
		if cur != nil {
			*c = *cur
		}
		if in.MaximumRetryAttempts != nil {
			c.MaximumRetryAttempts = in.MaximumRetryAttempts
		}
		if in.MaximumEventAgeInSeconds != nil {
			c.MaximumEventAgeInSeconds = in.MaximumEventAgeInSeconds
		}
		setStr(&c.OnSuccess, in.OnSuccess)
		setStr(&c.OnFailure, in.OnFailure)
		return c
	})
}

func (s *Service) setEventConfig(ctx context.Context, account, nameOrARN, qualifier string, change func(cur *EventInvokeConfig) *EventInvokeConfig) (*EventInvokeConfig, error) {
	ref, err := s.eventConfigRef(account, nameOrARN, qualifier)
	if err != nil {
		return nil, err
	}
	var out *EventInvokeConfig
	err = s.update(ctx, func(tx *store.Tx) error {
		if err := s.qualifierExists(ctx, tx, ref); err != nil {
			return err
		}
		cur, err := s.readEventConfig(ctx, tx, ref)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		c := change(cur)
		if err := checkEventConfig(c); err != nil {
			return err
		}
		c.LastModified = s.now().UTC()
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO lambda_event_configs (account, name, qualifier, config) VALUES (?, ?, ?, ?)
			ON CONFLICT (account, name, qualifier) DO UPDATE SET config = excluded.config`, ref.Account, ref.Name, ref.Qualifier, string(b)); err != nil {
			return err
		}
		c.FunctionARN = s.functionARN(ref.Account, ref.Name) + ":" + ref.Qualifier
		out = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("put event invoke config: %w", err)
	}
	return out, nil
}

func checkEventConfig(c *EventInvokeConfig) error {
	if r := c.MaximumRetryAttempts; r != nil && (*r < 0 || *r > 2) {
		return invalidParameter("1 validation error detected: Value '%d' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2", *r)
	}
	if a := c.MaximumEventAgeInSeconds; a != nil && (*a < minEventAgeSeconds || *a > maxEventAgeSeconds) {
		return invalidParameter("1 validation error detected: Value '%d' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between %d and %d", *a, minEventAgeSeconds, maxEventAgeSeconds)
	}
	for _, d := range []string{c.OnSuccess, c.OnFailure} {
		if d != "" && !destinationARN.MatchString(d) {
			return invalidParameter("The destination ARN %s is invalid.", d)
		}
	}
	return nil
}

// eventConfigRef resolves nameOrARN and qualifier, defaulting to $LATEST.
func (s *Service) eventConfigRef(account, nameOrARN, qualifier string) (FunctionRef, error) {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return ref, err
	}
	if ref.Qualifier == "" {
		ref.Qualifier = latest
	}
	return ref, nil
}

// qualifierExists checks the function and its version or alias exist.
func (s *Service) qualifierExists(ctx context.Context, tx *store.Tx, ref FunctionRef) error {
	num, _, err := s.resolveQualifier(ctx, tx, ref)
	if err != nil {
		return err
	}
	if _, err := s.getVersion(ctx, tx, ref.Account, ref.Name, num); errors.Is(err, sql.ErrNoRows) {
		return s.refNotFound(ref)
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Service) readEventConfig(ctx context.Context, tx *store.Tx, ref FunctionRef) (*EventInvokeConfig, error) {
	var cfg string
	err := tx.QueryRow(ctx, `SELECT config FROM lambda_event_configs WHERE account = ? AND name = ? AND qualifier = ?`,
		ref.Account, ref.Name, ref.Qualifier).Scan(&cfg)
	if err != nil {
		return nil, err
	}
	c := &EventInvokeConfig{}
	if err := json.Unmarshal([]byte(cfg), c); err != nil {
		return nil, fmt.Errorf("decode event invoke config: %w", err)
	}
	c.FunctionARN = s.functionARN(ref.Account, ref.Name) + ":" + ref.Qualifier
	return c, nil
}

// GetFunctionEventInvokeConfig returns the configuration, or
// ResourceNotFoundException when there is none.
func (s *Service) GetFunctionEventInvokeConfig(ctx context.Context, account, nameOrARN, qualifier string) (*EventInvokeConfig, error) {
	ref, err := s.eventConfigRef(account, nameOrARN, qualifier)
	if err != nil {
		return nil, err
	}
	var c *EventInvokeConfig
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if err := s.qualifierExists(ctx, tx, ref); err != nil {
			return err
		}
		c, err = s.readEventConfig(ctx, tx, ref)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("The function %s doesn't have an EventInvokeConfig", s.functionARN(ref.Account, ref.Name)+":"+ref.Qualifier)
		}
		return err
	})
	return c, err
}

// DeleteFunctionEventInvokeConfig removes the configuration.
func (s *Service) DeleteFunctionEventInvokeConfig(ctx context.Context, account, nameOrARN, qualifier string) error {
	ref, err := s.eventConfigRef(account, nameOrARN, qualifier)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *store.Tx) error {
		if err := s.qualifierExists(ctx, tx, ref); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM lambda_event_configs WHERE account = ? AND name = ? AND qualifier = ?`, ref.Account, ref.Name, ref.Qualifier)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("The function %s doesn't have an EventInvokeConfig", s.functionARN(ref.Account, ref.Name)+":"+ref.Qualifier)
		}
		return nil
	})
}

// ListFunctionEventInvokeConfigs lists the configurations of a function's
// versions and aliases.
func (s *Service) ListFunctionEventInvokeConfigs(ctx context.Context, account, nameOrARN string, p Page) ([]*EventInvokeConfig, string, error) {
	ref, err := s.resolveRef(account, nameOrARN, "")
	if err != nil {
		return nil, "", err
	}
	after := ""
	if p.Marker != "" {
		if after, err = decodeMarker(p.Marker); err != nil {
			return nil, "", err
		}
	}
	limit := p.limit()
	var out []*EventInvokeConfig
	next := ""
	err = s.st.View(ctx, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, account, ref.Name); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT qualifier FROM lambda_event_configs WHERE account = ? AND name = ? AND qualifier > ? ORDER BY qualifier LIMIT ?`,
			account, ref.Name, after, limit+1)
		if err != nil {
			return err
		}
		var quals []string
		for rows.Next() {
			var q string
			if err := rows.Scan(&q); err != nil {
				rows.Close()
				return err
			}
			quals = append(quals, q)
		}
		rows.Close()
		if int64(len(quals)) > limit {
			quals = quals[:limit]
			next = encodeMarker(quals[len(quals)-1])
		}
		for _, q := range quals {
			r := ref
			r.Qualifier = q
			c, err := s.readEventConfig(ctx, tx, r)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, next, err
}

// EventConfigFor returns the configuration that applies to asynchronous
// invocations of name with qualifier ("" is $LATEST), or nil for the
// defaults. Cached like ResolveForInvoke.
func (s *Service) EventConfigFor(ctx context.Context, account, name, qualifier string) (*EventInvokeConfig, error) {
	if qualifier == "" {
		qualifier = latest
	}
	key := account + "\x00" + name + "\x00" + qualifier + "\x00event-config"
	gen := s.gen.Load()
	s.cacheMu.Lock()
	c, ok := s.cache[key]
	s.cacheMu.Unlock()
	if ok && c.gen == gen {
		return c.eventConfig, nil
	}
	var cfg *EventInvokeConfig
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		cfg, err = s.readEventConfig(ctx, tx, FunctionRef{Account: account, Name: name, Qualifier: qualifier})
		if errors.Is(err, sql.ErrNoRows) {
			cfg, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("event invoke config: %w", err)
	}
	s.remember(key, cached{gen: gen, eventConfig: cfg})
	return cfg, nil
}
