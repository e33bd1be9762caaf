package sns

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Tag is a topic tag; the API keeps their order.
type Tag struct{ Key, Value string }

// Topic is a topic as the store holds it.
type Topic struct {
	ARN, Account, Region, Name string
	FIFO                       bool
	// Attributes are the attributes set by CreateTopic and
	// SetTopicAttributes (with the default Policy).
	Attributes map[string]string
	Tags       []Tag
}

// TopicARN returns arn:aws:sns:REGION:ACCOUNT:NAME.
func TopicARN(region, account, name string) string {
	return "arn:aws:sns:" + region + ":" + account + ":" + name
}

// ParseTopicARN returns the parts of a topic ARN. ok is false for anything
// else (including subscription ARNs).
func ParseTopicARN(s string) (region, account, name string, ok bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "sns" || a.Region == "" || a.Account == "" || strings.Contains(a.Resource, ":") {
		return "", "", "", false
	}
	return a.Region, a.Account, a.Resource, true
}

// TopicOfSubscription returns the topic ARN of a subscription ARN
// (TOPICARN:UUID); ok is false when s is not one.
func TopicOfSubscription(s string) (string, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", false
	}
	t := s[:i]
	if _, _, _, ok := ParseTopicARN(t); !ok || s[i+1:] == "" {
		return "", false
	}
	return t, true
}

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

const (
	fifoSuffix = ".fifo"
	maxTags    = 50
)

// Topic attribute names.
const (
	attrPolicy                    = "Policy"
	attrDisplayName               = "DisplayName"
	attrDeliveryPolicy            = "DeliveryPolicy"
	attrSignatureVersion          = "SignatureVersion"
	attrTracingConfig             = "TracingConfig"
	attrKmsMasterKeyID            = "KmsMasterKeyId"
	attrFifoTopic                 = "FifoTopic"
	attrContentBasedDeduplication = "ContentBasedDeduplication"
	attrArchivePolicy             = "ArchivePolicy"
	attrFifoThroughputScope       = "FifoThroughputScope"
)

// settableTopicAttrs are the attributes CreateTopic and SetTopicAttributes
// accept besides the delivery status ones (feedbackAttr).
var settableTopicAttrs = []string{
	attrPolicy, attrDisplayName, attrDeliveryPolicy, attrSignatureVersion, attrTracingConfig,
	attrKmsMasterKeyID, attrFifoTopic, attrContentBasedDeduplication, attrArchivePolicy, attrFifoThroughputScope,
	"DataProtectionPolicy",
}

// feedbackAttr reports whether name is a delivery status logging attribute
// (<PROTOCOL>SuccessFeedbackRoleArn and friends); Stratus keeps them and
// logs nothing.
func feedbackAttr(name string) bool {
	for _, p := range []string{"HTTP", "Firehose", "Lambda", "Application", "SQS"} {
		switch name {
		case p + "SuccessFeedbackRoleArn", p + "SuccessFeedbackSampleRate", p + "FailureFeedbackRoleArn":
			return true
		}
	}
	return false
}

