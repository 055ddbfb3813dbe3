package keypairs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

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

func TestCountUsage(t *testing.T) {
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprintf("k%d", i)
	}
	tests := []struct {
		name      string
		fleet     int
		wantCalls int
	}{
		{"one page", 80, 1},
		{"listed whole", 1000, 10},              // 10 pages ≤ 1 + 20/2 per-key-equivalent: list
		{"asked per key", 5000, 1 + len(names)}, // 50 pages: one probe, then one call per key
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFleet(tt.fleet, 25)
			want := map[string]int{}
			for _, in := range f.instances {
				want[in.KeyPairName]++
			}
			got, err := countUsage(context.Background(), f, "cn-hangzhou", names)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if got[n] != want[n] {
					t.Errorf("%s: got %d, want %d", n, got[n], want[n])
				}
			}
			if len(got) != len(names) {
				t.Errorf("got %d counts, want one per name (%d)", len(got), len(names))
			}
			if f.calls != tt.wantCalls {
				t.Errorf("%d DescribeInstances calls, want %d", f.calls, tt.wantCalls)
			}
		})
	}
	t.Run("failure", func(t *testing.T) {
		f := newFakeFleet(100, 5)
		f.fail = errors.New("boom")
		if _, err := countUsage(context.Background(), f, "cn-hangzhou", names); err == nil {
			t.Error("got no error from a failing cloud")
		}
	})
	t.Run("no names", func(t *testing.T) {
		f := newFakeFleet(100, 5)
		if got, err := countUsage(context.Background(), f, "cn-hangzhou", nil); err != nil || len(got) != 0 || f.calls != 0 {
			t.Errorf("got %v, %v after %d calls; want nothing asked", got, err, f.calls)
		}
	})
}

// BenchmarkKeyPairUsage measures the ways to count the instances using the 20
// key pairs of a list page against the sandbox through the real gateway:
// "all" lists the region (AllInstances) and counts in memory, "per-key" asks
// DescribeInstances once per key (KeyPairName, PageSize 1, TotalCount), and
// "chosen" is countUsage.
//
//	go test -run '^$' -bench KeyPairUsage -benchtime 5x ./handlers/
func BenchmarkKeyPairUsage(b *testing.B) {
	names := []string{"ops-deploy", "alice-laptop", "bob_workstation", "ci-runner", "legacy:bastion", "release-2024"}
	for i := len(names); i < 20; i++ {
		names = append(names, fmt.Sprintf("extra-%02d", i))
	}
	strategies := map[string]func(ctx context.Context, g *cloud.Gateway) error{
		"all": func(ctx context.Context, g *cloud.Gateway) error {
			all, err := g.AllInstances(ctx, "cn-hangzhou", cloud.InstanceFilter{}, 0)
			counts := map[string]int{}
			for _, in := range all {
				counts[in.KeyPairName]++
			}
			return err
		},
		"per-key": func(ctx context.Context, g *cloud.Gateway) error {
			_, err := countPerKey(ctx, g, "cn-hangzhou", names)
			return err
		},
		"chosen": func(ctx context.Context, g *cloud.Gateway) error {
			_, err := countUsage(ctx, g, "cn-hangzhou", names)
			return err
		},
	}
	for _, fleet := range []int{150, 1000, 5000} {
		env := sandboxtest.Start(b, sandbox.Options{InstancesPerRegion: fleet})
		for _, rate := range []float64{0, 1000} {
			g, err := cloud.New(cloud.Config{Endpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret, RatePerSecond: rate})
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range []string{"all", "per-key", "chosen"} {
				rateName := "rate=default20"
				if rate > 0 {
					rateName = fmt.Sprintf("rate=%g", rate)
				}
				b.Run(fmt.Sprintf("fleet=%d/%s/%s", fleet, rateName, s), func(b *testing.B) {
					env.Sandbox.ResetCalls()
					b.ReportAllocs()
					for b.Loop() {
						if err := strategies[s](context.Background(), g); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(env.Sandbox.Calls()["DescribeInstances"])/float64(b.N), "calls/op")
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
				})
			}
		}
	}
}
