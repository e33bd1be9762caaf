// Package clocktest provides a settable clock for tests, so that code taking
// a `Now func() time.Time` can be driven through time without sleeping.
//
// It is not for production code: production code reads time.Now (or the Now
// its configuration injects) and never moves a clock by hand.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a test clock that moves only when the test moves it (New), or
// that follows the wall clock shifted by an offset the test moves (NewWall).
// It is safe for concurrent use; pass its Now method where a
// `func() time.Time` is wanted.
type Clock struct {
	wall bool // set at construction and never changed: Now follows time.Now

	mu     sync.Mutex    // guards t and offset
	t      time.Time     // the current time of a stopped clock
	offset time.Duration // the shift from time.Now of a wall clock
}

// New returns a clock stopped at t: Now returns t until Add moves it.
func New(t time.Time) *Clock {
	return &Clock{t: t}
}

// NewWall returns a clock that follows time.Now, shifted by the sum of
// everything passed to Add. Use it where the code under test also compares
// against real time (request signatures, timers) but a test must still jump
// ahead, for example to make a retry due without waiting for it.
func NewWall() *Clock {
	return &Clock{wall: true}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall {
		return time.Now().Add(c.offset)
	}
	return c.t
}

// Add moves the clock by d, which may be negative.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall {
		c.offset += d
		return
	}
	c.t = c.t.Add(d)
}