// checkTopicAttr validates one attribute of a topic (fifo tells its kind).
func (s *Service) checkTopicAttr(name, value string, fifo, creating bool) error {
	if !slices.Contains(settableTopicAttrs, name) && !feedbackAttr(name) {
		return invalidParameter("AttributeName")
	}
	switch name {
	case attrFifoTopic:
		if !creating {
			return invalidParameter("AttributeName")
		}
		if !isBool(value) {
			return invalidParameter("Attributes Reason: FifoTopic must be true or false")
		}
	case attrContentBasedDeduplication:
		if !fifo {
			return invalidParameter("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
		}
		if !isBool(value) {
			return invalidParameter("Attributes Reason: ContentBasedDeduplication must be true or false")
		}
	case attrFifoThroughputScope, attrArchivePolicy:
		if !fifo {
			return invalidParameter("Attributes Reason: %s can only be set for FIFO topics", name)
		}
		if name == attrFifoThroughputScope && value != "Topic" && value != "MessageGroup" {
			return invalidParameter("Attributes Reason: FifoThroughputScope must be Topic or MessageGroup")
		}
	case attrSignatureVersion:
		if value != "1" && value != "2" {
			return invalidParameter("Attributes Reason: SignatureVersion must be 1 or 2")
		}
	case attrTracingConfig:
		if value != "PassThrough" && value != "Active" {
			return invalidParameter("Attributes Reason: TracingConfig must be PassThrough or Active")
		}
	case attrDisplayName:
		if len(value) > 100 {
			return invalidParameter("DisplayName")
		}
	case attrPolicy:
		if err := s.checkPolicy(value); err != nil {
			return err
		}
	case attrDeliveryPolicy:
		if value != "" {
			if _, err := parseTopicDeliveryPolicy(value); err != nil {
				return invalidParameter("DeliveryPolicy: %s", err.Error())
			}
		}
	}
	return nil
}

func (s *Service) checkPolicy(doc string) error {
	var obj map[string]any
	if err := json.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
		return invalidParameter("Policy Error: null")
	}
	if _, ok := obj["Statement"]; !ok {
		return invalidParameter("Policy statement must contain Statement")
	}
	if s.validatePolicy != nil {
		if err := s.validatePolicy(doc); err != nil {
			return invalidParameter("Policy Error: %s", err.Error())
		}
	}
	return nil
}

func isBool(v string) bool { return strings.EqualFold(v, "true") || strings.EqualFold(v, "false") }

func isTrue(v string) bool { return strings.EqualFold(v, "true") }

func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return tagLimit()
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return invalidParameter("Tags Reason: tag keys must be 1-128 and values at most 256 characters")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidParameter("Tags Reason: tag keys must not start with aws:")
		}
	}
	return nil
}

