package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// crashLedger records what the server acknowledged and what came out.
type crashLedger struct {
	mu        sync.Mutex
	events    map[string]bool // event id -> whether it is meant to fail
	messages  map[string]bool // SQS message bodies acknowledged
	delivered map[string]int  // event id -> records seen (success or failure)
	dead      map[string]int  // event id -> dead letters seen
	received  map[string]int  // message body -> times received
}

// TestNothingAcknowledgedIsLostAcrossKill9 sends asynchronous invokes and SQS
// messages while the server is killed with SIGKILL at random moments and
// restarted, then checks that every acknowledged event reached a destination
// (its success or failure record; failures also their dead-letter queue) and
// every acknowledged message can be received: lost must be 0. Duplicates are
// allowed (delivery is at least once) and counted.
func TestNothingAcknowledgedIsLostAcrossKill9(t *testing.T) {
	s := startServerWith(t, "--lambda-retry-delay", "50ms")
	admin := s.admin()
	role := s.lambdaRole("crash-role")
	url := func(name string) string {
		return s.awsOK(admin, "sqs", "create-queue", "--queue-name", name)["QueueUrl"].(string)
	}
	queueARN := func(name string) string {
		return "arn:aws:sqs:us-east-1:" + strings.Split(url(name), "/")[3] + ":" + name
	}
	for _, q := range []string{"crash-ok", "crash-failed", "crash-dlq", "crash-plain"} {
		url(q)
	}
	s.asyncFunction(t, "crash-worker", role, "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('meant to fail')\n    return {'id': event['id']}\n")
	s.awsOK(admin, "lambda", "put-function-event-invoke-config", "--function-name", "crash-worker", "--maximum-retry-attempts", "0",
		"--destination-config", `{"OnSuccess":{"Destination":"`+queueARN("crash-ok")+`"},"OnFailure":{"Destination":"`+queueARN("crash-failed")+`"}}`)
	s.awsOK(admin, "lambda", "update-function-configuration", "--function-name", "crash-worker", "--dead-letter-config", "TargetArn="+queueARN("crash-dlq"))
	s.awsOK(admin, "lambda", "wait", "function-updated-v2", "--function-name", "crash-worker")

	l := &crashLedger{events: map[string]bool{}, messages: map[string]bool{}, delivered: map[string]int{}, dead: map[string]int{}, received: map[string]int{}}
	const rounds, senders = 4, 8
	for round := range rounds {
		cfg := s.sdkConfig(admin)
		lc, qc := lambdasdk.NewFromConfig(cfg), sqssdk.NewFromConfig(cfg)
		plain := url("crash-plain")
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range senders {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					id := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					fail := i%4 == 0
					payload, _ := json.Marshal(map[string]any{"id": id, "fail": fail})
					if _, err := lc.Invoke(ctx, &lambdasdk.InvokeInput{FunctionName: aws.String("crash-worker"),
						InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload}); err == nil {
						l.mu.Lock()
						l.events[id] = fail
						l.mu.Unlock()
					}
					if _, err := qc.SendMessage(ctx, &sqssdk.SendMessageInput{QueueUrl: aws.String(plain), MessageBody: aws.String(id)}); err == nil {
						l.mu.Lock()
						l.messages[id] = true
						l.mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
		s.kill() // while the senders are sending and the dispatcher is delivering
		cancel()
		wg.Wait()
		s.start()
	}

	// Drain the destinations until every acknowledged event and message is
	// accounted for.
	cfg := s.sdkConfig(admin)
	qc := sqssdk.NewFromConfig(cfg)
	drain := func(name string, each func(body string)) {
		u := url(name)
		for {
			out, err := qc.ReceiveMessage(context.Background(), &sqssdk.ReceiveMessageInput{QueueUrl: aws.String(u), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatalf("receive from %s: %v", name, err)
			}
			if len(out.Messages) == 0 {
				return
			}
			for _, m := range out.Messages {
				each(aws.ToString(m.Body))
				if _, err := qc.DeleteMessage(context.Background(), &sqssdk.DeleteMessageInput{QueueUrl: aws.String(u), ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatalf("delete from %s: %v", name, err)
				}
			}
		}
	}
	recordID := func(body string) string {
		var rec struct {
			RequestPayload struct {
				ID string `json:"id"`
			} `json:"requestPayload"`
		}
		_ = json.Unmarshal([]byte(body), &rec)
		return rec.RequestPayload.ID
	}
	missing := func() (events, deadLetters, messages int) {
		l.mu.Lock()
		defer l.mu.Unlock()
		for id, fail := range l.events {
			if l.delivered[id] == 0 {
				events++
			}
			if fail && l.dead[id] == 0 {
				deadLetters++
			}
		}
		for id := range l.messages {
			if l.received[id] == 0 {
				messages++
			}
		}
		return
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		drain("crash-ok", func(b string) { l.mu.Lock(); l.delivered[recordID(b)]++; l.mu.Unlock() })
		drain("crash-failed", func(b string) { l.mu.Lock(); l.delivered[recordID(b)]++; l.mu.Unlock() })
		drain("crash-dlq", func(b string) {
			var ev struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal([]byte(b), &ev)
			l.mu.Lock()
			l.dead[ev.ID]++
			l.mu.Unlock()
		})
		drain("crash-plain", func(b string) { l.mu.Lock(); l.received[b]++; l.mu.Unlock() })
		e, d, m := missing()
		if e == 0 && d == 0 && m == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after 3 minutes: %d acknowledged events without a record, %d failing events without a dead letter, %d messages never received", e, d, m)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	dupEvents, dupMessages := 0, 0
	for _, n := range l.delivered {
		dupEvents += max(n-1, 0)
	}
	for _, n := range l.received {
		dupMessages += max(n-1, 0)
	}
	lostEvents, _, lostMessages := 0, 0, 0
	for id := range l.events {
		if l.delivered[id] == 0 {
			lostEvents++
		}
	}
	for id := range l.messages {
		if l.received[id] == 0 {
			lostMessages++
		}
	}
	t.Logf("kill -9 x%d: async invokes acknowledged %d, delivered %d, duplicates %d, lost %d; SQS messages acknowledged %d, received %d, duplicates %d, lost %d",
		rounds, len(l.events), len(l.events)-lostEvents, dupEvents, lostEvents, len(l.messages), len(l.messages)-lostMessages, dupMessages, lostMessages)
	if len(l.events) < 100 || len(l.messages) < 100 {
		t.Errorf("too little was acknowledged to prove anything: %d events, %d messages", len(l.events), len(l.messages))
	}
	if lostEvents != 0 || lostMessages != 0 {
		t.Errorf("lost %d events and %d messages", lostEvents, lostMessages)
	}
	// Duplicates come only from deliveries in flight at a crash (docs/lambda.md):
	// at most the dispatcher's 64 concurrent deliveries per kill. Messages are
	// sent once and deleted as they are received: none.
	if dupEvents > rounds*64 || dupMessages != 0 {
		t.Errorf("%d duplicate events (bound %d) and %d duplicate messages (bound 0)", dupEvents, rounds*64, dupMessages)
	}
}
