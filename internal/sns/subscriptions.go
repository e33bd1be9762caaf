package sns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Protocols Stratus delivers to.
const (
	ProtocolSQS    = "sqs"
	ProtocolLambda = "lambda"
	ProtocolHTTP   = "http"
	ProtocolHTTPS  = "https"
)

// Subscription attribute names.
const (
	attrFilterPolicy        = "FilterPolicy"
	attrFilterPolicyScope   = "FilterPolicyScope"
	attrRawMessageDelivery  = "RawMessageDelivery"
	attrRedrivePolicy       = "RedrivePolicy"
	attrSubscriptionRoleArn = "SubscriptionRoleArn"
	attrReplayPolicy        = "ReplayPolicy"
)

var settableSubscriptionAttrs = []string{attrDeliveryPolicy, attrFilterPolicy, attrFilterPolicyScope,
	attrRawMessageDelivery, attrRedrivePolicy, attrSubscriptionRoleArn, attrReplayPolicy}

// tokenLifetime is how long a confirmation token is valid, as on AWS.
const tokenLifetime = 48 * time.Hour

// Subscription is a subscription as the store holds it.
type Subscription struct {
	ARN, TopicARN string
	// Owner is the account that subscribed.
	Owner              string
	Protocol, Endpoint string
	// Attributes are the attributes set by Subscribe and
	// SetSubscriptionAttributes.
	Attributes map[string]string
	// Pending is true until the subscription is confirmed.
	Pending bool
	// Authenticated tells whether the confirmation was an authenticated
	// call (ConfirmationWasAuthenticated).
	Authenticated bool
	// AuthenticateOnUnsubscribe makes the unauthenticated UnsubscribeURL
	// refuse to delete the subscription.
	AuthenticateOnUnsubscribe bool
}

func (sub *Subscription) raw() bool { return isTrue(sub.Attributes[attrRawMessageDelivery]) }

func (sub *Subscription) scope() string {
	if sub.Attributes[attrFilterPolicyScope] == ScopeBody {
		return ScopeBody
	}
	return ScopeAttributes
}

// checkEndpoint validates the endpoint of a protocol.
func checkEndpoint(protocol, endpoint string) error {
	switch protocol {
	case ProtocolSQS:
		if _, ok := queueName(endpoint); !ok {
			return invalidParameter("SQS endpoint ARN")
		}
	case ProtocolLambda:
		a, err := arn.Parse(endpoint)
		parts := strings.Split(a.Resource, ":")
		if err != nil || a.Service != "lambda" || a.Account == "" || a.Region == "" || len(parts) < 2 || len(parts) > 3 || parts[0] != "function" || parts[1] == "" {
			return invalidParameter("Lambda endpoint ARN")
		}
	case ProtocolHTTP, ProtocolHTTPS:
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return invalidParameter("Endpoint must match the specified protocol")
		}
	case "email", "email-json", "sms", "application", "firehose":
		return invalidParameter("Stratus does not deliver to protocol %s", protocol)
	default:
		return invalidParameter("Amazon SNS does not support this protocol string: %s", protocol)
	}
	return nil
}

// queueName returns the queue name of an SQS queue ARN.
func queueName(queueARN string) (string, bool) {
	a, err := arn.Parse(queueARN)
	if err != nil || a.Service != "sqs" || a.Account == "" || a.Region == "" || strings.Contains(a.Resource, ":") {
		return "", false
	}
	return a.Resource, true
}

