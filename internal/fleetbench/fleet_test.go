// Package fleetbench measures keybind at fleet scale, the way issue #9 asked: the whole console
// (store, auth, gateway with its production rate limits, engine, web server) against the
// sandbox with 5,000 instances per region and 100 ms of latency on every ECS call, on the wall
// clock. Run with scripts/fleet-bench.sh; the numbers are in docs/BENCHMARKS.md.
package fleetbench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

const (
	region     = testapp.Region
	latency    = 100 * time.Millisecond
	transition = 5 * time.Second
	key        = "release-2024"
)

// fleet is the console over a 5,000-instance sandbox with 100 ms per call and a 5 s restart.
func fleet(b *testing.B, perRegion int) *testapp.App {
	b.Helper()
	return testapp.New(b, testapp.Options{InstancesPerRegion: perRegion, Transition: transition, RealTime: true,
		RealLimits: true, Latency: latency, RunEngine: true})
}

// bindable picks n Running or Stopped Linux instances that can take the key and do not have it.
func bindable(b *testing.B, app *testapp.App, n int) []string {
	b.Helper()
	var ids []string
	for _, in := range app.Sandbox.Instances(region) {
		if len(ids) == n {
			break
		}
		if in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && in.KeyPairName != key &&
			(in.Status == sandbox.StatusRunning || in.Status == sandbox.StatusStopped) {
			ids = append(ids, in.InstanceID)
		}
	}
	if len(ids) != n {
		b.Fatalf("only %d bindable instances", len(ids))
	}
	return ids
}

var actor = jobs.Actor{UserID: 1, Username: "bench", Role: "admin", Via: "web"}

// run creates a job on ids and waits (polling the database) until the engine is done with it.
func run(b *testing.B, app *testapp.App, ids []string, policy jobs.RestartPolicy) (jobs.Job, time.Duration) {
	b.Helper()
	id, t0 := start(b, app, ids, policy)
	ctx := context.Background()
	for {
		j, err := app.Engine.Job(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if !j.InMotion() {
			return j, time.Since(t0)
		}
		if time.Since(t0) > 20*time.Minute {
			b.Fatalf("job still running after 20 minutes: %+v", j.Counts)
		}
		time.Sleep(20 * time.Millisecond) // measuring wall time: poll the job as a browser would
	}
}

// start creates a job on ids (the plan is read first, not timed) and returns it with the moment
// it was created.
func start(b *testing.B, app *testapp.App, ids []string, policy jobs.RestartPolicy) (int64, time.Time) {
	b.Helper()
	ctx := context.Background()
	found, _, err := app.Gateway.InstancesByID(ctx, region, ids)
	if err != nil {
		b.Fatal(err)
	}
	plan := jobs.PlanBind(region, key, ids, found)
	app.Sandbox.ResetCalls()
	t0 := time.Now()
	id, _, err := app.Engine.Create(ctx, jobs.CreateRequest{IdempotencyKey: fmt.Sprint("bench-", t0.UnixNano()), Actor: actor, Plan: plan, Policy: policy})
	if err != nil {
		b.Fatal(err)
	}
	return id, t0
}

// ceilDiv is ⌈a/b⌉.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// idealRollout is the least a bind and restart of n instances with window w can take at
// concurrency c: the attach calls (50 IDs each) and the confirmation (100 each) at c at a time,
// then per window its restart calls (100 each), the restart, its status reads (50 each) and the
// key re-read (100 each).
func idealRollout(n, w, c int, restart bool) time.Duration {
	calls := ceilDiv(ceilDiv(n, 50), c) + ceilDiv(ceilDiv(n, 100), c)
	d := time.Duration(calls) * latency
	if restart {
		per := ceilDiv(ceilDiv(w, 100), c) + ceilDiv(ceilDiv(w, 50), c) + ceilDiv(ceilDiv(w, 100), c)
		d += time.Duration(ceilDiv(n, w)) * (transition + time.Duration(per)*latency)
	}
	return d
}

// BenchmarkRollout1000 binds a key to 1,000 instances and makes it take effect, with the
// production limits (20 calls/s per API and region, engine concurrency 4): the default window
// (10% = 100), and a window of all 1,000.
func BenchmarkRollout1000(b *testing.B) {
	cases := []struct {
		name   string
		window string
	}{{"window=10%(default)", ""}, {"window=1000", "1000"}}
	if os.Getenv("KEYBIND_BENCH_SLOW") != "" {
		cases = append(cases, struct{ name, window string }{"window=20", "20"})
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			app := fleet(b, 5000)
			ids := bindable(b, app, 1000)
			policy, err := jobs.ParseRollout(tc.window, "", len(ids))
			if err != nil {
				b.Fatal(err)
			}
			policy.AfterBind = true
			var took time.Duration
			var j jobs.Job
			for b.Loop() {
				j, took = run(b, app, ids, policy)
			}
			checkInEffect(b, app, j, ids)
			ideal := idealRollout(len(ids), policy.WaveSize, 4, true)
			report(b, app, took, ideal)
		})
	}
}

