package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// The API's limits are a token bucket in the database: a burst, then one
// call per interval; a refused call spends nothing and says how long to wait.
func TestTokenBucketInTheDatabase(t *testing.T) {
	st := openTest(t)
	ctx := context.Background()
	l := RateLimit{Interval: time.Second, Burst: 3}
	for i := range 3 {
		if wait, ok, err := st.TakeToken(ctx, "user:1", l, t0); err != nil || !ok || wait != 0 {
			t.Fatalf("call %d of the burst: wait %v, ok %t, %v; want allowed", i+1, wait, ok, err)
		}
	}
	wait, ok, err := st.TakeToken(ctx, "user:1", l, t0)
	if err != nil || ok || wait != time.Second {
		t.Fatalf("past the burst: wait %v, ok %t, %v; want refused, 1s to wait", wait, ok, err)
	}
	if w, err := st.PeekToken(ctx, "user:1", l, t0.Add(400*time.Millisecond)); err != nil || w != 600*time.Millisecond {
		t.Errorf("peek 400ms later: %v, %v; want 600ms (the refused call spent nothing)", w, err)
	}
	if _, ok, _ := st.TakeToken(ctx, "user:2", l, t0); !ok {
		t.Error("another key is limited by user:1's calls")
	}
	if _, ok, err := st.TakeToken(ctx, "user:1", l, t0.Add(time.Second)); err != nil || !ok {
		t.Errorf("a second later: %t, %v; want one more call", ok, err)
	}
	if n, err := st.PurgeRateLimits(ctx, t0.Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("purge a minute later = %d, %v; want both keys gone", n, err)
	}
}

// Callers at once (replicas) share one bucket: exactly the burst gets through.
func TestTokenBucketIsSharedByConcurrentCallers(t *testing.T) {
	st := openTest(t)
	l := RateLimit{Interval: time.Hour, Burst: 10}
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			_, ok, err := st.TakeToken(context.Background(), "addr:192.0.2.1", l, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 10 {
		t.Errorf("%d of 40 concurrent calls allowed, want the burst of 10", allowed)
	}
}
