package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"keybind/internal/jobs"
	"keybind/internal/testapp"
)

// BenchmarkInstancePage100 renders the instance picker with 100 rows: one
// DescribeInstances call to the sandbox over HTTP, the selection lookup and
// the templ render.
func BenchmarkInstancePage100(b *testing.B) {
	app := testapp.New(b, testapp.Options{InstancesPerRegion: 500})
	c := app.SignIn(b, "helen", testapp.HelpdeskPassword)
	path := "/bind/instances?" + url.Values{"region": {region}, "key": {app.Sandbox.KeyPairs(region)[0].Name}, "size": {"100"}}.Encode()
	b.ResetTimer()
	if r := c.Get(path); r.Doc.Find(`[data-testid="instance-row"]`).Length() != 100 {
		b.Fatalf("%d rows, want 100", r.Doc.Find(`[data-testid="instance-row"]`).Length())
	}
	var size int
	for b.Loop() {
		size = rawGet(b, c, path)
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// BenchmarkJobGrid1000 renders the self-refreshing grid fragment of a
// 1,000-instance job: what every browser poll costs. It reads the database
// only; the benchmark checks that no cloud call is made.
func BenchmarkJobGrid1000(b *testing.B) {
	app := testapp.New(b, testapp.Options{InstancesPerRegion: 1000})
	ctx := context.Background()
	var ids []string
	for _, in := range app.Sandbox.Instances(region) {
		ids = append(ids, in.InstanceID)
	}
	found, _, err := app.Gateway.InstancesByID(ctx, region, ids)
	if err != nil {
		b.Fatal(err)
	}
	key := app.Sandbox.KeyPairs(region)[0].Name
	plan := jobs.PlanBind(region, key, ids, found).IncludeSame()
	id, _, err := app.Engine.Create(ctx, jobs.CreateRequest{IdempotencyKey: "bench-grid-1000-xxxxxxxxxxxxxxxxxxxxxxxxxxx",
		Actor: jobs.Actor{UserID: app.Helpdesk.ID, Username: app.Helpdesk.Name, Role: "helpdesk", Via: "test"}, Plan: plan})
	if err != nil {
		b.Fatal(err)
	}
	for range 5 {
		if err := app.Engine.Step(ctx); err != nil {
			b.Fatal(err)
		}
	}
	c := app.SignIn(b, "helen", testapp.HelpdeskPassword)
	path := "/jobs/" + itoa(id) + "/grid"
	app.Sandbox.ResetCalls()
	b.ResetTimer()
	var size int
	for b.Loop() {
		size = rawGet(b, c, path)
	}
	b.ReportMetric(float64(size), "bytes/page")
	b.StopTimer()
	if calls := app.Sandbox.Calls(); len(calls) != 0 {
		b.Errorf("grid polls made cloud calls: %v", calls)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// rawGet fetches path as htmx would and reads the body without parsing it,
// so the benchmark measures the server, not the test's HTML parser.
func rawGet(b *testing.B, c *testapp.Client, path string) int {
	req, err := http.NewRequest(http.MethodGet, c.Base()+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Accept-Encoding", "gzip") // as a browser does; the transport then leaves the body compressed
	resp, err := c.HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
	return int(n)
}

// BenchmarkGridPoll5000 is what one open result grid costs the server and
// the wire every 2 s, for a 5,000-instance job (and a 1,000-instance one,
// to show what grows with the job): the poll when nothing changed (204, no
// body), and when 50 rows of the page changed since the revision the page
// shows (those rows and the summary, out of band). Reported: wire-B/poll
// (the gzipped body as sent), raw-B/poll (the body unzipped),
// header-B/poll (the response headers), rows/poll.
func BenchmarkGridPoll5000(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) { benchGridPoll(b, n) })
	}
}

func benchGridPoll(b *testing.B, n int) {
	app := testapp.New(b, testapp.Options{InstancesPerRegion: n})
	id, _ := app.BoundJob(b, n, 0)
	c := app.SignIn(b, "helen", testapp.HelpdeskPassword)
	ctx := context.Background()
	page, err := app.Engine.Grid(ctx, id, jobs.GridQuery{PageSize: jobs.MaxGridPage})
	if err != nil {
		b.Fatal(err)
	}
	var change []string
	for _, it := range page.Items {
		if jobs.RebootAllRunning.Picks(it) && len(change) < 50 {
			change = append(change, it.InstanceID)
		}
	}
	if len(change) != 50 {
		b.Fatalf("%d rows of the first page can reboot, want 50", len(change))
	}
	grid := "/jobs/" + itoa(id) + "?size=200"
	before := pollURL(b, c, grid) // the page as read before the 50 changes
	if _, err := app.Engine.Restart(ctx, jobs.Actor{UserID: app.Admin.ID, Username: "admin"}, id, jobs.OpReboot, change, false); err != nil {
		b.Fatal(err)
	}
	after := pollURL(b, c, grid) // read after them: nothing new since
	for _, bc := range []struct {
		name, url string
		rows      int
	}{{"nothing-changed", after, 0}, {"50-rows-changed", before, 50}} {
		b.Run(bc.name, func(b *testing.B) {
			var p pollCost
			for b.Loop() {
				p = poll(b, c, bc.url)
			}
			if p.rows != bc.rows {
				b.Fatalf("the poll carried %d rows, want %d", p.rows, bc.rows)
			}
			b.ReportMetric(float64(p.wire), "wire-B/poll")
			b.ReportMetric(float64(p.raw), "raw-B/poll")
			b.ReportMetric(float64(p.header), "header-B/poll")
			b.ReportMetric(float64(p.rows), "rows/poll")
		})
	}
	b.Run("whole-page-of-200", func(b *testing.B) { // what a filter, a sort or a page change loads
		var p pollCost
		for b.Loop() {
			p = poll(b, c, "/jobs/"+itoa(id)+"/grid?size=200")
		}
		b.ReportMetric(float64(p.wire), "wire-B/poll")
		b.ReportMetric(float64(p.raw), "raw-B/poll")
		b.ReportMetric(float64(p.rows), "rows/poll")
	})
}

// pollURL is the poll a grid page makes.
func pollURL(b *testing.B, c *testapp.Client, page string) string {
	b.Helper()
	u, ok := c.Get(page).Doc.Find(`#grid-poll`).Attr("hx-get")
	if !ok {
		b.Fatalf("%s has no poller", page)
	}
	return u
}

// pollCost is what one poll's answer weighs.
type pollCost struct{ wire, raw, header, rows int }

// poll makes the grid's poll as the browser does (htmx, gzip accepted) and
// weighs the answer.
func poll(b *testing.B, c *testapp.Client, path string) pollCost {
	req, err := http.NewRequest(http.MethodGet, c.Base()+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-Keybind-Background", "poll")
	req.Header.Set("Accept-Encoding", "gzip") // the transport then leaves the body compressed
	resp, err := c.HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		b.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
	p := pollCost{wire: len(body), raw: len(body)}
	for k, vs := range resp.Header {
		for _, v := range vs {
			p.header += len(k) + len(v) + 4 // "K: V\r\n"
		}
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			b.Fatal(err)
		}
		p.raw = len(body)
	}
	p.rows = bytes.Count(body, []byte(`<tr id="row-`))
	return p
}
