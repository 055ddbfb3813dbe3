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
	"syscall"
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

	bareSrv := bareEcho(b)

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
		var bare, health, dash rate
		for range slices {
			bare.add(drive(b, client, bareSrv.URL+"/", nil, conns, time.Second))
			health.add(drive(b, client, app.URL+"/healthz", nil, conns, time.Second))
			dash.add(drive(b, client, app.URL+"/", cookies, conns, time.Second))
		}
		b.ReportMetric(bare.perSecond(), "bare-req/s")
		b.ReportMetric(health.perSecond(), "healthz-req/s")
		b.ReportMetric(dash.perSecond(), "dashboard-req/s")
		b.ReportMetric(dash.perSecond()/bare.perSecond(), "dashboard/bare")
		// CPU time per request (server and client, this process): what the
		// rates become on a machine nobody else uses.
		b.ReportMetric(bare.cpuPerRequest()/dash.cpuPerRequest(), "dashboard/bare-cpu")
		b.ReportMetric(dash.cpuPerRequest()*1e6, "dashboard-cpu-µs/req")
		b.ReportMetric(bare.cpuPerRequest()*1e6, "bare-cpu-µs/req")
	}
}

// bareEcho serves the yardstick: echo.New, one route answering "ok", no
// middleware.
func bareEcho(b *testing.B) *httptest.Server {
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv
}

// rate adds up requests, wall time and CPU time over turns.
type rate struct {
	requests  int64
	wall, cpu time.Duration
}

func (r *rate) add(o rate) {
	r.requests += o.requests
	r.wall += o.wall
	r.cpu += o.cpu
}

func (r rate) perSecond() float64 { return float64(r.requests) / r.wall.Seconds() }

func (r rate) cpuPerRequest() float64 { return r.cpu.Seconds() / float64(r.requests) }

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drive sends GET url from conns goroutines until window has passed and
// returns the 200 answers with the wall and CPU time they took. cookies[i],
// if any, goes with goroutine i.
func drive(b *testing.B, c *http.Client, url string, cookies []string, conns int, window time.Duration) rate {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime(b)
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
	return rate{requests: ok.Load(), wall: time.Since(start), cpu: cpuTime(b) - cpu0}
}
