package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/periodic"
)

func TestTheTaskRunsEveryIntervalUntilStop(t *testing.T) {
	var runs atomic.Int32
	r := periodic.New("test", 5*time.Millisecond, func(ctx context.Context) { runs.Add(1) })
	r.Start()
	r.Start() // no second goroutine
	time.Sleep(60 * time.Millisecond)
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := runs.Load()
	if n < 3 {
		t.Fatalf("ran %d times in 60 ms at 5 ms", n)
	}
	time.Sleep(20 * time.Millisecond)
	if runs.Load() != n {
		t.Fatal("the task ran after Stop")
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestStopCancelsARunInProgress(t *testing.T) {
	started := make(chan struct{})
	r := periodic.New("test", time.Millisecond, func(ctx context.Context) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
	})
	r.Start()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("Stop did not cancel the run: %v", err)
	}
}
