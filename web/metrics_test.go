package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"keybind/internal/auth"
	"keybind/internal/testapp"
)

// metricLine is one sample of the Prometheus text format: name, labels, value.
var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

// sample returns the value of the sample of name whose labels include all of
// want, summed over the samples that match.
func sample(t *testing.T, body, name string, want map[string]string) float64 {
	t.Helper()
	var sum float64
	for _, line := range strings.Split(body, "\n") {
		m := metricLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		ok := true
		for k, v := range want {
			if !strings.Contains(m[2], k+`="`+v+`"`) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// scrape fetches /metrics without a session, as a monitoring system does.
func scrape(t *testing.T, app *testapp.App) string {
	t.Helper()
	r := app.Client(t).Get("/metrics")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", r.StatusCode)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the Prometheus text format", ct)
	}
	return r.Body
}

// TestMetricsAfterABindJob drives a bind job through the real SDK and the
// sandbox, pages with job and instance IDs in their URLs and failed sign-ins,
// and scrapes /metrics without a session: the counters moved, and no user
// name, instance ID or raw URL became a label.
func TestMetricsAfterABindJob(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	const person = "zorblatt"
	app.AddUser(t, person, auth.RoleHelpdesk, "Quasar-Pebble-Harbor-58")
	before := scrape(t, app)
	if got := sample(t, before, "keybind_leases_held", nil); got != 0 {
		t.Errorf("keybind_leases_held = %v, want 0", got)
	}

	id, _ := app.BoundJob(t, 10, 0)
	c := app.SignIn(t, person, "Quasar-Pebble-Harbor-58")
	jobPath := "/jobs/" + strconv.FormatInt(id, 10)
	instances := app.Sandbox.Instances(testapp.Region)
	if r := c.Get(jobPath); r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", jobPath, r.StatusCode)
	}
	c.Get(jobPath + "/items/" + instances[0].InstanceID + "/reboot") // GET on a POST route: not found
	c.Get("/" + instances[1].InstanceID + "/" + person)              // no such page
	c.Get("/jobs?instance=" + instances[2].InstanceID)
	anon := app.Client(t)
	anon.Get("/login")
	anon.PostForm("/login", url.Values{"username": {"quixotic-intruder"}, "password": {"Not-The-Password-1"}})
	anon.PostForm("/login", url.Values{"username": {person}, "password": {"Not-The-Password-2"}})

	body := scrape(t, app)
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"keybind_cloud_calls_total", map[string]string{"action": "AttachKeyPair", "outcome": "ok"}, 1},
		{"keybind_cloud_calls_total", map[string]string{"action": "DescribeInstances", "outcome": "ok"}, 1},
		{"keybind_cloud_call_duration_seconds_count", map[string]string{"action": "AttachKeyPair"}, 1},
		{"keybind_engine_round_duration_seconds_count", nil, 1},
		{"keybind_jobs", nil, 1},
		{"keybind_http_requests_total", map[string]string{"method": "GET", "route": "/jobs/:id", "status": "200"}, 1},
		{"keybind_http_requests_total", map[string]string{"route": "/*", "status": "404"}, 2}, // the not-found catch-all's pattern
		{"keybind_http_requests_total", map[string]string{"method": "POST", "route": "/login", "status": "303"}, 1},
		{"keybind_http_request_duration_seconds_count", map[string]string{"route": "/jobs/:id"}, 1},
		{"keybind_sign_in_failures_total", map[string]string{"reason": auth.FailureUnknownUser}, 1},
		{"keybind_sign_in_failures_total", map[string]string{"reason": auth.FailureWrongPassword}, 1},
	}
	for _, ck := range checks {
		got, was := sample(t, body, ck.name, ck.labels), sample(t, before, ck.name, ck.labels)
		if got-was < ck.min {
			t.Errorf("%s%v went from %v to %v, want it to grow by at least %v", ck.name, ck.labels, was, got, ck.min)
		}
	}
	if got := sample(t, body, "keybind_state_query_up", nil); got != 1 {
		t.Errorf("keybind_state_query_up = %v, want 1", got)
	}
	if got := sample(t, body, "keybind_jobs", map[string]string{"state": "running"}); got != 0 {
		t.Errorf(`keybind_jobs{state="running"} = %v, want 0 after the job ended`, got)
	}
	if !strings.Contains(body, `keybind_sign_in_failures_total{reason="throttled"} 0`) {
		t.Error("the throttled reason is not reported at zero")
	}

	leaks := []string{person, "helen", "quixotic", jobPath + `"`, "?instance", "Not-The-Password"}
	for _, in := range instances {
		leaks = append(leaks, in.InstanceID)
	}
	for _, s := range leaks {
		if strings.Contains(body, s) {
			t.Errorf("/metrics contains %q", s)
		}
	}
}

// TestMetricsRouteNeedsNoSession: a monitoring system scrapes without a
// cookie, and gets none.
func TestMetricsRouteNeedsNoSession(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 5})
	r := app.Client(t).Get("/metrics")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "# TYPE keybind_leases_held gauge") {
		t.Fatalf("GET /metrics signed out = %d %.200q, want the metrics", r.StatusCode, r.Body)
	}
	if r.Header.Get("Set-Cookie") != "" {
		t.Errorf("GET /metrics set a cookie: %q", r.Header.Get("Set-Cookie"))
	}
}
