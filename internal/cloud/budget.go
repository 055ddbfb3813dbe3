package cloud

import (
	"context"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Priority says whose call it is: a person waiting for a page, or work that
// runs on its own (the job engine, background counting).
type Priority uint8

// Priorities of calls.
const (
	Interactive Priority = iota // a person is waiting: the default
	Background                  // may wait; leaves a reserve for people
)

type priorityKey struct{}

// WithPriority marks the calls made with ctx.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf is the priority calls made with ctx have (Interactive unless marked).
func PriorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// budget is the call budget of one action in one region: ECS throttles
// every API separately, per account and region, so keybind keeps one token
// bucket per region and action. Background calls take a token only while
// more than reserve are left, so a person's page always finds some at
// once, however busy the engine is; interactive calls take any token.
type budget struct {
	lim     *rate.Limiter
	reserve float64
	sleep   func(ctx context.Context, d time.Duration) error
}

func newBudget(perSecond float64, burst int, reserve float64, sleep func(context.Context, time.Duration) error) *budget {
	return &budget{lim: rate.NewLimiter(rate.Limit(perSecond), burst), reserve: reserve, sleep: sleep}
}

// wait blocks until the call may go out.
func (b *budget) wait(ctx context.Context, p Priority) error {
	if p == Interactive || b.reserve <= 0 {
		return b.lim.Wait(ctx)
	}
	for {
		if t := b.lim.Tokens(); t >= b.reserve+1 && b.lim.Allow() {
			return nil
		}
		// Sleep until the bucket can be above the reserve again.
		deficit := b.reserve + 1 - b.lim.Tokens()
		d := time.Duration(math.Max(deficit, 0.05) / float64(b.lim.Limit()) * float64(time.Second))
		if err := b.sleep(ctx, d); err != nil {
			return err
		}
	}
}
