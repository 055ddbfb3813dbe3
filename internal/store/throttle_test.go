package store

import (
	"context"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)

	if r, err := st.Throttle(ctx, "alice"); err != nil || r.Failures != 0 {
		t.Fatalf("Throttle of an unseen name = %+v, %v; want zero failures", r, err)
	}
	for i := 1; i <= 3; i++ {
		n, err := st.RecordFailure(ctx, "alice", t0.Add(time.Duration(i)*time.Second))
		if err != nil || n != i {
			t.Fatalf("RecordFailure #%d = %d, %v", i, n, err)
		}
	}
	r, err := st.Throttle(ctx, "alice")
	if err != nil || r.Failures != 3 || !r.LastFailureAt.Equal(t0.Add(3*time.Second)) {
		t.Errorf("Throttle = %+v, %v; want 3 failures, last at t0+3s", r, err)
	}
	if _, err := st.RecordFailure(ctx, "bob", t0.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PurgeThrottle(ctx, t0.Add(-24*time.Hour)); err != nil || n != 1 {
		t.Errorf("PurgeThrottle = %d, %v; want 1 (bob)", n, err)
	}
	if err := st.ResetThrottle(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Throttle(ctx, "alice"); r.Failures != 0 {
		t.Errorf("after ResetThrottle: %d failures, want 0", r.Failures)
	}
}
