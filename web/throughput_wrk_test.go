package web_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"keybind/internal/testapp"
	"keybind/web"
)

// BenchmarkPageThroughputWrk is BenchmarkPageThroughput with the load sent
// by wrk, a process of its own (2 threads, 50 connections, one signed-in
// session), as a load balancer's clients would: the bare echo handler and
// the signed-in dashboard take turns of 2 s, KEYBIND_BENCH_SECONDS/2 turns
// each (default 3). It needs wrk (apt-get install wrk).
//
//	go test -run '^$' -bench PageThroughputWrk -benchtime 1x ./web/
func BenchmarkPageThroughputWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install wrk)")
	}
	turns := 3
	if v, err := strconv.Atoi(os.Getenv("KEYBIND_BENCH_SECONDS")); err == nil && v >= 2 {
		turns = v / 2
	}
	bareSrv := bareEcho(b)
	app := testapp.New(b, testapp.Options{InstancesPerRegion: 150, RealTime: true})
	ck := app.SignIn(b, "helen", testapp.HelpdeskPassword).Cookie(web.CookieName)
	if ck == nil {
		b.Fatal("no session cookie after sign-in")
	}
	page := len(app.SignIn(b, "helen", testapp.HelpdeskPassword).Get("/").Body)
	// run returns the rate wrk measured and the bytes per answer (a
	// redirect to the sign-in page, were the session lost, is much shorter
	// than the page; wrk counts 3xx answers as good ones).
	run := func(url string, header ...string) (rate, perAnswer float64) {
		b.Helper()
		args := []string{"-t2", "-c50", "-d2s"}
		for _, h := range header {
			args = append(args, "-H", h)
		}
		out, err := exec.Command(wrk, append(args, url)...).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		if regexp.MustCompile(`Non-2xx or 3xx responses`).Match(out) {
			b.Fatalf("wrk %s: answers that were not 200:\n%s", url, out)
		}
		m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
		n := regexp.MustCompile(`(\d+) requests in [^,]+, ([0-9.]+)(B|KB|MB|GB) read`).FindSubmatch(out)
		if m == nil || n == nil {
			b.Fatalf("wrk printed no rate:\n%s", out)
		}
		rate, _ = strconv.ParseFloat(string(m[1]), 64)
		count, _ := strconv.ParseFloat(string(n[1]), 64)
		read, _ := strconv.ParseFloat(string(n[2]), 64)
		read *= map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(n[3])]
		return rate, read / count
	}
	for range b.N {
		var bareSum, dashSum float64
		for range turns {
			r, _ := run(bareSrv.URL + "/")
			bareSum += r
			r, size := run(app.URL+"/", "Cookie: "+ck.Name+"="+ck.Value)
			if size < float64(page) {
				b.Fatalf("the dashboard's answers average %.0f bytes; the page is %d: not every answer was the page", size, page)
			}
			dashSum += r
		}
		b.ReportMetric(bareSum/float64(turns), "bare-req/s")
		b.ReportMetric(dashSum/float64(turns), "dashboard-req/s")
		b.ReportMetric(dashSum/bareSum, "dashboard/bare")
	}
}