// checkSubscriptionAttrs validates the attributes a subscription would have.
func checkSubscriptionAttrs(protocol string, attrs map[string]string) error {
	for _, k := range sortedKeys(attrs) {
		v := attrs[k]
		if !slices.Contains(settableSubscriptionAttrs, k) {
			return invalidParameter("AttributeName")
		}
		switch k {
		case attrRawMessageDelivery:
			if !isBool(v) {
				return invalidParameter("Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", v)
			}
			if isTrue(v) && protocol != ProtocolSQS && protocol != ProtocolHTTP && protocol != ProtocolHTTPS {
				return invalidParameter("Attributes Reason: Delivery protocol [%s] does not support raw message delivery.", protocol)
			}
		case attrFilterPolicyScope:
			if v != ScopeAttributes && v != ScopeBody {
				return invalidParameter("Attributes Reason: FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", v)
			}
		case attrDeliveryPolicy:
			if v == "" {
				continue
			}
			if protocol != ProtocolHTTP && protocol != ProtocolHTTPS {
				return invalidParameter("DeliveryPolicy: Delivery policy can only be set for HTTP/S subscriptions")
			}
			if _, err := parseSubscriptionDeliveryPolicy(v); err != nil {
				return invalidParameter("DeliveryPolicy: %s", err.Error())
			}
		case attrRedrivePolicy:
			if v == "" {
				continue
			}
			if _, err := deadLetterTarget(v); err != nil {
				return err
			}
		}
	}
	if fp := attrs[attrFilterPolicy]; fp != "" {
		scope := attrs[attrFilterPolicyScope]
		if scope == "" {
			scope = ScopeAttributes
		}
		if _, err := parseFilterPolicy(fp, scope); err != nil {
			return invalidParameter("FilterPolicy: %s", err.Error())
		}
	}
	return nil
}

// deadLetterTarget returns the queue ARN of a RedrivePolicy.
func deadLetterTarget(policy string) (string, error) {
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		return "", invalidParameter("RedrivePolicy: Redrive policy is not a valid JSON")
	}
	if _, ok := queueName(p.DeadLetterTargetArn); !ok {
		return "", invalidParameter("RedrivePolicy: deadLetterTargetArn is an invalid arn")
	}
	return p.DeadLetterTargetArn, nil
}

// Subscribe subscribes endpoint to a topic for caller's account and returns
// the subscription. http and https subscriptions, and SQS queues of another
// account than both the topic's and the caller's, are pending until
// confirmed: a SubscriptionConfirmation message with the token goes to the
// endpoint. Subscribing an endpoint again returns the existing subscription
// (and sends a new confirmation while it is pending).
//
// Returns NotFound for a missing topic and InvalidParameter for a protocol
// Stratus does not deliver to, an endpoint that does not fit the protocol, a
// non-FIFO subscription to a FIFO topic (or a FIFO queue on a standard
// topic), bad attributes, or different attributes than the existing
// subscription's.
func (s *Service) Subscribe(ctx context.Context, caller, topicARN, protocol, endpoint string, attrs map[string]string) (*Subscription, error) {
	if err := checkEndpoint(protocol, endpoint); err != nil {
		return nil, err
	}
	if err := checkSubscriptionAttrs(protocol, attrs); err != nil {
		return nil, err
	}
	_, topicAccount, _, _ := ParseTopicARN(topicARN)
	pending := protocol == ProtocolHTTP || protocol == ProtocolHTTPS
	if protocol == ProtocolSQS {
		acct := arn.Account(endpoint)
		pending = acct != topicAccount && acct != caller
	}
	now := s.now()
	var sub *Subscription
	var confirm *delivery
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		t, err := getTopic(ctx, tx, topicARN)
		if errors.Is(err, errNoTopic) {
			return topicNotFound()
		}
		if err != nil {
			return err
		}
		qname, _ := queueName(endpoint)
		fifoQueue := protocol == ProtocolSQS && strings.HasSuffix(qname, fifoSuffix)
		switch {
		case t.FIFO && protocol != ProtocolSQS:
			return invalidParameter("Invalid protocol type: %s", protocol)
		case t.FIFO && !fifoQueue:
			return invalidParameter("Endpoint Reason: Please use FIFO SQS queue")
		case !t.FIFO && fifoQueue:
			return invalidParameter("Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
		}
		sub, err = getSubscriptionBy(ctx, tx, `topic_arn = ? AND protocol = ? AND endpoint = ?`, topicARN, protocol, endpoint)
		if err != nil && !errors.Is(err, errNoSubscription) {
			return err
		}
		token := newToken()
		if sub != nil {
			for k, v := range attrs {
				if sub.Attributes[k] != v {
					return invalidParameter("Attributes Reason: Subscription already exists with different attributes")
				}
			}
			if !sub.Pending {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE sns_subscriptions SET token = ?, token_expires_ms = ? WHERE arn = ?`,
				token, millis(now.Add(tokenLifetime)), sub.ARN); err != nil {
				return err
			}
		} else {
			sub = &Subscription{
				ARN: topicARN + ":" + newID(), TopicARN: topicARN, Owner: caller, Protocol: protocol, Endpoint: endpoint,
				Attributes: attrs, Pending: pending,
			}
			if sub.Attributes == nil {
				sub.Attributes = map[string]string{}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO sns_subscriptions (arn, topic_arn, account, region, owner, protocol, endpoint, attrs,
				pending, token, token_expires_ms, authenticated, auth_unsub, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, FALSE, ?)`,
				sub.ARN, topicARN, t.Account, t.Region, caller, protocol, endpoint, encodeJSON(sub.Attributes),
				pending, token, millis(now.Add(tokenLifetime)), millis(now)); err != nil {
				return err
			}
			if !pending {
				return nil
			}
		}
		confirm = s.confirmation(t, sub, "SubscriptionConfirmation", token, now)
		return insertDelivery(ctx, tx, confirm)
	})
	if err != nil {
		return nil, err
	}
	if confirm != nil {
		s.notify()
	}
	return sub, nil
}

