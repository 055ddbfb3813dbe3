package cloud_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
)

// benchGateway is a gateway on env with production defaults except concurrency and rate.
func benchGateway(b *testing.B, env *sandboxtest.Env, concurrency int, rate float64) *cloud.Gateway {
	b.Helper()
	g, err := cloud.New(cloud.Config{
		Endpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret,
		Concurrency: concurrency, RatePerSecond: rate,
	})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

func rateName(rate float64) string {
	if rate == 0 {
		return "rate=default20"
	}
	return fmt.Sprintf("rate=%g", rate)
}

// BenchmarkAttach1000Latency100ms binds 1,000 instances with every ECS call delayed 100 ms.
// Ideal: ⌈1000/50⌉ = 20 calls ÷ concurrency × 100 ms (500 ms at 4, 200 ms at 10) when the rate
// limiter is out of the way; the default 20 calls/s limiter adds its own bound.
func BenchmarkAttach1000Latency100ms(b *testing.B) {
	for _, tc := range []struct {
		concurrency int
		rate        float64
	}{{4, 0}, {4, 1000}, {10, 0}, {10, 1000}} {
		b.Run(fmt.Sprintf("concurrency=%d/%s", tc.concurrency, rateName(tc.rate)), func(b *testing.B) {
			env := sandboxtest.Start(b, sandbox.Options{InstancesPerRegion: 1500})
			ids := pick(env, region, 1000, func(in sandbox.InstanceState) bool { return in.OSType == "linux" && in.IoOptimized })
			if len(ids) != 1000 {
				b.Fatalf("only %d suitable instances", len(ids))
			}
			g := benchGateway(b, env, tc.concurrency, tc.rate)
			env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultLatency, Latency: 100 * time.Millisecond})
			env.Sandbox.ResetCalls()
			b.ResetTimer()
			for b.Loop() {
				res, err := g.AttachKeyPair(context.Background(), region, "ops-deploy", ids)
				if err != nil || len(res) != len(ids) || !allOK(res) {
					b.Fatalf("attach: %d results, all OK %v, err %v", len(res), allOK(res), err)
				}
			}
			b.ReportMetric(float64(env.Sandbox.Calls()["AttachKeyPair"])/float64(b.N), "calls/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkListRegion5000 lists a 5,000-instance region with AllInstances (NextToken, 100 per call).
// Allocations include the in-process sandbox serving the calls.
func BenchmarkListRegion5000(b *testing.B) {
	for _, rate := range []float64{0, 1000} {
		b.Run(rateName(rate), func(b *testing.B) {
			env := sandboxtest.Start(b, sandbox.Options{InstancesPerRegion: 5000})
			g := benchGateway(b, env, 4, rate)
			env.Sandbox.ResetCalls()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				all, err := g.AllInstances(context.Background(), region, cloud.InstanceFilter{}, 0)
				if err != nil || len(all) != 5000 {
					b.Fatalf("listed %d instances, err %v", len(all), err)
				}
			}
			b.ReportMetric(float64(env.Sandbox.Calls()["DescribeInstances"])/float64(b.N), "calls/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
