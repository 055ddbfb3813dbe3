package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// TestCrashDrill kills the console (SIGKILL) three times during a 200-instance bind and
// restart (while binding, while the first restarts are out, and while the windows are being
// worked) and starts it again each time on the same data. In the end every instance the job
// took has the key in effect as the sandbox sees it, none was restarted twice, none waits for a
// person's decision, and no AttachKeyPair batch was sent again but those in flight at a kill.
func TestCrashDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs keybind processes")
	}
	sb := start(t, nil, "sandbox", "--addr", "127.0.0.1:0", "--instances", "200", "--seed", "11", "--transition", "2s")
	sandboxURL := sb.waitLine(t, sandboxURLLine)
	const pw = "Quartz-Meadow-Orbit-58"
	dataDir := t.TempDir()
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + sandbox.DefaultAccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sandbox.DefaultAccessKeySecret,
		"KEYBIND_ADMIN_PASSWORD=" + pw}
	var console *proc
	serve := func() string {
		console = start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--ecs-endpoint", sandboxURL, "--log-format", "json")
		return console.waitLine(t, consoleURLLine)
	}
	kill := func(when string) {
		t.Helper()
		if err := console.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-console.done
		t.Logf("killed %s; calls so far: %v", when, calls(t, sandboxURL))
	}
	// Calls take long enough for a kill to land while some are out.
	for _, action := range []string{"AttachKeyPair", "RebootInstances", "StartInstances", "DescribeInstanceStatus"} {
		control(t, sandboxURL, "POST", "/_sandbox/faults", fmt.Sprintf(`{"action":%q,"kind":"latency","latency_ms":300}`, action))
	}
	// The fleet at rest: the instances the seed has mid-restart are settled first. An instance
	// that started a moment before the rollout is the one case its StartTime (to the minute)
	// cannot settle: TestLostRebootIsSentAgainOnlyWithEvidence (internal/jobs) covers it.
	var ids []string
	for _, in := range controlInstances(t, sandboxURL) {
		ids = append(ids, in.InstanceID)
		switch in.Status {
		case sandbox.StatusStarting, sandbox.StatusStopping, sandbox.StatusPending:
			control(t, sandboxURL, "PATCH", "/_sandbox/instances/"+region+"/"+in.InstanceID, `{"status":"Running"}`)
		}
	}

	base := serve()
	c := testapp.NewClient(t, base)
	c.SignIn("admin", pw)
	api := &apiCaller{t: t, token: newToken(t, c)}
	job := api.do(base, "POST", "/api/v1/jobs/bind", map[string]any{"region": region, "key_pair": "ops-deploy", "instance_ids": ids,
		"acknowledge": true, "after": "restart", "window": "20%", "start_with_one": false}, http.StatusCreated)
	path := fmt.Sprintf("/api/v1/jobs/%v", job["id"])
	counts := func(b string) map[string]any {
		return api.do(b, "GET", path, nil, http.StatusOK)["counts"].(map[string]any)
	}
	took := int(counts(base)["total"].(float64)) - int(counts(base)["excluded"].(float64))
	if took < 100 {
		t.Fatalf("the job took %d instances; the drill wants more", took)
	}
	// After each restart the job is there, whole: nothing recorded was lost.
	whole := func(b string) {
		t.Helper()
		if c := counts(b); int(c["total"].(float64))-int(c["excluded"].(float64)) != took {
			t.Fatalf("after a restart the job has %v, want %d instances taken", c, took)
		}
	}

	waitFor(t, "the first AttachKeyPair", func() bool { return calls(t, sandboxURL)["AttachKeyPair"] >= 1 })
	kill("while binding")
	base = serve()
	whole(base)
	waitFor(t, "the first restarts", func() bool {
		n := calls(t, sandboxURL)
		return n["RebootInstances"]+n["StartInstances"] >= 1
	})
	kill("while the first restarts are out")
	base = serve()
	whole(base)
	// The third kill lands while the restored console works the windows: it
	// has sent restarts of its own.
	sent := calls(t, sandboxURL)
	waitFor(t, "restarts sent after the second restart", func() bool {
		n := calls(t, sandboxURL)
		return n["RebootInstances"]+n["StartInstances"] > sent["RebootInstances"]+sent["StartInstances"] ||
			!api.do(base, "GET", path, nil, http.StatusOK)["in_motion"].(bool)
	})
	kill("while the windows are worked")
	base = serve()

	deadline := time.Now().Add(2 * time.Minute)
	for api.do(base, "GET", path, nil, http.StatusOK)["in_motion"].(bool) {
		if time.Now().After(deadline) {
			j := api.do(base, "GET", path, nil, http.StatusOK)
			delete(j, "items")
			t.Fatalf("the job is still in motion: %v; calls %v", j, calls(t, sandboxURL))
		}
		time.Sleep(200 * time.Millisecond)
	}
	j := api.do(base, "GET", path, nil, http.StatusOK)
	got := j["counts"].(map[string]any)
	t.Logf("counts: %v; calls: %v", got, calls(t, sandboxURL))
	// restart: the instances the job restarts (it took them and they did not have the key already).
	restart := map[string]bool{}
	for _, it := range j["items"].([]any) {
		m := it.(map[string]any)
		restart[m["instance_id"].(string)] = m["action"] == "attach" && m["previous_key"] != "ops-deploy"
	}
	n := 0
	for _, r := range restart {
		if r {
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
	// ⌈took/50⌉ batches, plus at most the engine's 4 in flight at each of the 3 kills.
	if n, batches := calls(t, sandboxURL)["AttachKeyPair"], (took+49)/50; n > batches+3*4 {
		t.Errorf("AttachKeyPair sent %d times for %d batches: batches were repeated blindly", n, batches)
	}
}

// newToken makes a personal API token on the account page.
func newToken(t *testing.T, c *testapp.Client) string {
	t.Helper()
	c.Get("/account")
	r := c.PostForm("/account/tokens", url.Values{"name": {"drill"}})
	tok := strings.TrimSpace(r.Doc.Find(`[data-testid="new-token-value"]`).Text())
	if !strings.HasPrefix(tok, "kb_") {
		t.Fatalf("create token: status %d, the page shows %q", r.StatusCode, tok)
	}
	return tok
}

// apiCaller calls the JSON API with a token.
type apiCaller struct {
	t     *testing.T
	token string
}

func (a *apiCaller) do(base, method, path string, body any, want int) map[string]any {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("drill-%d", time.Now().UnixNano()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode != want || json.Unmarshal(b, &m) != nil {
		a.t.Fatalf("%s %s = %d, want %d: %.500s", method, path, resp.StatusCode, want, b)
	}
	return m
}
