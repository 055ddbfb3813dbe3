package e2e_test

import (
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"keybind/internal/sandbox"
	"keybind/internal/store/pgtest"
	"keybind/internal/testapp"
)

// BenchmarkPagesTwoReplicas measures an authenticated page (GET /jobs) served by real keybind
// processes with 50 connections for 5 s each: one replica on SQLite, one on PostgreSQL, and two
// replicas on one PostgreSQL database with the connections split between them (a load balancer
// without stickiness: the session made on one replica is used on both). It needs PostgreSQL
// (KEYBIND_TEST_DATABASE=postgres) and reports requests per second and the median latency.
//
//	KEYBIND_TEST_DATABASE=postgres go test -run '^$' -bench PagesTwoReplicas -benchtime 1x ./internal/e2e/
func BenchmarkPagesTwoReplicas(b *testing.B) {
	if !pgtest.Enabled() {
		b.Skip("needs PostgreSQL: KEYBIND_TEST_DATABASE=postgres")
	}
	sb := start(b, nil, "sandbox", "--addr", "127.0.0.1:0", "--instances", "50", "--seed", "3")
	sandboxURL := sb.waitLine(b, sandboxURLLine)
	const pw = "Quartz-Meadow-Orbit-58"
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + sandbox.DefaultAccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sandbox.DefaultAccessKeySecret,
		"KEYBIND_ADMIN_PASSWORD=" + pw, "KEYBIND_SECRET_KEY=" + testSecretKey}
	serve := func(extra ...string) string {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", b.TempDir(), "--ecs-endpoint", sandboxURL,
			"--log-format", "json"}, extra...)
		p := start(b, env, args...)
		return p.waitLine(b, consoleURLLine)
	}
	sqlite := serve()
	dbURL := pgtest.NewDatabase(b)
	pgA := serve("--database-url", dbURL)
	pgB := serve("--database-url", dbURL)

	for _, run := range []struct {
		name  string
		bases []string
	}{
		{"sqlite-1-replica", []string{sqlite}},
		{"postgres-1-replica", []string{pgA}},
		{"postgres-2-replicas", []string{pgA, pgB}},
	} {
		b.Run(run.name, func(b *testing.B) {
			jar := signedIn(b, run.bases[0], pw)
			rps, p50 := hammer(b, run.bases, jar, "/jobs", 50, 5*time.Second)
			b.ReportMetric(rps, "req/s")
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		})
	}
}

// signedIn signs in as admin at base and returns the cookie jar, which works on every replica.
func signedIn(b *testing.B, base, pw string) http.CookieJar {
	c := testapp.NewClient(b, base)
	c.SignIn("admin", pw)
	return c.HTTP.Jar
}

// hammer sends GET path from conns connections for d, connection i to bases[i % len(bases)],
// and returns the requests per second answered 200 and their median latency. A request not
// answered 200 fails the benchmark.
func hammer(b *testing.B, bases []string, jar http.CookieJar, path string, conns int, d time.Duration) (float64, time.Duration) {
	b.Helper()
	// The jar holds the cookie for 127.0.0.1 whatever the port, as a browser's would.
	var (
		mu   sync.Mutex
		lat  []time.Duration
		bad  int
		wg   sync.WaitGroup
		stop = time.Now().Add(d)
	)
	for i := range conns {
		base := bases[i%len(bases)]
		wg.Go(func() {
			client := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 1},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			var mine []time.Duration
			failed := 0
			for time.Now().Before(stop) {
				t0 := time.Now()
				resp, err := client.Get(base + path)
				if err != nil {
					failed++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat, bad = append(lat, mine...), bad+failed
			mu.Unlock()
		})
	}
	wg.Wait()
	if bad > 0 || len(lat) == 0 {
		b.Fatalf("%d requests failed, %d answered 200", bad, len(lat))
	}
	slices.Sort(lat)
	return float64(len(lat)) / d.Seconds(), lat[len(lat)/2]
}
