package cloud

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A busy engine (background calls) leaves the reserve of a budget to people: once background
// calls have taken the bucket down to the reserve they wait, and interactive calls still go out
// at once.
func TestBudgetKeepsAReserveForPeople(t *testing.T) {
	var slept []time.Duration
	errWouldWait := errors.New("would wait")
	b := newBudget(1, 8, 2, func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return errWouldWait
	})
	ctx := context.Background()
	for i := range 6 {
		if err := b.wait(ctx, Background); err != nil {
			t.Fatalf("background call %d of 6 refused: %v", i+1, err)
		}
	}
	if err := b.wait(ctx, Background); !errors.Is(err, errWouldWait) || len(slept) != 1 {
		t.Fatalf("7th background call: %v after %d sleeps, want it to wait for the bucket to refill above the reserve", err, len(slept))
	}
	if slept[0] < 500*time.Millisecond {
		t.Errorf("background waits %v, want about a token's time at 1/s", slept[0])
	}
	for i := range 2 {
		ictx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := b.wait(ictx, Interactive)
		cancel()
		if err != nil {
			t.Fatalf("interactive call %d with the engine saturated: %v, want it at once", i+1, err)
		}
	}
}

func TestPriorityTravelsInTheContext(t *testing.T) {
	if p := PriorityOf(context.Background()); p != Interactive {
		t.Errorf("default priority %v, want Interactive", p)
	}
	if p := PriorityOf(WithPriority(context.Background(), Background)); p != Background {
		t.Errorf("priority %v, want Background", p)
	}
}
