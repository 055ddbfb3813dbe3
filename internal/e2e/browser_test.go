package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium for one test. Where Chromium is
// missing the test is skipped, except under the README's test command
// (KEYBIND_REQUIRE_BROWSER=1), where a missing browser is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 5*time.Minute) // a guard against a hung browser, not a measure: the machine may be busy
}

// browserFor is browser for a test that may take longer.
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("KEYBIND_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed; ./scripts/test.sh installs it with apt-get")
		}
		t.Skip("chromium is not installed (./scripts/test.sh installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1500, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs browser steps and fails the test with a screenshot on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		shot(t, ctx)
		t.Fatal(err)
	}
}

// text reads an element's text in one step, so a part of the page that
// htmx swaps meanwhile cannot make the read fail.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector(`+strconv.Quote(css)+`); return e ? e.textContent.trim() : "<missing>" })()`))
	if err != nil {
		shot(t, ctx)
		t.Fatalf("read %s: %v", css, err)
	}
	return s
}

// waitJS waits until the JavaScript expression is true. A navigation while
// waiting (a form post and its redirect) restarts the wait on the new page.
func waitJS(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(left), chromedp.WithPollingInterval(100*time.Millisecond)))
		if err == nil {
			return
		}
		msg := err.Error()
		navigated := strings.Contains(msg, "navigated") || strings.Contains(msg, "context was destroyed") || strings.Contains(msg, "Cannot find context")
		if !navigated || time.Now().After(deadline) {
			shot(t, ctx)
			t.Fatalf("waiting until %s: %v", what, err)
		}
	}
}

// shot saves a screenshot next to the test output for a failed step.
func shot(t *testing.T, ctx context.Context) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	dir := os.Getenv("KEYBIND_E2E_SHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "keybind-"+t.Name()+"-*.png")
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(b)
	t.Logf("screenshot: %s", f.Name())
}

// look saves a screenshot of a step when KEYBIND_E2E_SHOTS names a folder,
// for people to look at what the test saw.
func look(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	dir := os.Getenv("KEYBIND_E2E_SHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", step, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, step+".png"), b, 0o644); err != nil {
		t.Logf("screenshot %s: %v", step, err)
	}
}
