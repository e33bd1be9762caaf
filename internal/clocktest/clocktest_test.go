package clocktest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/clocktest"
)

func TestStoppedClock(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		adds []time.Duration
		want time.Time
	}{
		{"a new clock reads the time it was given", nil, start},
		{"add moves the clock forward", []time.Duration{time.Minute}, start.Add(time.Minute)},
		{"adds accumulate", []time.Duration{time.Second, time.Hour}, start.Add(time.Hour + time.Second)},
		{"a negative add moves the clock back", []time.Duration{-time.Hour}, start.Add(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clocktest.New(start)
			for _, d := range tt.adds {
				c.Add(d)
			}
			if got := c.Now(); !got.Equal(tt.want) {
				t.Errorf("Now() = %v, want %v", got, tt.want)
			}
			time.Sleep(time.Millisecond)
			if got := c.Now(); !got.Equal(tt.want) {
				t.Errorf("Now() moved by itself to %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWallClock(t *testing.T) {
	tests := []struct {
		name string
		add  time.Duration
	}{
		{"a new wall clock reads real time", 0},
		{"add shifts a wall clock ahead of real time", time.Hour},
		{"a negative add shifts a wall clock behind real time", -20 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clocktest.NewWall()
			c.Add(tt.add)
			before := time.Now().Add(tt.add)
			got := c.Now()
			after := time.Now().Add(tt.add)
			if got.Before(before) || got.After(after) {
				t.Errorf("Now() = %v, want between %v and %v", got, before, after)
			}
		})
	}
}

func TestConcurrentUseIsSafe(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := clocktest.New(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Add(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(800*time.Second); !got.Equal(want) {
		t.Errorf("after 800 concurrent one-second adds Now() = %v, want %v", got, want)
	}
}
