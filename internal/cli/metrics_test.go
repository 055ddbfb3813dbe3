package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsAddrServesMetricsApart starts `keybind serve` with
// --metrics-addr: /metrics answers there, and the console's own port has
// no /metrics.
func TestMetricsAddrServesMetricsApart(t *testing.T) {
	pr, pw := io.Pipe()
	sys, _, _ := sysFor(map[string]string{"KEYBIND_ADMIN_PASSWORD": "Orbit-Lantern-Quartz-42"})
	sys.Stderr = pw
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
			"--data-dir", t.TempDir(), "--sandbox-instances", "5"}, sys)
		_ = pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	var consoleURL, metricsURL string
	sc := bufio.NewScanner(pr)
	for (consoleURL == "" || metricsURL == "") && sc.Scan() {
		var line struct{ Msg, URL string }
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch line.Msg {
		case "keybind console listening":
			consoleURL = line.URL
		case "metrics listening":
			metricsURL = line.URL
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // the rest of the log, until serve returns
	if consoleURL == "" || metricsURL == "" {
		t.Fatalf("serve ended before listening: console %q, metrics %q", consoleURL, metricsURL)
	}

	status, body := get(t, metricsURL)
	if status != http.StatusOK || !strings.Contains(body, "# TYPE keybind_leases_held gauge") ||
		!strings.Contains(body, "keybind_state_query_up 1") {
		t.Errorf("GET %s = %d %.300q, want the metrics with the job tally", metricsURL, status, body)
	}
	// Signed out, an unknown path is sent to the sign-in page; either way no metrics.
	if status, body := get(t, consoleURL+"/metrics"); status == http.StatusOK || strings.Contains(body, "keybind_leases_held") {
		t.Errorf("GET /metrics on the console's port = %d %.200q, want no metrics there with --metrics-addr", status, body)
	}
	if status, _ := get(t, consoleURL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz on the console's port = %d, want 200", status)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestMetricsAddrFlagAndEnvironment(t *testing.T) {
	c, err := parseServe(nil, IO{Getenv: func(k string) string {
		return map[string]string{"KEYBIND_METRICS_ADDR": "127.0.0.1:9464"}[k]
	}})
	if err != nil || c.MetricsAddr != "127.0.0.1:9464" {
		t.Errorf("from the environment: %q, %v", c.MetricsAddr, err)
	}
	if c, _ := parseServe(nil, IO{Getenv: func(string) string { return "" }}); c.MetricsAddr != "" {
		t.Errorf("default %q, want none (served on --addr)", c.MetricsAddr)
	}
}
