package handlers_test

import (
	"context"
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
