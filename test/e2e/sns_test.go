package e2e

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// snsQueue creates an SQS queue with the AWS CLI, lets SNS topics of the
// account send to it (as users must on AWS) and returns its URL and ARN.
func (s *server) snsQueue(t *testing.T, name string, fifo bool) (url, arn string) {
	t.Helper()
	args := []string{"sqs", "create-queue", "--queue-name", name}
	if fifo {
		args = append(args, "--attributes", "FifoQueue=true")
	}
	url, _ = s.awsOK(s.admin(), args...)["QueueUrl"].(string)
	attrs := s.awsOK(s.admin(), "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn")
	arn, _ = attrs["Attributes"].(map[string]any)["QueueArn"].(string)
	if url == "" || arn == "" {
		t.Fatalf("queue %s: url %q arn %q", name, url, arn)
	}
	account := strings.Split(arn, ":")[4]
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage",` +
		`"Resource":"` + arn + `","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:` + account + `:*"}}}]}`
	b, _ := json.Marshal(map[string]string{"Policy": policy})
	s.awsOK(s.admin(), "sqs", "set-queue-attributes", "--queue-url", url, "--attributes", string(b))
	return url, arn
}

// snsReceive receives one message from a queue with the AWS CLI.
func (s *server) snsReceive(t *testing.T, url string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out := s.awsOK(s.admin(), "sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "2",
			"--message-attribute-names", "All")
		if msgs, _ := out["Messages"].([]any); len(msgs) > 0 {
			return msgs[0].(map[string]any)
		}
	}
	t.Fatalf("no message arrived in %s", url)
	return nil
}