// confirmation builds the SubscriptionConfirmation or
// UnsubscribeConfirmation message for sub, signed, as a delivery.
func (s *Service) confirmation(t *Topic, sub *Subscription, typ, token string, now time.Time) *delivery {
	msg := "You have chosen to subscribe to the topic " + t.ARN + ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
	if typ == "UnsubscribeConfirmation" {
		msg = "You have chosen to deactivate subscription " + sub.ARN + ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
	}
	env := envelope{
		Type: typ, MessageID: newID(), Token: token, TopicArn: t.ARN, Message: msg,
		SubscribeURL: s.subscribeURL(t.ARN, token), Timestamp: timestamp(now),
	}
	s.signEnvelope(&env, t.Attributes[attrSignatureVersion])
	return &delivery{
		id: newID(), messageID: env.MessageID, subARN: sub.ARN, topicARN: t.ARN, kind: kindOf(typ),
		protocol: sub.Protocol, endpoint: sub.Endpoint, payload: env.encode(), dueMS: millis(now),
	}
}

// ConfirmSubscription confirms the pending subscription of a topic that
// token was sent for and returns its ARN; confirming again returns the ARN.
// authenticated tells whether the call was signed (ConfirmationWasAuthenticated);
// authOnUnsubscribe (AuthenticateOnUnsubscribe) requires it and makes the
// UnsubscribeURL refuse to delete the subscription.
//
// Returns NotFound for a missing topic and InvalidParameter for a token that
// is unknown or expired.
func (s *Service) ConfirmSubscription(ctx context.Context, topicARN, token string, authenticated, authOnUnsubscribe bool) (string, error) {
	if authOnUnsubscribe && !authenticated {
		return "", authorizationError("AuthenticateOnUnsubscribe requires an authenticated request")
	}
	now := s.now()
	var subARN string
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		if _, err := getTopic(ctx, tx, topicARN); err != nil {
			if errors.Is(err, errNoTopic) {
				return topicNotFound()
			}
			return err
		}
		sub, err := getSubscriptionBy(ctx, tx, `topic_arn = ? AND token = ?`, topicARN, token)
		if errors.Is(err, errNoSubscription) || token == "" {
			return invalidParameter("Invalid token")
		}
		if err != nil {
			return err
		}
		subARN = sub.ARN
		if !sub.Pending {
			return nil
		}
		var expires int64
		if err := tx.QueryRow(ctx, `SELECT token_expires_ms FROM sns_subscriptions WHERE arn = ?`, sub.ARN).Scan(&expires); err != nil {
			return err
		}
		if millis(now) > expires {
			return invalidParameter("Invalid token")
		}
		_, err = tx.Exec(ctx, `UPDATE sns_subscriptions SET pending = FALSE, authenticated = ?, auth_unsub = ? WHERE arn = ?`,
			authenticated, authOnUnsubscribe, sub.ARN)
		return err
	})
	return subARN, err
}