// BenchmarkBindOnly1000 binds a key to 1,000 instances with no restart.
func BenchmarkBindOnly1000(b *testing.B) {
	app := fleet(b, 5000)
	ids := bindable(b, app, 1000)
	var took time.Duration
	var j jobs.Job
	for b.Loop() {
		j, took = run(b, app, ids, jobs.RestartPolicy{})
	}
	if j.Counts.Bound != len(ids) {
		b.Fatalf("bound %d of %d", j.Counts.Bound, len(ids))
	}
	report(b, app, took, idealRollout(len(ids), 1, 4, false))
}

// checkInEffect: every key in effect, as the sandbox sees it, and no instance restarted twice.
func checkInEffect(b *testing.B, app *testapp.App, j jobs.Job, ids []string) {
	b.Helper()
	if j.Counts.KeyInEffect != len(ids) {
		b.Fatalf("key in effect on %d of %d: %+v", j.Counts.KeyInEffect, len(ids), j.Counts)
	}
	items, err := app.Engine.Items(context.Background(), j.ID)
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range items {
		if it.RestartAttempts != 1 {
			b.Errorf("%s restarted %d times", it.InstanceID, it.RestartAttempts)
		}
		if ks, _ := app.Sandbox.KeyInEffect(region, it.InstanceID); ks.EffectiveKeyPair != key {
			b.Errorf("%s: the sandbox has %q in effect", it.InstanceID, ks.EffectiveKeyPair)
		}
	}
}

func report(b *testing.B, app *testapp.App, took, ideal time.Duration) {
	b.ReportMetric(took.Seconds(), "s")
	b.ReportMetric(ideal.Seconds(), "ideal-s")
	b.ReportMetric(took.Seconds()/ideal.Seconds(), "x-ideal")
	calls := app.Sandbox.Calls()
	total := 0
	for action, n := range calls {
		total += n
		b.ReportMetric(float64(n), action)
	}
	b.ReportMetric(float64(total), "calls")
}

// users signs in n helpdesk users.
func users(b *testing.B, app *testapp.App, n int) []*testapp.Client {
	b.Helper()
	out := make([]*testapp.Client, n)
	for i := range out {
		name := fmt.Sprintf("user%02d", i)
		app.AddUser(b, name, auth.RoleHelpdesk, testapp.HelpdeskPassword)
		out[i] = app.SignIn(b, name, testapp.HelpdeskPassword)
	}
	return out
}

