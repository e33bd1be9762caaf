// Package periodic runs a task every interval in a goroutine it owns, between
// Start and Stop: the sweepers of services (log retention, message
// retention). It is not a scheduler: one task, one interval, no catch-up.
package periodic

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Task is one run; its context is cancelled when the Runner stops.
type Task func(ctx context.Context)

// Runner runs a Task every interval once started. Its zero value is not
// usable; use New.
type Runner struct {
	name  string
	every time.Duration
	task  Task

	mu         sync.Mutex // guards stop and done
	stop, done chan struct{}
}

// New returns a Runner of task every interval; name appears in Stop's error.
func New(name string, every time.Duration, task Task) *Runner {
	return &Runner{name: name, every: every, task: task}
}

// Start starts the goroutine. Starting a running Runner does nothing.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		return
	}
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.loop(r.stop, r.done)
}

// Stop cancels a run in progress and waits for the goroutine to end, or for
// ctx. Stopping a stopped Runner does nothing.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.stop, r.done = nil, nil
	r.mu.Unlock()
	if stop == nil {
		return nil
	}
	close(stop)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop %s: %w", r.name, ctx.Err())
	}
}

func (r *Runner) loop(stop, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Ends with loop: either stop closes or cancel runs.
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			r.task(ctx)
		}
	}
}