// Unsubscribe deletes a subscription; deleting one that does not exist
// succeeds, as on AWS. viaLink marks the unauthenticated UnsubscribeURL,
// which is refused (AuthorizationError) for subscriptions confirmed with
// AuthenticateOnUnsubscribe and sends an UnsubscribeConfirmation to http/https
// endpoints.
func (s *Service) Unsubscribe(ctx context.Context, subARN string, viaLink bool) error {
	now := s.now()
	var sent bool
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		sub, err := getSubscriptionBy(ctx, tx, `arn = ?`, subARN)
		if errors.Is(err, errNoSubscription) {
			return nil
		}
		if err != nil {
			return err
		}
		if viaLink && sub.AuthenticateOnUnsubscribe {
			return authorizationError("This subscription can only be deleted by an authenticated request")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sns_subscriptions WHERE arn = ?`, subARN); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sns_topics SET subs_deleted = subs_deleted + 1 WHERE arn = ?`, sub.TopicARN); err != nil {
			return err
		}
		if !viaLink || (sub.Protocol != ProtocolHTTP && sub.Protocol != ProtocolHTTPS) {
			return nil
		}
		t, err := getTopic(ctx, tx, sub.TopicARN)
		if err != nil {
			return err
		}
		sent = true
		return insertDelivery(ctx, tx, s.confirmation(t, sub, "UnsubscribeConfirmation", newToken(), now))
	})
	if sent {
		s.notify()
	}
	return err
}

// errNoSubscription is getSubscriptionBy's answer when nothing matches.
var errNoSubscription = errors.New("no such subscription")

const subscriptionColumns = `arn, topic_arn, owner, protocol, endpoint, attrs, pending, authenticated, auth_unsub`

func scanSubscription(scan func(dest ...any) error) (*Subscription, error) {
	var sub Subscription
	var attrs string
	if err := scan(&sub.ARN, &sub.TopicARN, &sub.Owner, &sub.Protocol, &sub.Endpoint, &attrs, &sub.Pending, &sub.Authenticated, &sub.AuthenticateOnUnsubscribe); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(attrs), &sub.Attributes)
	if sub.Attributes == nil {
		sub.Attributes = map[string]string{}
	}
	return &sub, nil
}

func getSubscriptionBy(ctx context.Context, tx *store.Tx, where string, args ...any) (*Subscription, error) {
	sub, err := scanSubscription(tx.QueryRow(ctx, `SELECT `+subscriptionColumns+` FROM sns_subscriptions WHERE `+where, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSubscription
	}
	return sub, err
}

// GetSubscription returns a subscription. Returns NotFound if it does not
// exist.
func (s *Service) GetSubscription(ctx context.Context, subARN string) (*Subscription, error) {
	var sub *Subscription
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		sub, err = getSubscriptionBy(ctx, tx, `arn = ?`, subARN)
		return err
	})
	if errors.Is(err, errNoSubscription) {
		return nil, subscriptionNotFound()
	}
	return sub, err
}

