// Package metrics counts what the API front end does and exposes it in the
// Prometheus text format at /metrics. It is not a general metrics library: it knows
// the few series Stratus exports, and CloudWatch (a later service) is where users'
// own metrics go.
package metrics

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
)

// bucketBounds are the upper bounds, in seconds, of the request duration histogram.
var bucketBounds = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type seriesKey struct {
	service, operation, code string
	status                   int
}

type series struct {
	count   uint64
	sum     float64
	buckets [len(bucketBounds)]uint64
}

// Registry holds the API request series. It implements awsproto.Observer. The
// zero value is not usable; use New.
type Registry struct {
	start time.Time

	mu     sync.Mutex // guards series
	series map[seriesKey]*series
}

// New returns an empty Registry; now is the process start time reported.
func New(now time.Time) *Registry {
	return &Registry{start: now, series: map[seriesKey]*series{}}
}

var _ awsproto.Observer = (*Registry)(nil)

// Observe records one finished API call.
func (r *Registry) Observe(e *awsproto.Event) {
	k := seriesKey{service: e.Service, operation: e.Operation, code: e.ErrorCode, status: e.Status}
	secs := e.Duration.Seconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.series[k]
	if s == nil {
		s = &series{}
		r.series[k] = s
	}
	s.count++
	s.sum += secs
	for i, b := range bucketBounds {
		if secs <= b {
			s.buckets[i]++
		}
	}
}

// WriteText writes every series in the Prometheus text exposition format.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	keys := make([]seriesKey, 0, len(r.series))
	snap := make(map[seriesKey]series, len(r.series))
	for k, s := range r.series {
		keys = append(keys, k)
		snap[k] = *s
	}
	r.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.service != b.service {
			return a.service < b.service
		}
		if a.operation != b.operation {
			return a.operation < b.operation
		}
		if a.status != b.status {
			return a.status < b.status
		}
		return a.code < b.code
	})
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("# HELP stratus_start_time_seconds When the server started, in Unix seconds.\n# TYPE stratus_start_time_seconds gauge\nstratus_start_time_seconds %d\n", r.start.Unix())
	p("# HELP stratus_api_requests_total API requests by service, operation, HTTP status and error code.\n# TYPE stratus_api_requests_total counter\n")
	for _, k := range keys {
		p("stratus_api_requests_total{%s} %d\n", labels(k), snap[k].count)
	}
	p("# HELP stratus_api_request_duration_seconds API request latency.\n# TYPE stratus_api_request_duration_seconds histogram\n")
	for _, k := range keys {
		s := snap[k]
		l := labels(k)
		for i, b := range bucketBounds {
			p("stratus_api_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", l, b, s.buckets[i])
		}
		p("stratus_api_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", l, s.count)
		p("stratus_api_request_duration_seconds_sum{%s} %g\n", l, s.sum)
		p("stratus_api_request_duration_seconds_count{%s} %d\n", l, s.count)
	}
	return err
}

func labels(k seriesKey) string {
	return fmt.Sprintf("service=%q,operation=%q,status=\"%d\",code=%q", k.service, k.operation, k.status, k.code)
}
