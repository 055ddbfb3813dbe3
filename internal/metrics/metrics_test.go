package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"keybind/internal/jobs"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, b)
	}
	return string(b)
}

func TestThrottledAnswersAreCountedApart(t *testing.T) {
	m := New(Options{})
	m.Call("AttachKeyPair", "ok", 10*time.Millisecond)
	m.Call("AttachKeyPair", "throttled", 5*time.Millisecond)
	m.Call("RebootInstances", "throttled", 5*time.Millisecond)
	if got := testutil.ToFloat64(m.throttled.WithLabelValues("AttachKeyPair")); got != 1 {
		t.Errorf("throttled AttachKeyPair = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.cloudCalls.WithLabelValues("AttachKeyPair", "ok")); got != 1 {
		t.Errorf("ok AttachKeyPair = %v, want 1", got)
	}
	if got := testutil.CollectAndCount(m.cloudLatency); got != 2 {
		t.Errorf("latency series = %d, want 2 (one per action)", got)
	}
}

func TestLabelValuesAreBounded(t *testing.T) {
	m := New(Options{})
	for i := range 1000 {
		m.Request("GET", "/jobs/"+strconv.Itoa(i), 200, time.Millisecond) // a mistake: raw paths
		m.SignInFailed("user-" + strconv.Itoa(i))                         // a mistake: names
	}
	m.Request("BREW", "/", 418, time.Millisecond)
	m.Request("GET", "/", 1000, time.Millisecond)
	// 256 routes, then "other" with three method and status pairs.
	if n := testutil.CollectAndCount(m.httpRequests); n != 256+3 {
		t.Errorf("%d request series, want 259", n)
	}
	if n := testutil.CollectAndCount(m.signIn); n != 16+1 {
		t.Errorf("%d sign-in series, want 17 (16 reasons and other)", n)
	}
	body := scrape(t, m)
	for _, want := range []string{`route="other"`, `method="OTHER"`, `status="other"`, `reason="other"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in the scrape", want)
		}
	}
}

func TestLeasesHeldReportsTheSetter(t *testing.T) {
	m := New(Options{})
	if !strings.Contains(scrape(t, m), "keybind_leases_held 0") {
		t.Error("keybind_leases_held is not 0 before a setter")
	}
	m.SetLeasesHeld(func() int { return 3 })
	if !strings.Contains(scrape(t, m), "keybind_leases_held 3") {
		t.Error("keybind_leases_held does not report the setter")
	}
}

type tallyFunc func(context.Context) (jobs.Tally, error)

func (f tallyFunc) Tally(ctx context.Context) (jobs.Tally, error) { return f(ctx) }

func TestStateGaugesComeFromTheTallyAtScrape(t *testing.T) {
	m := New(Options{})
	fail := false
	m.CountStates(tallyFunc(func(context.Context) (jobs.Tally, error) {
		if fail {
			return jobs.Tally{}, errors.New("database away")
		}
		return jobs.Tally{Jobs: map[jobs.State]int{jobs.StateRunning: 2, jobs.StateFinished: 7},
			KeyStates:     map[jobs.KeyState]int{jobs.KeyPending: 40},
			RestartStates: map[jobs.RestartState]int{jobs.RestartNone: 40, jobs.RestartQueued: 0}}, nil
	}))
	body := scrape(t, m)
	for _, want := range []string{`keybind_jobs{state="running"} 2`, `keybind_jobs{state="finished"} 7`,
		`keybind_job_items_key_state{state="pending"} 40`, `keybind_job_items_restart_state{state="none"} 40`,
		`keybind_job_items_restart_state{state="queued"} 0`, "keybind_state_query_up 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	fail = true
	body = scrape(t, m) // a failing database does not fail the scrape
	if !strings.Contains(body, "keybind_state_query_up 0") || strings.Contains(body, "keybind_jobs{") {
		t.Errorf("with the database away: want keybind_state_query_up 0 and no job gauges, got %.500s", body)
	}
	if !strings.Contains(body, "keybind_leases_held") {
		t.Error("with the database away the other metrics went missing")
	}
}
