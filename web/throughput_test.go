package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/internal/testapp"
	"keybind/web"
)

// BenchmarkPageThroughput compares, in one run, the requests per second of
// a bare echo handler (echo.New, one route, no middleware), of /healthz
// through the console's whole middleware stack, and of the signed-in
// dashboard, each driven by 50 concurrent keep-alive connections on
// loopback for KEYBIND_BENCH_SECONDS (default 5) one-second turns. It reports each
// rate and the dashboard's ratio to the bare handler (issue #12: at least
// 0.25). Run it alone:
//
//	go test -run '^$' -bench PageThroughput -benchtime 1x ./web/
func BenchmarkPageThroughput(b *testing.B) {
	const conns = 50
	secs := 5
	if v, err := strconv.Atoi(os.Getenv("KEYBIND_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	window := time.Duration(secs) * time.Second

	bare := echo.New()
	bare.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	app := testapp.New(b, testapp.Options{InstancesPerRegion: 150, RealTime: true})
	cookies := make([]string, conns) // one session per connection, as 50 people would have
	for i := range cookies {
		c := app.SignIn(b, "helen", testapp.HelpdeskPassword)
		ck := c.Cookie(web.CookieName)
		if ck == nil {
			b.Fatal("no session cookie after sign-in")
		}
		cookies[i] = ck.Name + "=" + ck.Value
	}
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The machine is shared: the three targets take turns in slices of a
	// second, so a change in load weighs on each of them alike.
	slices := max(int(window/time.Second), 1)
	for range b.N {
		var bare, health, dash float64
		for range slices {
			bare += drive(b, client, bareSrv.URL+"/", nil, conns, time.Second)
			health += drive(b, client, app.URL+"/healthz", nil, conns, time.Second)
			dash += drive(b, client, app.URL+"/", cookies, conns, time.Second)
		}
		n := float64(slices)
		b.ReportMetric(bare/n, "bare-req/s")
		b.ReportMetric(health/n, "healthz-req/s")
		b.ReportMetric(dash/n, "dashboard-req/s")
		b.ReportMetric(dash/bare, "dashboard/bare")
	}
}

// drive sends GET url from conns goroutines until window has passed and
// returns the rate of 200 answers. cookies[i], if any, goes with goroutine i.
func drive(b *testing.B, c *http.Client, url string, cookies []string, conns int, window time.Duration) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if cookies != nil {
					req.Header.Set("Cookie", cookies[i])
				}
				resp, err := c.Do(req)
				if err != nil {
					continue // the window closed mid-request
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		b.Fatalf("GET %s: %d answers were not 200", url, n)
	}
	return float64(ok.Load()) / time.Since(start).Seconds()
}
