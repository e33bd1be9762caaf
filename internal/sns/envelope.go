package sns

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// envelope is AWS's JSON form of the messages SNS sends to http/https
// endpoints and (unless RawMessageDelivery) to SQS queues: notifications,
// subscription confirmations and unsubscribe confirmations. Field order is
// AWS's.
type envelope struct {
	Type              string             `json:"Type"`
	MessageID         string             `json:"MessageId"`
	SequenceNumber    string             `json:"SequenceNumber,omitempty"`
	Token             string             `json:"Token,omitempty"`
	TopicArn          string             `json:"TopicArn"`
	Subject           string             `json:"Subject,omitempty"`
	Message           string             `json:"Message"`
	SubscribeURL      string             `json:"SubscribeURL,omitempty"`
	Timestamp         string             `json:"Timestamp"`
	SignatureVersion  string             `json:"SignatureVersion,omitempty"`
	Signature         string             `json:"Signature,omitempty"`
	SigningCertURL    string             `json:"SigningCertURL,omitempty"`
	UnsubscribeURL    string             `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]envAttr `json:"MessageAttributes,omitempty"`
}

// envAttr is a message attribute in an envelope or Lambda event; binary
// values are base64.
type envAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

func envAttrs(attrs map[string]MessageAttribute) map[string]envAttr {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]envAttr, len(attrs))
	for k, a := range attrs {
		v := a.StringValue
		if baseType(a.DataType) == "Binary" {
			v = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		out[k] = envAttr{Type: a.DataType, Value: v}
	}
	return out
}

// signEnvelope signs env with the canonical string AWS defines for its type.
func (s *Service) signEnvelope(env *envelope, version string) {
	if version == "" {
		version = "1"
	}
	var fields [][2]string
	if env.Type == "Notification" {
		fields = append(fields, [2]string{"Message", env.Message}, [2]string{"MessageId", env.MessageID})
		if env.Subject != "" {
			fields = append(fields, [2]string{"Subject", env.Subject})
		}
		fields = append(fields, [2]string{"Timestamp", env.Timestamp}, [2]string{"TopicArn", env.TopicArn}, [2]string{"Type", env.Type})
	} else {
		fields = [][2]string{{"Message", env.Message}, {"MessageId", env.MessageID}, {"SubscribeURL", env.SubscribeURL},
			{"Timestamp", env.Timestamp}, {"Token", env.Token}, {"TopicArn", env.TopicArn}, {"Type", env.Type}}
	}
	env.SignatureVersion = version
	env.Signature = s.signer.sign(version, fields)
	env.SigningCertURL = s.certURL()
}

// encode writes v as JSON without escaping <, > and & (AWS does not).
func encodeNoEscape(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

func (env *envelope) encode() string { return encodeNoEscape(env) }

// notification builds the envelope of message m for subscription sub of
// topic t: signed on standard topics, with the sequence number on FIFO ones.
func (s *Service) notification(t *Topic, sub *Subscription, m *message) *envelope {
	env := &envelope{
		Type: "Notification", MessageID: m.ID, TopicArn: t.ARN, Subject: m.Subject,
		Message: m.forProtocol(sub.Protocol), Timestamp: m.Timestamp,
		UnsubscribeURL: s.unsubscribeURL(sub.ARN), MessageAttributes: envAttrs(m.Attributes),
	}
	if t.FIFO {
		env.SequenceNumber = m.SequenceNumber
	} else {
		s.signEnvelope(env, t.Attributes[attrSignatureVersion])
	}
	return env
}

// lambdaEvent is the event SNS invokes Lambda functions with.
type lambdaEvent struct {
	Records []lambdaRecord `json:"Records"`
}

type lambdaRecord struct {
	EventSource          string    `json:"EventSource"`
	EventVersion         string    `json:"EventVersion"`
	EventSubscriptionArn string    `json:"EventSubscriptionArn"`
	Sns                  lambdaSNS `json:"Sns"`
}

type lambdaSNS struct {
	Type              string             `json:"Type"`
	MessageID         string             `json:"MessageId"`
	TopicArn          string             `json:"TopicArn"`
	Subject           *string            `json:"Subject"`
	Message           string             `json:"Message"`
	Timestamp         string             `json:"Timestamp"`
	SignatureVersion  string             `json:"SignatureVersion"`
	Signature         string             `json:"Signature"`
	SigningCertURL    string             `json:"SigningCertUrl"`
	UnsubscribeURL    string             `json:"UnsubscribeUrl"`
	MessageAttributes map[string]envAttr `json:"MessageAttributes"`
}

// lambdaPayload builds the Lambda event of message m for subscription sub.
func (s *Service) lambdaPayload(t *Topic, sub *Subscription, m *message) []byte {
	env := s.notification(t, sub, m)
	rec := lambdaSNS{
		Type: env.Type, MessageID: env.MessageID, TopicArn: env.TopicArn, Message: env.Message, Timestamp: env.Timestamp,
		SignatureVersion: env.SignatureVersion, Signature: env.Signature, SigningCertURL: env.SigningCertURL,
		UnsubscribeURL: env.UnsubscribeURL, MessageAttributes: env.MessageAttributes,
	}
	if env.Subject != "" {
		rec.Subject = &env.Subject
	}
	if rec.MessageAttributes == nil {
		rec.MessageAttributes = map[string]envAttr{}
	}
	ev := lambdaEvent{Records: []lambdaRecord{{EventSource: "aws:sns", EventVersion: "1.0", EventSubscriptionArn: sub.ARN, Sns: rec}}}
	return []byte(encodeNoEscape(ev))
}
