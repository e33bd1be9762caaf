package sns

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// retryPolicy is an HTTP/S healthyRetryPolicy: after the first attempt,
// numRetries retries in four phases (immediate, pre-backoff at the minimum
// delay, backoff from the minimum to the maximum delay, post-backoff at the
// maximum), as AWS documents for delivery policies. Delays are seconds.
type retryPolicy struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// defaultHTTPRetry is AWS's default for HTTP/S: three retries 20 s apart.
var defaultHTTPRetry = retryPolicy{MinDelayTarget: 20, MaxDelayTarget: 20, NumRetries: 3, BackoffFunction: "linear"}

// requestPolicy is an HTTP/S requestPolicy.
type requestPolicy struct {
	HeaderContentType string `json:"headerContentType"`
}

const defaultContentType = "text/plain; charset=UTF-8"

// subscriptionDeliveryPolicy is a subscription's DeliveryPolicy attribute.
type subscriptionDeliveryPolicy struct {
	HealthyRetryPolicy *retryPolicy    `json:"healthyRetryPolicy,omitempty"`
	ThrottlePolicy     json.RawMessage `json:"throttlePolicy,omitempty"`
	RequestPolicy      *requestPolicy  `json:"requestPolicy,omitempty"`
}

// topicDeliveryPolicy is a topic's DeliveryPolicy attribute; only its
// "http" part means anything.
type topicDeliveryPolicy struct {
	HTTP *struct {
		DefaultHealthyRetryPolicy    *retryPolicy    `json:"defaultHealthyRetryPolicy,omitempty"`
		DisableSubscriptionOverrides bool            `json:"disableSubscriptionOverrides"`
		DefaultThrottlePolicy        json.RawMessage `json:"defaultThrottlePolicy,omitempty"`
		DefaultRequestPolicy         *requestPolicy  `json:"defaultRequestPolicy,omitempty"`
	} `json:"http,omitempty"`
}

const maxRetrySeconds = 3600

func (p *retryPolicy) check() error {
	switch {
	case p.MinDelayTarget < 1 || p.MaxDelayTarget < p.MinDelayTarget || p.MaxDelayTarget > maxRetrySeconds:
		return errors.New("minDelayTarget must be at least 1 and not more than maxDelayTarget, which is at most 3600")
	case p.NumRetries < 0 || p.NumRetries > 100:
		return errors.New("numRetries must be between 0 and 100")
	case p.NumNoDelayRetries < 0 || p.NumMinDelayRetries < 0 || p.NumMaxDelayRetries < 0 ||
		p.NumNoDelayRetries+p.NumMinDelayRetries+p.NumMaxDelayRetries > p.NumRetries:
		return errors.New("the retries of the phases must add up to at most numRetries")
	}
	switch p.BackoffFunction {
	case "", "linear", "arithmetic", "geometric", "exponential":
	default:
		return fmt.Errorf("unknown backoffFunction %q", p.BackoffFunction)
	}
	var total time.Duration
	for i := 1; i <= p.NumRetries; i++ {
		total += p.delay(i)
	}
	if total > maxRetrySeconds*time.Second {
		return errors.New("the total retry time must not exceed 3600 seconds")
	}
	return nil
}

// delay is how long to wait before retry number n (1-based).
func (p *retryPolicy) delay(n int) time.Duration {
	minD, maxD := float64(p.MinDelayTarget), float64(p.MaxDelayTarget)
	switch backoffStart := p.NumNoDelayRetries + p.NumMinDelayRetries; {
	case n <= p.NumNoDelayRetries:
		return 0
	case n <= backoffStart:
		return seconds(minD)
	case n <= p.NumRetries-p.NumMaxDelayRetries:
		steps := p.NumRetries - p.NumMaxDelayRetries - backoffStart
		j := n - backoffStart
		var frac float64
		switch p.BackoffFunction {
		case "arithmetic":
			frac = float64(j*(j+1)) / float64(steps*(steps+1))
		case "geometric":
			frac = float64(j*j) / float64(steps*steps)
		case "exponential":
			frac = (math.Exp2(float64(j)) - 1) / (math.Exp2(float64(steps)) - 1)
		default:
			frac = float64(j) / float64(steps)
		}
		return seconds(minD + (maxD-minD)*frac)
	default:
		return seconds(maxD)
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func parseSubscriptionDeliveryPolicy(doc string) (*subscriptionDeliveryPolicy, error) {
	var p subscriptionDeliveryPolicy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, errors.New("the policy is not valid JSON")
	}
	if p.HealthyRetryPolicy != nil {
		if err := p.HealthyRetryPolicy.check(); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func parseTopicDeliveryPolicy(doc string) (*topicDeliveryPolicy, error) {
	var p topicDeliveryPolicy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, errors.New("the policy is not valid JSON")
	}
	if p.HTTP != nil && p.HTTP.DefaultHealthyRetryPolicy != nil {
		if err := p.HTTP.DefaultHealthyRetryPolicy.check(); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// httpPolicy resolves the retry and request policies of an http/https
// subscription from its own DeliveryPolicy and its topic's.
func httpPolicy(topicDoc, subDoc string) (retryPolicy, string) {
	retry, ctype := defaultHTTPRetry, defaultContentType
	override := true
	if topicDoc != "" {
		if tp, err := parseTopicDeliveryPolicy(topicDoc); err == nil && tp.HTTP != nil {
			if tp.HTTP.DefaultHealthyRetryPolicy != nil {
				retry = *tp.HTTP.DefaultHealthyRetryPolicy
			}
			if tp.HTTP.DefaultRequestPolicy != nil && tp.HTTP.DefaultRequestPolicy.HeaderContentType != "" {
				ctype = tp.HTTP.DefaultRequestPolicy.HeaderContentType
			}
			override = !tp.HTTP.DisableSubscriptionOverrides
		}
	}
	if subDoc != "" && override {
		if sp, err := parseSubscriptionDeliveryPolicy(subDoc); err == nil {
			if sp.HealthyRetryPolicy != nil {
				retry = *sp.HealthyRetryPolicy
			}
			if sp.RequestPolicy != nil && sp.RequestPolicy.HeaderContentType != "" {
				ctype = sp.RequestPolicy.HeaderContentType
			}
		}
	}
	return retry, ctype
}

func effectiveTopicDeliveryPolicy(topicDoc string) string {
	retry, ctype := httpPolicy(topicDoc, "")
	return encodeJSON(map[string]any{"http": map[string]any{
		"defaultHealthyRetryPolicy":    retry,
		"disableSubscriptionOverrides": false,
		"defaultRequestPolicy":         requestPolicy{HeaderContentType: ctype},
	}})
}

func effectiveSubscriptionDeliveryPolicy(topicDoc, subDoc string) string {
	retry, ctype := httpPolicy(topicDoc, subDoc)
	return encodeJSON(map[string]any{"healthyRetryPolicy": retry, "requestPolicy": requestPolicy{HeaderContentType: ctype}})
}

// managedRetryDelay is AWS's fixed schedule for AWS managed endpoints (SQS,
// Lambda): 3 immediate retries, 2 one second apart, 10 backing off from 1 to
// 20 seconds, then 100,000 twenty seconds apart. ok is false once the
// retries are exhausted.
func managedRetryDelay(n int) (time.Duration, bool) {
	switch {
	case n <= 3:
		return 0, true
	case n <= 5:
		return time.Second, true
	case n <= 15:
		return min(time.Duration(1<<(n-6))*time.Second, 20*time.Second), true
	case n <= 100015:
		return 20 * time.Second, true
	}
	return 0, false
}