// load has each client request paths (one after another) for d, and returns the latencies and
// the requests per second.
func load(b *testing.B, clients []*testapp.Client, d time.Duration, path func(i int) string) ([]time.Duration, float64) {
	b.Helper()
	var mu sync.Mutex
	var lat []time.Duration
	var failed int
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for time.Now().Before(stop) {
				t0 := time.Now()
				r := c.Get(path(i))
				el := time.Since(t0)
				mu.Lock()
				lat = append(lat, el)
				if r.StatusCode != http.StatusOK {
					failed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed > 0 {
		b.Errorf("%d of %d requests failed", failed, len(lat))
	}
	slices.Sort(lat)
	return lat, float64(len(lat)) / d.Seconds()
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[int(math.Min(float64(len(lat)-1), p*float64(len(lat))))]
}

func reportLoad(b *testing.B, lat []time.Duration, rps float64) {
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(float64(pct(lat, 0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(pct(lat, 0.9).Milliseconds()), "p90-ms")
	b.ReportMetric(float64(pct(lat, 0.99).Milliseconds()), "p99-ms")
}

// pickerPath is a page of the instance picker (50 per page), a random one of the region's.
func pickerPath(rng *rand.Rand, mu *sync.Mutex) func(int) string {
	return func(int) string {
		mu.Lock()
		page := rng.IntN(100) + 1
		mu.Unlock()
		return "/bind/instances?" + url.Values{"region": {region}, "key": {key}, "page": {fmt.Sprint(page)}}.Encode()
	}
}

// BenchmarkPicker50Users: 50 signed-in users page through the instance picker for 10 s, and
// again while a 1,000-instance job binds and restarts (default window).
func BenchmarkPicker50Users(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "idle"
		if busy {
			name = "while-1000-restart"
		}
		b.Run(name, func(b *testing.B) {
			app := fleet(b, 5000)
			clients := users(b, app, 50)
			if busy {
				ids := bindable(b, app, 1000)
				policy, _ := jobs.ParseRollout("", "", len(ids))
				policy.AfterBind = true
				start(b, app, ids, policy)  // the engine works it in the background
				time.Sleep(2 * time.Second) // into the restarts
			}
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(1, 2))
			var lat []time.Duration
			var rps float64
			for b.Loop() {
				lat, rps = load(b, clients, 10*time.Second, pickerPath(rng, &mu))
			}
			reportLoad(b, lat, rps)
			b.ReportMetric(float64(app.Sandbox.Calls()["DescribeInstances"]), "DescribeInstances")
		})
	}
}

// BenchmarkSelectAllMatching20000: "select all matching" with about 20,000 matches is refused
// after one call.
func BenchmarkSelectAllMatching20000(b *testing.B) {
	app := fleet(b, 20000)
	c := app.SignIn(b, "helen", testapp.HelpdeskPassword)
	form := url.Values{"region": {region}, "key": {key}}
	var took time.Duration
	var calls int
	for b.Loop() {
		app.Sandbox.ResetCalls()
		t0 := time.Now()
		r := c.PostHTMX("/bind/selection/matching", form)
		took = time.Since(t0)
		if r.StatusCode != http.StatusUnprocessableEntity {
			b.Fatalf("select all matching 20,000 = %d, want 422", r.StatusCode)
		}
		calls = app.Sandbox.Calls()["DescribeInstances"]
	}
	b.ReportMetric(float64(calls), "DescribeInstances")
	b.ReportMetric(float64(took.Milliseconds()), "ms")
}

// BenchmarkKeyPairs50Users: 50 signed-in users load the key pairs page (with its usage counts)
// for 10 s.
func BenchmarkKeyPairs50Users(b *testing.B) {
	app := fleet(b, 5000)
	clients := users(b, app, 50)
	path := func(int) string { return "/keypairs?" + url.Values{"region": {region}}.Encode() }
	var lat []time.Duration
	var rps float64
	for b.Loop() {
		lat, rps = load(b, clients, 10*time.Second, path)
	}
	reportLoad(b, lat, rps)
	b.ReportMetric(float64(app.Sandbox.Calls()["DescribeInstances"]), "DescribeInstances")
}
