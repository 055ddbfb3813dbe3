package keypairs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
)

// fakeFleet answers DescribeInstances from memory and counts the calls.
type fakeFleet struct {
	mu        sync.Mutex
	instances []cloud.Instance
	calls     int
	fail      error
}

func (f *fakeFleet) Instances(_ context.Context, _ string, flt cloud.InstanceFilter) (cloud.InstancePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return cloud.InstancePage{}, f.fail
	}
	var match []cloud.Instance
	for _, in := range f.instances {
		if flt.KeyPairName == "" || in.KeyPairName == flt.KeyPairName {
			match = append(match, in)
		}
	}
	size, page := max(flt.PageSize, 1), max(flt.PageNumber, 1)
	from := min((page-1)*size, len(match))
	return cloud.InstancePage{Items: match[from:min(from+size, len(match))], Total: len(match), PageNumber: page, PageSize: size}, nil
}

// newFakeFleet has n instances; instance i uses key k(i mod keys), and every tenth none.
func newFakeFleet(n, keys int) *fakeFleet {
	f := &fakeFleet{}
	for i := range n {
		in := cloud.Instance{ID: fmt.Sprintf("i-%06d", i)}
		if i%10 != 0 {
			in.KeyPairName = fmt.Sprintf("k%d", i%keys)
		}
		f.instances = append(f.instances, in)
	}
	return f
}

func TestTally(t *testing.T) {
	for _, tt := range []struct {
		name             string
		fleet, wantCalls int
	}{
		{"one page", 80, 1},
		{"ten pages", 1000, 10},
		{"fifty pages", 5000, 50},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFleet(tt.fleet, 25)
			want := map[string]int{}
			for _, in := range f.instances {
				if in.KeyPairName != "" {
					want[in.KeyPairName]++
				}
			}
			got, err := tally(context.Background(), f, "cn-hangzhou")
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("counts = %v, want %v", got, want)
			}
			if f.calls != tt.wantCalls {
				t.Errorf("%d DescribeInstances calls, want %d", f.calls, tt.wantCalls)
			}
		})
	}
	t.Run("failure", func(t *testing.T) {
		f := newFakeFleet(100, 5)
		f.fail = errors.New("boom")
		if _, err := tally(context.Background(), f, "cn-hangzhou"); err == nil {
			t.Error("got no error from a failing cloud")
		}
	})
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// A page view never waits for the cloud beyond a count already under way: the first view waits
// for the count it starts (the fleet answers at once here), later views within the TTL are served
// from memory, a view after the TTL shows the old counts while a new count runs, and a failed
// count keeps the counts from before.
func TestUsageIsCountedInTheBackground(t *testing.T) {
	f := newFakeFleet(250, 5)
	clock := &fakeClock{t: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	u := &usageCounter{src: f, clock: clock, ttl: time.Minute, regions: map[string]*regionUsage{}}
	ctx := context.Background()

	first := u.get(ctx, "cn-hangzhou")
	if first.CountedAt != clock.t || first.Counts["k1"] != 50 || first.Counting {
		t.Fatalf("first view: %+v, want counted now with k1 on 50 instances", first)
	}
	calls := f.calls
	clock.t = clock.t.Add(30 * time.Second)
	if again := u.get(ctx, "cn-hangzhou"); again.CountedAt != first.CountedAt || f.calls != calls {
		t.Errorf("view within the TTL: counted at %v after %d more calls, want the first count and no call", again.CountedAt, f.calls-calls)
	}

	clock.t = clock.t.Add(time.Minute)
	f.mu.Lock()
	f.fail = errors.New("throttled")
	f.mu.Unlock()
	u.get(ctx, "cn-hangzhou")
	u.wait("cn-hangzhou")
	failed := u.get(ctx, "cn-hangzhou")
	if failed.Err == nil || failed.CountedAt != first.CountedAt || failed.Counts["k1"] != 50 {
		t.Errorf("after a failed count: %+v, want the error and the counts from before", failed)
	}
}

// wait blocks until the region's count under way, if any, has ended.
func (u *usageCounter) wait(region string) {
	u.mu.Lock()
	r := u.regions[region]
	var done chan struct{}
	if r != nil {
		done = r.done
	}
	u.mu.Unlock()
	if done != nil {
		<-done
	}
}

// BenchmarkKeyPairUsage measures a background count of a region's key pair usage (listing it
// through the real gateway against the sandbox) and a page view served from the counts.
//
//	go test -run '^$' -bench KeyPairUsage -benchtime 5x ./internal/keypairs/
func BenchmarkKeyPairUsage(b *testing.B) {
	for _, fleet := range []int{150, 1000, 5000} {
		env := sandboxtest.Start(b, sandbox.Options{InstancesPerRegion: fleet})
		g, err := cloud.New(cloud.Config{Endpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("fleet=%d/count", fleet), func(b *testing.B) {
			env.Sandbox.ResetCalls()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tally(cloud.WithPriority(context.Background(), cloud.Background), g, "cn-hangzhou"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(env.Sandbox.Calls()["DescribeInstances"])/float64(b.N), "calls/op")
		})
		b.Run(fmt.Sprintf("fleet=%d/page-view", fleet), func(b *testing.B) {
			u := &usageCounter{src: g, clock: &fakeClock{t: time.Now()}, ttl: time.Hour, regions: map[string]*regionUsage{}}
			u.get(context.Background(), "cn-hangzhou")
			u.wait("cn-hangzhou")
			env.Sandbox.ResetCalls()
			b.ReportAllocs()
			for b.Loop() {
				if got := u.get(context.Background(), "cn-hangzhou"); got.CountedAt.IsZero() {
					b.Fatal("no counts")
				}
			}
			b.ReportMetric(float64(env.Sandbox.Calls()["DescribeInstances"])/float64(b.N), "calls/op")
		})
	}
}
