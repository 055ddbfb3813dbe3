package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read job_leases

	"keybind/internal/sandbox"
	"keybind/internal/store/pgtest"
	"keybind/internal/testapp"
)

// TestFailover is issue #12's drill: two replicas on one PostgreSQL database and a sandbox. A
// 1,000-instance bind-and-restart job is created through replica A and worked by it; A is
// killed (SIGKILL) after its first AttachKeyPair calls. Replica B takes the job over once A's
// lease has expired and finishes it: every key in effect, no instance restarted twice, no
// AttachKeyPair batch sent again but those A had in flight. A session made on A works on B.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs keybind processes")
	}
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL tests run with " + pgtest.Env + "=postgres (scripts/test.sh runs them)")
	}
	sb := start(t, nil, "sandbox", "--addr", "127.0.0.1:0", "--instances", "1000", "--seed", "12", "--transition", "2s")
	sandboxURL := sb.waitLine(t, sandboxURLLine)
	dbURL := pgtest.NewDatabase(t)
	const pw = "Quartz-Meadow-Orbit-58"
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + sandbox.DefaultAccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sandbox.DefaultAccessKeySecret,
		"KEYBIND_ADMIN_PASSWORD=" + pw, "KEYBIND_DATABASE_URL=" + dbURL, "KEYBIND_SECRET_KEY=" + testSecretKey}
	replica := func() (*proc, string) {
		p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--ecs-endpoint", sandboxURL, "--log-format", "json")
		return p, p.waitLine(t, consoleURLLine)
	}
	// Calls take long enough for the kill to land while some are out.
	control(t, sandboxURL, "POST", "/_sandbox/faults", `{"action":"AttachKeyPair","kind":"latency","latency_ms":300}`)
	var ids []string
	for _, in := range controlInstances(t, sandboxURL) { // the fleet at rest (see TestCrashDrill)
		ids = append(ids, in.InstanceID)
		switch in.Status {
		case sandbox.StatusStarting, sandbox.StatusStopping, sandbox.StatusPending:
			control(t, sandboxURL, "PATCH", "/_sandbox/instances/"+region+"/"+in.InstanceID, `{"status":"Running"}`)
		}
	}

	a, baseA := replica()
	c := testapp.NewClient(t, baseA)
	c.SignIn("admin", pw)
	api := &apiCaller{t: t, token: newToken(t, c)}
	job := api.do(baseA, "POST", "/api/v1/jobs/bind", map[string]any{"region": region, "key_pair": "ops-deploy", "instance_ids": ids,
		"acknowledge": true, "after": "restart", "window": "20%", "start_with_one": false}, http.StatusCreated)
	path := fmt.Sprintf("/api/v1/jobs/%v", job["id"])
	counts := func(base string) map[string]any {
		return api.do(base, "GET", path, nil, http.StatusOK)["counts"].(map[string]any)
	}
	total := int(counts(baseA)["total"].(float64))
	took := total - int(counts(baseA)["excluded"].(float64))
	if total != 1000 || took < 500 {
		t.Fatalf("the job has %d instances and took %d; the drill wants 1,000, most of them taken", total, took)
	}

	waitFor(t, "A's first AttachKeyPair", func() bool { return calls(t, sandboxURL)["AttachKeyPair"] >= 1 })
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leaseOwner := func() string {
		var owner string
		if err := db.QueryRowContext(context.Background(), `SELECT owner FROM job_leases WHERE job_id = $1`, job["id"]).Scan(&owner); err != nil {
			t.Fatal(err)
		}
		return owner
	}
	pidOf := func(p *proc) string { return "/" + strconv.Itoa(p.cmd.Process.Pid) + "/" }
	if owner := leaseOwner(); !strings.Contains(owner, pidOf(a)) {
		t.Fatalf("the job's lease is %q's, want replica A's (pid %d)", owner, a.cmd.Process.Pid)
	}
	b, baseB := replica() // B joins while A works the job: it leaves A's job alone
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	killed := time.Now()
	t.Logf("killed A; calls so far: %v", calls(t, sandboxURL))

	// The session made on A works on B, and so does the token.
	if r := c.At(baseB).Get("/jobs/" + fmt.Sprint(job["id"])); r.StatusCode != http.StatusOK {
		t.Errorf("the job page on B with A's session: %d, want 200", r.StatusCode)
	}

	waitFor(t, "B to take the job over", func() bool { return strings.Contains(leaseOwner(), pidOf(b)) })
	t.Logf("B took the job over %s after A was killed", time.Since(killed).Round(100*time.Millisecond))
	deadline := time.Now().Add(3 * time.Minute)
	for api.do(baseB, "GET", path, nil, http.StatusOK)["in_motion"].(bool) {
		if time.Now().After(deadline) {
			j := api.do(baseB, "GET", path, nil, http.StatusOK)
			delete(j, "items")
			t.Fatalf("the job is still in motion: %v; calls %v", j, calls(t, sandboxURL))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("B finished the job %s after A was killed", time.Since(killed).Round(100*time.Millisecond))
	j := api.do(baseB, "GET", path, nil, http.StatusOK)
	got := j["counts"].(map[string]any)
	t.Logf("counts: %v; calls: %v", got, calls(t, sandboxURL))
	restart := map[string]bool{} // the instances the job restarts: taken, and without the key before
	n := 0
	for _, it := range j["items"].([]any) {
		m := it.(map[string]any)
		restart[m["instance_id"].(string)] = m["action"] == "attach" && m["previous_key"] != "ops-deploy"
		if restart[m["instance_id"].(string)] {
			n++
		}
	}
	if in := int(got["in_effect"].(float64)); in < n {
		t.Errorf("key in effect on %d instances, want at least the %d the job restarted: %v", in, n, got)
	}
	for _, k := range []string{"decisions", "failed", "replaced", "cancelled"} {
		if got[k].(float64) != 0 {
			t.Errorf("%s = %v, want 0", k, got[k])
		}
	}
	for _, in := range controlInstances(t, sandboxURL) {
		switch {
		case !restart[in.InstanceID] && in.Restarts != 0:
			t.Errorf("%s was not the job's to restart but was restarted %d times", in.InstanceID, in.Restarts)
		case restart[in.InstanceID] && in.Restarts != 1:
			t.Errorf("%s restarted %d times, want once", in.InstanceID, in.Restarts)
		case restart[in.InstanceID] && in.EffectiveKeyPair != "ops-deploy":
			t.Errorf("%s: the sandbox has %q in effect", in.InstanceID, in.EffectiveKeyPair)
		}
	}
	// ⌈took/50⌉ batches, plus at most the engine's 4 in flight at the kill.
	if calls, batches := calls(t, sandboxURL)["AttachKeyPair"], (took+49)/50; calls > batches+4 {
		t.Errorf("AttachKeyPair sent %d times for %d batches: batches were repeated blindly", calls, batches)
	}
}