// GetSubscriptionAttributes returns a subscription's attributes as AWS lists
// them. Returns NotFound if it does not exist.
func (s *Service) GetSubscriptionAttributes(ctx context.Context, subARN string) (map[string]string, error) {
	var sub *Subscription
	var topicPolicy string
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if sub, err = getSubscriptionBy(ctx, tx, `arn = ?`, subARN); err != nil {
			return err
		}
		t, err := getTopic(ctx, tx, sub.TopicARN)
		if err != nil {
			return err
		}
		topicPolicy = t.Attributes[attrDeliveryPolicy]
		return nil
	})
	if errors.Is(err, errNoSubscription) || errors.Is(err, errNoTopic) {
		return nil, subscriptionNotFound()
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range sub.Attributes {
		if v != "" {
			out[k] = v
		}
	}
	out["SubscriptionArn"] = sub.ARN
	out["TopicArn"] = sub.TopicARN
	out["Owner"] = sub.Owner
	out["Protocol"] = sub.Protocol
	out["Endpoint"] = sub.Endpoint
	out["PendingConfirmation"] = boolString(sub.Pending)
	out["ConfirmationWasAuthenticated"] = boolString(sub.Authenticated)
	if _, ok := out[attrRawMessageDelivery]; !ok {
		out[attrRawMessageDelivery] = "false"
	}
	if _, ok := out[attrFilterPolicy]; ok {
		out[attrFilterPolicyScope] = sub.scope()
	} else {
		delete(out, attrFilterPolicyScope)
	}
	if sub.Protocol == ProtocolHTTP || sub.Protocol == ProtocolHTTPS {
		out["EffectiveDeliveryPolicy"] = effectiveSubscriptionDeliveryPolicy(topicPolicy, sub.Attributes[attrDeliveryPolicy])
	}
	return out, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// SetSubscriptionAttributes sets one attribute of a subscription; an empty
// FilterPolicy removes the policy. Returns NotFound for a missing
// subscription and InvalidParameter for an unknown attribute or a bad value.
func (s *Service) SetSubscriptionAttributes(ctx context.Context, subARN, name, value string) error {
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		sub, err := getSubscriptionBy(ctx, tx, `arn = ?`, subARN)
		if err != nil {
			return err
		}
		attrs := sub.Attributes
		if value == "" && name != attrRawMessageDelivery {
			delete(attrs, name)
			if name == attrFilterPolicy {
				delete(attrs, attrFilterPolicyScope)
			}
		} else {
			attrs[name] = value
		}
		if !slices.Contains(settableSubscriptionAttrs, name) {
			return invalidParameter("AttributeName")
		}
		if err := checkSubscriptionAttrs(sub.Protocol, attrs); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sns_subscriptions SET attrs = ? WHERE arn = ?`, encodeJSON(attrs), subARN)
		return err
	})
	if errors.Is(err, errNoSubscription) {
		return subscriptionNotFound()
	}
	return err
}

// ListSubscriptions returns the subscriptions to the topics of account and
// region, by ARN, 100 at a time, and the next page's token ("" at the end).
func (s *Service) ListSubscriptions(ctx context.Context, account, region, token string) ([]Subscription, string, error) {
	return s.listSubscriptions(ctx, `account = ? AND region = ?`, []any{account, region}, token)
}

// ListSubscriptionsByTopic returns the subscriptions of a topic, 100 at a
// time. Returns NotFound for a missing topic.
func (s *Service) ListSubscriptionsByTopic(ctx context.Context, topicARN, token string) ([]Subscription, string, error) {
	if _, err := s.topic(ctx, topicARN); err != nil {
		return nil, "", err
	}
	return s.listSubscriptions(ctx, `topic_arn = ?`, []any{topicARN}, token)
}

func (s *Service) listSubscriptions(ctx context.Context, where string, args []any, token string) ([]Subscription, string, error) {
	after, err := decodeToken(token)
	if err != nil {
		return nil, "", err
	}
	var subs []Subscription
	err = s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+subscriptionColumns+` FROM sns_subscriptions WHERE `+where+` AND arn > ? ORDER BY arn LIMIT ?`,
			append(args, after, listPage+1)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sub, err := scanSubscription(rows.Scan)
			if err != nil {
				return err
			}
			subs = append(subs, *sub)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(subs) <= listPage {
		return subs, "", nil
	}
	subs = subs[:listPage]
	return subs, encodeToken(subs[listPage-1].ARN), nil
}

// Links in messages.

func (s *Service) linkBase() string { return strings.TrimRight(s.endpoint(), "/") + URLPath }

func (s *Service) subscribeURL(topicARN, token string) string {
	return s.linkBase() + "?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topicARN) + "&Token=" + token
}

func (s *Service) unsubscribeURL(subARN string) string {
	return s.linkBase() + "?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subARN)
}

func (s *Service) certURL() string { return s.linkBase() + s.signer.certName }
