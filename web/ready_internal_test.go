package web

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type countingChecker struct {
	calls int
	err   error
}

func (c *countingChecker) Ready(context.Context, time.Time) error {
	c.calls++
	return c.err
}

// GET /readyz is public and writes to the database: a flood of probes
// costs at most one check per readyReuse.
func TestReadinessIsCheckedAtMostOncePerSecond(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	check := &countingChecker{}
	r := newReadiness(check, clock)
	for range 100 {
		if err := r.result(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if check.calls != 1 {
		t.Errorf("100 probes within a second ran %d checks, want 1", check.calls)
	}
	check.err = errors.New("disk full")
	clock.Advance(readyReuse)
	if err := r.result(context.Background()); err == nil || check.calls != 2 {
		t.Errorf("a second later: err %v after %d checks, want the new failure after 2", err, check.calls)
	}
}
