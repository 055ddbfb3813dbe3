package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
	"keybind/internal/store/storetest"
)

// benchEngine is an engine over a fresh store, the real gateway (production defaults except
// concurrency and rate) and the sandbox's clock.
func benchEngine(b *testing.B, env *sandboxtest.Env, concurrency int, rate float64) (*jobs.Engine, *timedCloud) {
	b.Helper()
	gw, err := cloud.New(cloud.Config{Endpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret,
		Concurrency: concurrency, RatePerSecond: rate})
	if err != nil {
		b.Fatal(err)
	}
	st := storetest.Open(b) // SQLite, or PostgreSQL with KEYBIND_TEST_DATABASE=postgres
	tc := &timedCloud{Gateway: gw}
	return jobs.New(st, tc, jobs.Config{Clock: env.Clock, Concurrency: concurrency}), tc
}

// timedCloud is the real gateway noting when the last AttachKeyPair call returned.
type timedCloud struct {
	*cloud.Gateway
	mu         sync.Mutex
	lastAttach time.Time
}

func (c *timedCloud) AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error) {
	res, err := c.Gateway.AttachKeyPair(ctx, region, keyPair, ids)
	c.mu.Lock()
	c.lastAttach = time.Now()
	c.mu.Unlock()
	return res, err
}

func bindable1000(b *testing.B, env *sandboxtest.Env) []string {
	var ids []string
	for _, in := range env.Sandbox.Instances(region) {
		if len(ids) < 1000 && bindable(in) && in.Operation == "" { // settled: a finished job stays finished
			ids = append(ids, in.InstanceID)
		}
	}
	if len(ids) != 1000 {
		b.Fatalf("only %d bindable instances", len(ids))
	}
	return ids
}

// BenchmarkBindJob1000Latency100ms runs one engine round over a new 1,000-instance bind job with
// every ECS call delayed 100 ms: 20 AttachKeyPair calls of 50 (Concurrency at a time), then the
// confirmation, 10 DescribeInstances calls of 100 (gateway concurrency at a time). Ideal:
// ⌈20/c⌉ × 100 ms + ⌈10/c⌉ × 100 ms.
func BenchmarkBindJob1000Latency100ms(b *testing.B) {
	for _, tc := range []struct {
		concurrency int
		rate        float64
	}{{4, 0}, {4, 1000}, {10, 1000}} {
		name := fmt.Sprintf("concurrency=%d/rate=%g", tc.concurrency, tc.rate)
		if tc.rate == 0 {
			name = fmt.Sprintf("concurrency=%d/rate=default20", tc.concurrency)
		}
		b.Run(name, func(b *testing.B) {
			env := sandboxtest.Start(b, sandbox.Options{InstancesPerRegion: 1500})
			ids := bindable1000(b, env)
			eng, gw := benchEngine(b, env, tc.concurrency, tc.rate)
			found, _, err := gw.InstancesByID(context.Background(), region, ids)
			if err != nil {
				b.Fatal(err)
			}
			keys := []string{"ops-deploy", "ci-runner"}
			env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultLatency, Latency: 100 * time.Millisecond})
			var attachCalls int
			var total, attach time.Duration
			for i := 0; b.Loop(); i++ {
				plan := jobs.PlanBind(region, keys[i%2], ids, found).IncludeSame()
				id, _, err := eng.Create(context.Background(), jobs.CreateRequest{IdempotencyKey: fmt.Sprint("bench-", i), Actor: alice, Plan: plan})
				if err != nil {
					b.Fatal(err)
				}
				env.Sandbox.ResetCalls()
				t0 := time.Now()
				if err := eng.Step(context.Background()); err != nil {
					b.Fatal(err)
				}
				total += time.Since(t0)
				attach += gw.lastAttach.Sub(t0)
				attachCalls += env.Sandbox.Calls()["AttachKeyPair"]
				if j, _ := eng.Job(context.Background(), id); j.Counts.Bound != 1000 {
					b.Fatalf("bound %d of 1000: %+v", j.Counts.Bound, j.Counts)
				}
			}
			b.ReportMetric(float64(attachCalls)/float64(b.N), "attach-calls/op")
			b.ReportMetric(float64(attach.Milliseconds())/float64(b.N), "attach-ms/op")
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "round-ms/op")
		})
	}
}

// BenchmarkPollTick measures one round while N instances are rebooting: the only cloud calls are
// ⌈N/50⌉ DescribeInstanceStatus calls.
func BenchmarkPollTick(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("in-motion=%d", n), func(b *testing.B) {
			env := sandboxtest.Start(b, sandbox.Options{InstancesPerRegion: 2500, Transition: time.Hour})
			eng, gw := benchEngine(b, env, 4, 1000)
			var ids []string
			for _, in := range env.Sandbox.Instances(region) {
				if len(ids) < n && running(in) && in.KeyPairName != "ops-deploy" { // the key is new to each: all are restarted
					ids = append(ids, in.InstanceID)
				}
			}
			if len(ids) != n {
				b.Fatalf("only %d running instances", len(ids))
			}
			found, _, err := gw.InstancesByID(context.Background(), region, ids)
			if err != nil {
				b.Fatal(err)
			}
			plan := jobs.PlanBind(region, "ops-deploy", ids, found).IncludeSame()
			id, _, err := eng.Create(context.Background(), jobs.CreateRequest{IdempotencyKey: "poll", Actor: alice, Plan: plan,
				Policy: jobs.RestartPolicy{AfterBind: true, WaveSize: jobs.MaxWaveSize}})
			if err != nil {
				b.Fatal(err)
			}
			if err := eng.Step(context.Background()); err != nil {
				b.Fatal(err)
			}
			if j, _ := eng.Job(context.Background(), id); j.Counts.InMotion != len(ids) {
				b.Fatalf("in motion %d, want %d", j.Counts.InMotion, len(ids))
			}
			env.Sandbox.ResetCalls()
			for b.Loop() {
				env.Clock.Advance(10 * time.Second)
				if err := eng.Step(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			calls := env.Sandbox.Calls()
			b.ReportMetric(float64(calls["DescribeInstanceStatus"])/float64(b.N), "status-calls/tick")
			b.ReportMetric(float64(len(calls)), "distinct-actions")
		})
	}
}