// defaultPolicy is the access policy AWS gives a new topic: the owner
// account's principals may manage, subscribe to and publish to it.
func defaultPolicy(topicARN, account string) string {
	doc := map[string]any{
		"Version": "2008-10-17",
		"Id":      "__default_policy_ID",
		"Statement": []any{map[string]any{
			"Sid":       "__default_statement_ID",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action": []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
				"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			"Resource":  topicARN,
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": account}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// CreateTopic creates a topic, or returns the ARN of the existing one of the
// same name when the given attributes and tags match it. Returns
// InvalidParameter for a bad name, attribute or tag, for a FIFO name without
// FifoTopic (or the reverse), and when the topic exists with different
// attributes or tags.
func (s *Service) CreateTopic(ctx context.Context, account, region, name string, attrs map[string]string, tags []Tag) (string, error) {
	fifo := isTrue(attrs[attrFifoTopic])
	base, hasSuffix := strings.CutSuffix(name, fifoSuffix)
	if !topicNameRE.MatchString(base) || len(name) > 256 {
		return "", invalidParameter("Topic Name")
	}
	if hasSuffix != fifo {
		return "", invalidParameter("Fifo Topic names must end with .fifo and FifoTopic attribute must be set to true")
	}
	for _, k := range sortedKeys(attrs) {
		if err := s.checkTopicAttr(k, attrs[k], fifo, true); err != nil {
			return "", err
		}
	}
	if err := checkTags(tags); err != nil {
		return "", err
	}
	topicARN := TopicARN(region, account, name)
	stored := map[string]string{}
	for k, v := range attrs {
		stored[k] = v
	}
	if fifo {
		stored[attrFifoTopic] = "true"
		if _, ok := stored[attrContentBasedDeduplication]; !ok {
			stored[attrContentBasedDeduplication] = "false"
		}
	} else {
		delete(stored, attrFifoTopic)
	}
	if _, ok := stored[attrPolicy]; !ok {
		stored[attrPolicy] = defaultPolicy(topicARN, account)
	}
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		cur, err := getTopic(ctx, tx, topicARN)
		if err == nil {
			for k, v := range attrs {
				if k == attrFifoTopic {
					continue
				}
				if cur.Attributes[k] != v {
					return invalidParameter("Attributes Reason: Topic already exists with different attributes")
				}
			}
			if len(tags) > 0 && !sameTags(cur.Tags, tags) {
				return invalidParameter("Tags Reason: Topic already exists with different tags")
			}
			return nil
		}
		if !errors.Is(err, errNoTopic) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sns_topics (arn, account, region, name, fifo, attrs, tags, next_seq, subs_deleted, created_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?)`, topicARN, account, region, name, fifo, encodeJSON(stored), encodeJSON(tags), millis(s.now()))
		return err
	})
	if err != nil {
		return "", err
	}
	return topicARN, nil
}

func sameTags(a, b []Tag) bool {
	m := map[string]string{}
	for _, t := range a {
		m[t.Key] = t.Value
	}
	for _, t := range b {
		if v, ok := m[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	return true
}

// errNoTopic is getTopic's answer for a missing topic.
var errNoTopic = errors.New("no such topic")

func getTopic(ctx context.Context, tx *store.Tx, topicARN string) (*Topic, error) {
	t := Topic{ARN: topicARN}
	var attrs, tags string
	err := tx.QueryRow(ctx, `SELECT account, region, name, fifo, attrs, tags FROM sns_topics WHERE arn = ?`, topicARN).
		Scan(&t.Account, &t.Region, &t.Name, &t.FIFO, &attrs, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoTopic
	}
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(attrs), &t.Attributes)
	_ = json.Unmarshal([]byte(tags), &t.Tags)
	if t.Attributes == nil {
		t.Attributes = map[string]string{}
	}
	return &t, nil
}

// topic reads a topic; NotFound if it does not exist.
func (s *Service) topic(ctx context.Context, topicARN string) (*Topic, error) {
	var t *Topic
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		t, err = getTopic(ctx, tx, topicARN)
		return err
	})
	if errors.Is(err, errNoTopic) {
		return nil, topicNotFound()
	}
	return t, err
}

// GetTopic returns a topic. Returns NotFound if it does not exist.
func (s *Service) GetTopic(ctx context.Context, topicARN string) (*Topic, error) {
	return s.topic(ctx, topicARN)
}

// GetTopicAttributes returns the attributes of a topic as AWS lists them:
// the ones set plus Owner, TopicArn, the subscription counts and
// EffectiveDeliveryPolicy. Returns NotFound if it does not exist.
func (s *Service) GetTopicAttributes(ctx context.Context, topicARN string) (map[string]string, error) {
	var t *Topic
	var confirmed, pending, deleted int64
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = getTopic(ctx, tx, topicARN); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT subs_deleted FROM sns_topics WHERE arn = ?`, topicARN).Scan(&deleted); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN pending THEN 0 ELSE 1 END), 0), COALESCE(SUM(CASE WHEN pending THEN 1 ELSE 0 END), 0)
			FROM sns_subscriptions WHERE topic_arn = ?`, topicARN).Scan(&confirmed, &pending)
	})
	if errors.Is(err, errNoTopic) {
		return nil, topicNotFound()
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range t.Attributes {
		out[k] = v
	}
	if _, ok := out[attrDisplayName]; !ok {
		out[attrDisplayName] = ""
	}
	out["TopicArn"] = t.ARN
	out["Owner"] = t.Account
	out["SubscriptionsConfirmed"] = strconv.FormatInt(confirmed, 10)
	out["SubscriptionsPending"] = strconv.FormatInt(pending, 10)
	out["SubscriptionsDeleted"] = strconv.FormatInt(deleted, 10)
	out["EffectiveDeliveryPolicy"] = effectiveTopicDeliveryPolicy(t.Attributes[attrDeliveryPolicy])
	return out, nil
}

// SetTopicAttributes sets one attribute. Returns NotFound for a missing
// topic and InvalidParameter for an attribute that cannot be set (FifoTopic,
// FIFO-only ones on standard topics) or a bad value.
func (s *Service) SetTopicAttributes(ctx context.Context, topicARN, name, value string) error {
	return s.changeTopic(ctx, topicARN, func(t *Topic) error {
		if err := s.checkTopicAttr(name, value, t.FIFO, false); err != nil {
			return err
		}
		if value == "" && name != attrPolicy {
			delete(t.Attributes, name)
		} else {
			t.Attributes[name] = value
		}
		if name == attrPolicy && value == "" {
			t.Attributes[attrPolicy] = defaultPolicy(t.ARN, t.Account)
		}
		return nil
	})
}

// changeTopic reads a topic, lets change modify its attributes and tags and
// writes them back, in one Update. NotFound if the topic does not exist.
func (s *Service) changeTopic(ctx context.Context, topicARN string, change func(t *Topic) error) error {
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		t, err := getTopic(ctx, tx, topicARN)
		if err != nil {
			return err
		}
		if err := change(t); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sns_topics SET attrs = ?, tags = ? WHERE arn = ?`, encodeJSON(t.Attributes), encodeJSON(t.Tags), topicARN)
		return err
	})
	if errors.Is(err, errNoTopic) {
		return topicNotFound()
	}
	return err
}