// snsVerify checks an SNS envelope's signature with the certificate served
// at its SigningCertURL, as AWS's message validators do.
func snsVerify(t *testing.T, env map[string]any) {
	t.Helper()
	str := func(k string) string { v, _ := env[k].(string); return v }
	resp, err := http.Get(str("SigningCertURL"))
	if err != nil {
		t.Fatalf("GET SigningCertURL: %v", err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	block, _ := pem.Decode(pemBytes)
	if resp.StatusCode != 200 || block == nil {
		t.Fatalf("GET %s: %d %s", str("SigningCertURL"), resp.StatusCode, pemBytes)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if str("Type") != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var canon strings.Builder
	for _, k := range keys {
		if v, ok := env[k].(string); ok {
			canon.WriteString(k + "\n" + v + "\n")
		}
	}
	sig, _ := base64.StdEncoding.DecodeString(str("Signature"))
	pub := cert.PublicKey.(*rsa.PublicKey)
	if str("SignatureVersion") == "2" {
		sum := sha256.Sum256([]byte(canon.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	} else {
		sum := sha1.Sum([]byte(canon.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
	}
	if err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
}

func TestSNSFanOutToSQSWithTheCLI(t *testing.T) {
	s := startServer(t)
	a := s.admin()
	url, qarn := s.snsQueue(t, "orders", false)
	topic, _ := s.awsOK(a, "sns", "create-topic", "--name", "orders")["TopicArn"].(string)
	if !strings.HasPrefix(topic, "arn:aws:sns:us-east-1:") || !strings.HasSuffix(topic, ":orders") {
		t.Fatalf("TopicArn %q", topic)
	}
	sub, _ := s.awsOK(a, "sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", qarn,
		"--return-subscription-arn")["SubscriptionArn"].(string)
	pub := s.awsOK(a, "sns", "publish", "--topic-arn", topic, "--subject", "New order", "--message", "order 42 placed",
		"--message-attributes", `{"kind":{"DataType":"String","StringValue":"order"}}`)
	msg := s.snsReceive(t, url)
	var env map[string]any
	if err := json.Unmarshal([]byte(msg["Body"].(string)), &env); err != nil {
		t.Fatalf("the SQS body is not SNS's JSON envelope: %v\n%s", err, msg["Body"])
	}
	t.Run("the queue gets AWS's envelope", func(t *testing.T) {
		if env["Type"] != "Notification" || env["MessageId"] != pub["MessageId"] || env["TopicArn"] != topic ||
			env["Subject"] != "New order" || env["Message"] != "order 42 placed" || !strings.Contains(fmt.Sprint(env["UnsubscribeURL"]), "Action=Unsubscribe") {
			t.Errorf("got %v", env)
		}
		kind, _ := env["MessageAttributes"].(map[string]any)["kind"].(map[string]any)
		if kind["Type"] != "String" || kind["Value"] != "order" {
			t.Errorf("MessageAttributes: %v", env["MessageAttributes"])
		}
	})
	t.Run("its signature verifies with the certificate Stratus serves", func(t *testing.T) {
		snsVerify(t, env)
	})
	t.Run("the subscription is listed and described", func(t *testing.T) {
		list := s.awsOK(a, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)
		subs, _ := list["Subscriptions"].([]any)
		if len(subs) != 1 || subs[0].(map[string]any)["SubscriptionArn"] != sub {
			t.Errorf("got %v", list)
		}
		attrs := s.awsOK(a, "sns", "get-subscription-attributes", "--subscription-arn", sub)["Attributes"].(map[string]any)
		if attrs["Protocol"] != "sqs" || attrs["Endpoint"] != qarn || attrs["PendingConfirmation"] != "false" {
			t.Errorf("got %v", attrs)
		}
	})
	t.Run("errors come back as AWS's", func(t *testing.T) {
		stderr := s.awsErr(a, "sns", "publish", "--topic-arn", topic+"-missing", "--message", "x")
		if !strings.Contains(stderr, "NotFound") {
			t.Errorf("got %s", stderr)
		}
	})
}

func TestSNSWithBoto3(t *testing.T) {
	s := startServer(t)
	fifoURL, fifoARN := s.snsQueue(t, "events.fifo", true)
	rawURL, rawARN := s.snsQueue(t, "raw", false)
	script := `
import boto3, json
sns, sqs = boto3.client("sns"), boto3.client("sqs")
out = {}
fifo = sns.create_topic(Name="events.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint="` + fifoARN + `")
for i in range(6):
    sns.publish(TopicArn=fifo, Message="m%d" % i, MessageGroupId="g")
bodies = []
for _ in range(20):
    r = sqs.receive_message(QueueUrl="` + fifoURL + `", MaxNumberOfMessages=10, WaitTimeSeconds=1)
    for m in r.get("Messages", []):
        bodies.append(json.loads(m["Body"])["Message"])
        sqs.delete_message(QueueUrl="` + fifoURL + `", ReceiptHandle=m["ReceiptHandle"])
    if len(bodies) >= 6:
        break
out["fifo"] = bodies
std = sns.create_topic(Name="std")["TopicArn"]
sns.subscribe(TopicArn=std, Protocol="sqs", Endpoint="` + rawARN + `",
    Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"price": [{"numeric": [">=", 100]}]})})
batch = sns.publish_batch(TopicArn=std, PublishBatchRequestEntries=[
    {"Id": "cheap", "Message": "cheap", "MessageAttributes": {"price": {"DataType": "Number", "StringValue": "5"}}},
    {"Id": "dear", "Message": "dear", "MessageAttributes": {"price": {"DataType": "Number", "StringValue": "500"}}},
])
out["batch"] = sorted(e["Id"] for e in batch["Successful"])
raw = []
for _ in range(10):
    r = sqs.receive_message(QueueUrl="` + rawURL + `", WaitTimeSeconds=1, MessageAttributeNames=["All"])
    raw += [{"body": m["Body"], "price": m.get("MessageAttributes", {}).get("price", {}).get("StringValue")} for m in r.get("Messages", [])]
    if raw:
        break
out["raw"] = raw
try:
    sns.publish(TopicArn=fifo, Message="no group")
except sns.exceptions.InvalidParameterException as e:
    out["fifoError"] = e.response["Error"]["Code"]
print(json.dumps(out))
`
	out := s.python(s.admin(), script)
	t.Run("a FIFO topic delivers a group in order to a FIFO queue", func(t *testing.T) {
		if got := fmt.Sprint(out["fifo"]); got != "[m0 m1 m2 m3 m4 m5]" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("publish_batch publishes every entry", func(t *testing.T) {
		if got := fmt.Sprint(out["batch"]); got != "[cheap dear]" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("raw delivery passes the filter policy's message with its attributes", func(t *testing.T) {
		if got := fmt.Sprint(out["raw"]); got != "[map[body:dear price:500]]" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a FIFO publish without a group is InvalidParameter", func(t *testing.T) {
		if out["fifoError"] != "InvalidParameter" {
			t.Errorf("got %v", out["fifoError"])
		}
	})
}

// snsEndpoint is an http subscriber on the host.
type snsEndpoint struct {
	*httptest.Server
	mu   sync.Mutex // guards got and fail
	got  []map[string]any
	fail int // notifications still to answer with 503
}

func (ep *snsEndpoint) messages(typ string) []map[string]any {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	var out []map[string]any
	for _, m := range ep.got {
		if m["Type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func snsWaitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSNSHTTPSubscriptionAndDeliveryAcrossKill9(t *testing.T) {
	s := startServer(t)
	a := s.admin()
	ep := &snsEndpoint{fail: 1}
	ep.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &m) != nil || r.Header.Get("x-amz-sns-message-type") != m["Type"] {
			w.WriteHeader(400)
			return
		}
		ep.mu.Lock()
		defer ep.mu.Unlock()
		ep.got = append(ep.got, m)
		if m["Type"] == "Notification" && ep.fail > 0 {
			ep.fail--
			w.WriteHeader(503)
		}
	}))
	defer ep.Close()
	topic, _ := s.awsOK(a, "sns", "create-topic", "--name", "hooks")["TopicArn"].(string)
	policy := `{"healthyRetryPolicy":{"minDelayTarget":3,"maxDelayTarget":3,"numRetries":5}}`
	b, _ := json.Marshal(map[string]string{"DeliveryPolicy": policy})
	sub := s.awsOK(a, "sns", "subscribe", "--topic-arn", topic, "--protocol", "http", "--notification-endpoint", ep.URL+"/hook",
		"--attributes", string(b))
	if sub["SubscriptionArn"] != "pending confirmation" {
		t.Fatalf("got %v", sub)
	}
	snsWaitFor(t, "the confirmation arrived", 10*time.Second, func() bool { return len(ep.messages("SubscriptionConfirmation")) == 1 })
	confirm := ep.messages("SubscriptionConfirmation")[0]
	t.Run("the confirmation is signed and its SubscribeURL confirms without credentials", func(t *testing.T) {
		snsVerify(t, confirm)
		resp, err := http.Get(confirm["SubscribeURL"].(string))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "<SubscriptionArn>"+topic+":") {
			t.Fatalf("GET SubscribeURL: %d %s", resp.StatusCode, body)
		}
	})
	pub := s.awsOK(a, "sns", "publish", "--topic-arn", topic, "--message", "survives")
	snsWaitFor(t, "the first attempt arrived", 10*time.Second, func() bool { return len(ep.messages("Notification")) == 1 })
	s.kill()
	s.start()
	t.Run("the retry after kill -9 and restart delivers the acknowledged message", func(t *testing.T) {
		snsWaitFor(t, "the retry arrived", 30*time.Second, func() bool { return len(ep.messages("Notification")) >= 2 })
		n := ep.messages("Notification")
		if n[1]["MessageId"] != pub["MessageId"] || n[1]["Message"] != "survives" {
			t.Errorf("got %v", n[1])
		}
		snsVerify(t, n[1])
	})
}
