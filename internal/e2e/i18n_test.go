package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"keybind/internal/testapp"
)

// overflowJS lists what sticks out of the page or is cut off: elements
// reaching past the viewport's right edge, text clipped by overflow:hidden
// (except .truncate, which ends long instance names with an ellipsis and
// keeps the whole name in its title), and a page that scrolls sideways.
// Tables scroll sideways inside their own box by design and are skipped.
const overflowJS = `(() => {
	const bad = [];
	const vw = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth > vw + 1) bad.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
	for (const el of document.querySelectorAll("body *")) {
		if (el.closest(".table-scroll, .grid-scroll, .overflow-auto, .visually-hidden, .skip-link, details:not([open]) > :not(summary)")) continue;
		const st = getComputedStyle(el);
		if (st.display === "none" || st.visibility === "hidden") continue;
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) continue;
		const what = el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + ' "' + (el.textContent || "").trim().slice(0, 30) + '"';
		if (r.right > vw + 1) bad.push("past the right edge (" + Math.round(r.right) + " > " + vw + "): " + what);
		if ((st.overflowX === "hidden" || st.overflowX === "clip") && el.scrollWidth > el.clientWidth + 1 && !el.classList.contains("truncate")) bad.push("clipped: " + what);
	}
	return bad.slice(0, 15);
})()`

// fits checks the page at the two widths people use (a laptop and a
// phone), with screenshots for people to look at (KEYBIND_E2E_SHOTS).
func fits(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"1366", 1366, 900}, {"390", 390, 844}} {
		do(t, ctx, chromedp.EmulateViewport(w.width, w.height))
		if over := overflow(t, ctx); over != "" {
			t.Errorf("%s at %s px overflows: %s", step, w.name, over)
		}
		bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
		if err != nil {
			t.Fatalf("%s at %s px: %v", step, w.name, err)
		}
		if len(bad) > 0 {
			t.Errorf("%s at %s px: text does not fit:\n  %s", step, w.name, strings.Join(bad, "\n  "))
		}
		if w.name == "1366" {
			for _, v := range axeViolations(t, ctx) {
				t.Errorf("axe, %s in Chinese: %s", step, v)
			}
		}
		look(t, ctx, "zh-"+step+"-"+w.name)
	}
	do(t, ctx, chromedp.EmulateViewport(1366, 900))
}

// TestBindFlowInChinese walks the binding flow in Simplified Chinese, chosen
// with the sign-in page's switch: every step is in Chinese, and at 1366 and
// 390 px wide no text sticks out or is cut off.
func TestBindFlowInChinese(t *testing.T) {
	app := testapp.New(t, testapp.Options{RunEngine: true, InstancesPerRegion: 40})
	t.Setenv("TZ", "Asia/Shanghai") // the browser's time zone, which the sign-in form reports
	ctx := browser(t)
	key := app.Sandbox.KeyPairs(region)[0].Name
	picked := pick(app, 12, key)

	do(t, ctx,
		chromedp.Navigate(app.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.Click(chromedp.CSS(`form.lang-switch button[value="zh-CN"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] #username`)),
	)
	fits(t, ctx, "1-login")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#username`), "helen"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testapp.HelpdeskPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="regions"]`)),
	)
	if got := text(t, ctx, `h1`); got != "概览" {
		t.Errorf("dashboard heading %q, want 概览", got)
	}
	if got := text(t, ctx, `[data-testid="region-row"] td:nth-child(2)`); !strings.ContainsAny(got, "华杭") {
		t.Errorf("first region's name %q is not in Chinese", got)
	}
	fits(t, ctx, "2-dashboard")

	do(t, ctx,
		chromedp.Navigate(app.URL+"/bind"),
		chromedp.WaitVisible(chromedp.CSS(`#region`)),
	)
	fits(t, ctx, "3-region")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#region`), region),
		chromedp.Click(chromedp.CSS(`[data-testid="region-form"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="key-table"]`)),
	)
	fits(t, ctx, "4-key")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="use-key"][data-key="`+key+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="instance-table"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="paste-box"] summary`)),
		chromedp.SetValue(chromedp.CSS(`#paste-ids`), strings.Join(picked.ids, "\n")),
		chromedp.Click(chromedp.CSS(`[data-testid="paste-box"] button[type="submit"]`)),
	)
	waitJS(t, ctx, "12 instances are selected",
		`document.querySelector('[data-testid="selected-count"]').textContent.trim() === "已选 12 台实例"`, 10*time.Second)
	fits(t, ctx, "5-instances")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="review-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="review-form"]`)),
	)
	if got := text(t, ctx, `[data-testid="password-warning-text"]`); !strings.Contains(got, "禁用密码登录") && !strings.Contains(got, "已关闭密码登录") {
		t.Errorf("review warning %q is not in Chinese", got)
	}
	fits(t, ctx, "6-review")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="ack"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="submit-bind"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-grid"]`)),
	)
	waitJS(t, ctx, "the key calls are done",
		`document.querySelector('[data-testid="grid-poll"]').dataset.inMotion === "false"`, 60*time.Second)
	if got := text(t, ctx, `[data-testid="job-state"]`); strings.ContainsAny(got, "abcdefghijklmnopqrstuvwxyz") {
		t.Errorf("job state %q is not in Chinese", got)
	}
	if got := text(t, ctx, `main > p`); !strings.Contains(got, "CST") {
		t.Errorf("job header %q: the time is not in the browser's time zone (CST)", got)
	}
	fits(t, ctx, "7-results")

	// The account page offers the language and time zone, filled in.
	do(t, ctx, chromedp.Navigate(app.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="prefs-form"]`)))
	if got := evaluate[string](t, ctx, `document.querySelector('[data-testid="prefs-zone"]').value`); got != "Asia/Shanghai" {
		t.Errorf("account page: time zone %q, want the browser's Asia/Shanghai", got)
	}
	fits(t, ctx, "8-account")
}