// DeleteTopic deletes a topic and its subscriptions. Deleting a topic that
// does not exist succeeds, as on AWS. Messages already published are not
// delivered any more.
func (s *Service) DeleteTopic(ctx context.Context, topicARN string) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sns_topics WHERE arn = ?`, topicARN); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sns_dedup WHERE topic_arn = ?`, topicARN)
		return err
	})
}

const listPage = 100

// ListTopics returns the topic ARNs of account and region by ARN, 100 at a
// time, and the token of the next page ("" at the end). Returns
// InvalidParameter for a token it did not hand out.
func (s *Service) ListTopics(ctx context.Context, account, region, token string) ([]string, string, error) {
	after, err := decodeToken(token)
	if err != nil {
		return nil, "", err
	}
	var arns []string
	err = s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT arn FROM sns_topics WHERE account = ? AND region = ? AND arn > ? ORDER BY arn LIMIT ?`,
			account, region, after, listPage+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			arns = append(arns, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(arns) <= listPage {
		return arns, "", nil
	}
	arns = arns[:listPage]
	return arns, encodeToken(arns[listPage-1]), nil
}

func encodeToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", invalidParameter("NextToken")
	}
	return string(b), nil
}

// Tags.

// TagResource adds or replaces tags of a topic. Returns ResourceNotFound for
// a missing topic and TagLimitExceeded past 50 tags.
func (s *Service) TagResource(ctx context.Context, topicARN string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	err := s.changeTopic(ctx, topicARN, func(t *Topic) error {
		for _, nt := range tags {
			i := slices.IndexFunc(t.Tags, func(x Tag) bool { return x.Key == nt.Key })
			if i >= 0 {
				t.Tags[i].Value = nt.Value
			} else {
				t.Tags = append(t.Tags, nt)
			}
		}
		if len(t.Tags) > maxTags {
			return tagLimit()
		}
		return nil
	})
	return notFoundAsResource(err)
}

// UntagResource removes tags of a topic. Returns ResourceNotFound for a
// missing topic.
func (s *Service) UntagResource(ctx context.Context, topicARN string, keys []string) error {
	err := s.changeTopic(ctx, topicARN, func(t *Topic) error {
		t.Tags = slices.DeleteFunc(t.Tags, func(x Tag) bool { return slices.Contains(keys, x.Key) })
		return nil
	})
	return notFoundAsResource(err)
}

// ListTags returns the tags of a topic. Returns ResourceNotFound for a
// missing topic.
func (s *Service) ListTags(ctx context.Context, topicARN string) ([]Tag, error) {
	t, err := s.topic(ctx, topicARN)
	if err != nil {
		return nil, notFoundAsResource(err)
	}
	return t.Tags, nil
}

func tagLimit() error {
	return newError(CodeTagLimitExceeded, statusBadRequest, "Could not complete request: tag quota of per resource exceeded")
}

func notFoundAsResource(err error) error {
	if e, ok := asError(err); ok && e.Code == CodeNotFound {
		return resourceNotFound()
	}
	return err
}

// Permissions.

// AddPermission adds a statement labelled label to a topic's policy that
// lets the given accounts perform actions (SNS action names without the
// prefix, e.g. "Publish") on it. Returns NotFound for a missing topic and
// InvalidParameter for a label already in use.
func (s *Service) AddPermission(ctx context.Context, topicARN, label string, accounts, actions []string) error {
	if label == "" || len(accounts) == 0 || len(actions) == 0 {
		return invalidParameter("Label, AWSAccountId and ActionName are required")
	}
	return s.changeTopic(ctx, topicARN, func(t *Topic) error {
		doc, stmts, err := policyStatements(t.Attributes[attrPolicy])
		if err != nil {
			return err
		}
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == label {
				return invalidParameter("Statement already exists")
			}
		}
		principals := make([]string, len(accounts))
		for i, a := range accounts {
			principals[i] = "arn:aws:iam::" + a + ":root"
		}
		acts := make([]string, len(actions))
		for i, a := range actions {
			acts[i] = "SNS:" + strings.TrimPrefix(strings.TrimPrefix(a, "SNS:"), "sns:")
		}
		stmts = append(stmts, map[string]any{
			"Sid": label, "Effect": "Allow", "Principal": map[string]any{"AWS": principals},
			"Action": acts, "Resource": t.ARN,
		})
		doc["Statement"] = stmts
		t.Attributes[attrPolicy] = encodeJSON(doc)
		return nil
	})
}

// RemovePermission removes the statement labelled label from a topic's
// policy. Returns NotFound for a missing topic and InvalidParameter when no
// statement has that label.
func (s *Service) RemovePermission(ctx context.Context, topicARN, label string) error {
	return s.changeTopic(ctx, topicARN, func(t *Topic) error {
		doc, stmts, err := policyStatements(t.Attributes[attrPolicy])
		if err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(stmts), func(st any) bool {
			m, ok := st.(map[string]any)
			return ok && m["Sid"] == label
		})
		if len(kept) == len(stmts) {
			return invalidParameter("Statement with label %s does not exist", label)
		}
		doc["Statement"] = kept
		t.Attributes[attrPolicy] = encodeJSON(doc)
		return nil
	})
}

func policyStatements(policy string) (map[string]any, []any, error) {
	doc := map[string]any{}
	if policy != "" {
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			return nil, nil, invalidParameter("Policy Error: the topic's policy is not valid JSON")
		}
	}
	if doc["Version"] == nil {
		doc["Version"] = "2008-10-17"
	}
	switch st := doc["Statement"].(type) {
	case []any:
		return doc, st, nil
	case map[string]any:
		return doc, []any{st}, nil
	}
	return doc, nil, nil
}

// ResourcePolicy returns the access policy (the Policy attribute) of the
// topic resourceARN names, for iam.Authorizer; ok is false when it names no
// existing topic. A subscription ARN answers with its topic's policy.
func (s *Service) ResourcePolicy(ctx context.Context, resourceARN, action string) (string, bool, error) {
	topicARN := resourceARN
	if _, _, _, ok := ParseTopicARN(resourceARN); !ok {
		t, ok := TopicOfSubscription(resourceARN)
		if !ok {
			return "", false, nil
		}
		topicARN = t
	}
	var policy string
	err := s.st.View(ctx, func(tx *store.Tx) error {
		t, err := getTopic(ctx, tx, topicARN)
		if err != nil {
			return err
		}
		policy = t.Attributes[attrPolicy]
		return nil
	})
	if errors.Is(err, errNoTopic) || (err == nil && policy == "") {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return policy, true, nil
}

func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
