package keypairs

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"keybind/internal/cloud"
)

const (
	usagePageSize    = 100 // DescribeInstances' largest page
	usageConcurrency = 4
	usageSample      = 10 // instances named on a key pair's page

	// DefaultUsageTTL is how long a region's usage counts are shown before a
	// page view starts counting again.
	DefaultUsageTTL = 2 * time.Minute
	// usageWait is how long a page waits for a count already under way
	// before it shows what it has (or "counting").
	usageWait = 1500 * time.Millisecond
	// usageTimeout bounds one count of a region.
	usageTimeout = 2 * time.Minute
)

// Clock tells the service what time it is.
type Clock interface{ Now() time.Time }

// Usage is a region's key pair usage as last counted.
type Usage struct {
	Counts    map[string]int // instances per key pair, for every key pair some instance uses
	CountedAt time.Time      // zero: not counted yet
	Counting  bool           // a count is under way
	Err       error          // the last count failed (Counts, if any, are from before)
}

// regionUsage is the count of one region and the count under way, if any.
type regionUsage struct {
	last Usage
	done chan struct{} // closed when the count under way ends; nil when none
}

// usageCounter counts, in the background, the instances that use each key
// pair of a region, by listing the region (100 per page, four pages at a
// time, at background priority), and keeps the result for the TTL.
type usageCounter struct {
	src   InstanceFinder
	clock Clock
	ttl   time.Duration

	mu      sync.Mutex
	regions map[string]*regionUsage
}

// Usage returns the region's usage as last counted, and starts a new count
// in the background when there is none or it is older than the TTL. It
// waits briefly for a count under way, never for the cloud otherwise: the
// key pairs page does not wait for a 5,000-instance region to be listed.
func (s *Service) Usage(ctx context.Context, region string) Usage {
	return s.usage.get(ctx, region)
}

func (u *usageCounter) get(ctx context.Context, region string) Usage {
	account := cloud.AccountOf(ctx)
	key := account + "|" + region // each cloud account has its own fleet
	u.mu.Lock()
	r := u.regions[key]
	if r == nil {
		r = &regionUsage{}
		u.regions[key] = r
	}
	if r.done == nil && (r.last.CountedAt.IsZero() || u.clock.Now().Sub(r.last.CountedAt) >= u.ttl) {
		r.done = make(chan struct{})
		go u.count(account, cloud.ActorOf(ctx), region, r)
	}
	done := r.done
	u.mu.Unlock()
	if done != nil {
		t := time.NewTimer(usageWait)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	out := r.last
	out.Counting = r.done != nil
	return out
}

// count lists the region of the account and records the tally.
func (u *usageCounter) count(account, actor, region string, r *regionUsage) {
	ctx := cloud.WithActor(cloud.WithAccount(context.Background(), account), actor)
	ctx, cancel := context.WithTimeout(cloud.WithPriority(ctx, cloud.Background), usageTimeout)
	defer cancel()
	counts, err := tally(ctx, u.src, region)
	u.mu.Lock()
	defer u.mu.Unlock()
	if err == nil {
		r.last = Usage{Counts: counts, CountedAt: u.clock.Now()}
	} else {
		r.last.Err = err
	}
	close(r.done)
	r.done = nil
}

// InstanceFinder lists instances; the part of Cloud usage counts need.
type InstanceFinder interface {
	Instances(ctx context.Context, region string, f cloud.InstanceFilter) (cloud.InstancePage, error)
}

// tally lists every instance of the region and counts them by key pair:
// one call gives the first page and the fleet size, the other pages are
// read usageConcurrency at a time (5,000 instances: 50 calls).
func tally(ctx context.Context, f InstanceFinder, region string) (map[string]int, error) {
	first, err := f.Instances(ctx, region, cloud.InstanceFilter{PageNumber: 1, PageSize: usagePageSize})
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	var mu sync.Mutex
	add := func(items []cloud.Instance) {
		mu.Lock()
		defer mu.Unlock()
		for _, in := range items {
			if in.KeyPairName != "" {
				counts[in.KeyPairName]++
			}
		}
	}
	add(first.Items)
	pages := (first.Total + usagePageSize - 1) / usagePageSize
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(usageConcurrency)
	for i := 2; i <= pages; i++ {
		g.Go(func() error {
			p, err := f.Instances(gctx, region, cloud.InstanceFilter{PageNumber: i, PageSize: usagePageSize})
			if err == nil {
				add(p.Items)
			}
			return err
		})
	}
	return counts, g.Wait()
}

// Users returns how many instances use the key pair and the first few of them.
func (s *Service) Users(ctx context.Context, region, name string) (int, []cloud.Instance, error) {
	p, err := s.cloud.Instances(ctx, region, cloud.InstanceFilter{KeyPairName: name, PageSize: usageSample})
	return p.Total, p.Items, err
}
