package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/sso"
	"keybind/internal/testapp"
)

func htmlLang(r *testapp.Response) string {
	v, _ := r.Doc.Find("html").Attr("lang")
	return v
}

// The language follows Accept-Language until the person chooses one.
func TestLanguageFromAcceptLanguage(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	for _, tt := range []struct{ accept, lang, heading string }{
		{"", "en", "Sign in"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN", "登录"},
		{"fr-FR,fr;q=0.9", "en", "Sign in"},
		{"zh-TW", "zh-CN", "登录"},
	} {
		c := app.Client(t)
		c.Lang = tt.accept
		r := c.Get("/login")
		if got := htmlLang(r); got != tt.lang {
			t.Errorf("Accept-Language %q: <html lang=%q>, want %q", tt.accept, got, tt.lang)
		}
		if got := strings.TrimSpace(r.Doc.Find("h1").Text()); got != tt.heading {
			t.Errorf("Accept-Language %q: heading %q, want %q", tt.accept, got, tt.heading)
		}
	}
}

// The switch on the sign-in page sets the cookie; after sign-in the choice
// is the person's, kept in another browser too, and the switch in the
// header changes it back.
func TestLanguageSwitchIsRemembered(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Client(t)
	page := c.Get("/login")
	sw := page.Doc.Find(`[data-testid="lang-switch"] button[value="zh-CN"]`)
	if sw.Length() != 1 || strings.TrimSpace(sw.Text()) != "简体中文" {
		t.Fatalf("sign-in page: want a switch to 简体中文, got %d buttons", sw.Length())
	}
	r := c.PostForm("/language", url.Values{"lang": {"zh-CN"}, "back": {"/login"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d to %q, want 303 to /login", r.StatusCode, r.Header.Get("Location"))
	}
	if got := htmlLang(c.Get("/login")); got != "zh-CN" {
		t.Fatalf("after the switch: lang %q, want zh-CN", got)
	}
	if r := c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.StatusCode)
	}
	dash := c.Get("/")
	if got := htmlLang(dash); got != "zh-CN" {
		t.Errorf("dashboard after sign-in: lang %q, want zh-CN", got)
	}
	if got := strings.TrimSpace(dash.Doc.Find("h1").Text()); got != "概览" {
		t.Errorf("dashboard heading %q, want 概览", got)
	}

	// Another browser, English by its header: the saved choice wins.
	other := app.Client(t)
	other.Lang = "en-US"
	other.Get("/login")
	other.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}})
	if got := htmlLang(other.Get("/")); got != "zh-CN" {
		t.Errorf("second browser: lang %q, want the saved zh-CN", got)
	}
	// The header's switch, signed in, changes the saved choice.
	back := other.Get("/jobs")
	btn := back.Doc.Find(`[data-testid="lang-switch"] button[value="en"]`)
	if btn.Length() != 1 {
		t.Fatal("signed-in page: no switch to English in the header")
	}
	path, _ := back.Doc.Find(`[data-testid="lang-switch"] input[name="back"]`).Attr("value")
	if path != "/jobs" {
		t.Errorf("switch comes back to %q, want /jobs", path)
	}
	other.PostForm("/language", url.Values{"lang": {"en"}, "back": {path}})
	if got := htmlLang(c.Get("/")); got != "en" {
		t.Errorf("first browser after the change: lang %q, want en", got)
	}
	// Nothing but the offered languages, and no open redirect.
	if r := other.PostForm("/language", url.Values{"lang": {"fr"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("lang=fr: status %d, want 400", r.StatusCode)
	}
	if r := other.PostForm("/language", url.Values{"lang": {"en"}, "back": {"//evil.example/"}}); r.Header.Get("Location") != "/" {
		t.Errorf("back=//evil.example/: Location %q, want /", r.Header.Get("Location"))
	}
}

// The browser's time zone, sent with the sign-in form, becomes the
// person's; pages show times in it, exports stay in UTC.
func TestTimeZoneFromBrowserAtFirstSignIn(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.Client(t)
	c.Get("/login")
	c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}, "tz": {"Asia/Shanghai"}})
	prefs, err := app.Auth.Prefs(t.Context(), &app.Helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	if prefs["time_zone"] != "Asia/Shanghai" {
		t.Fatalf("saved time zone %q, want Asia/Shanghai", prefs["time_zone"])
	}
	page := c.Get("/keypairs?region=cn-hangzhou")
	if !regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d CST`).MatchString(page.Doc.Find("main").Text()) {
		t.Errorf("key pairs page shows no time in CST: %.400s", page.Doc.Find("main table").Text())
	}
	// A later sign-in does not overwrite the saved zone.
	c2 := app.Client(t)
	c2.Get("/login")
	c2.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}, "tz": {"Europe/Paris"}})
	prefs, _ = app.Auth.Prefs(t.Context(), &app.Helpdesk)
	if prefs["time_zone"] != "Asia/Shanghai" {
		t.Errorf("second sign-in changed the zone to %q", prefs["time_zone"])
	}
}

// The JSON API keeps its codes and answers its message in the language of
// Accept-Language.
func TestAPIMessageFollowsAcceptLanguage(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	for _, tt := range []struct{ accept, message string }{
		{"en", "Send a personal API token"},
		{"zh-CN", "请在 Authorization 请求头中发送个人 API 令牌"},
	} {
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/api/v1/jobs", nil)
		req.Header.Set("Accept-Language", tt.accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Code, Message string }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if body.Code != "unauthorized" || !strings.HasPrefix(body.Message, tt.message) {
			t.Errorf("%s: code %q message %q, want unauthorized and %q…", tt.accept, body.Code, body.Message, tt.message)
		}
	}
}

// The edge's refusals speak the person's language on pages too.
func TestEdgeErrorsInChinese(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	c.Lang = "zh-CN"
	cjk := regexp.MustCompile(`\p{Han}`)
	for _, tt := range []struct {
		name string
		resp *testapp.Response
	}{
		{"not found", c.Get("/no/such/page")},
		{"a job that is not there", c.Get("/jobs/999999")},
		{"a form without its token", c.PostNoCSRF("/jobs/1/pause", nil)},
		{"a helpdesk user on an admin page", c.Get("/users")},
	} {
		msg := strings.TrimSpace(tt.resp.Doc.Find(`[data-testid="error-message"]`).Text())
		if msg == "" || !cjk.MatchString(msg) || strings.ContainsAny(strings.ReplaceAll(msg, "keybind", ""), "aeiou") {
			t.Errorf("%s (%d): message %q is not in Chinese", tt.name, tt.resp.StatusCode, msg)
		}
		if h := strings.TrimSpace(tt.resp.Doc.Find("h1").Text()); !cjk.MatchString(h) {
			t.Errorf("%s: heading %q is not in Chinese", tt.name, h)
		}
	}
}

// CSV exports name their columns in the person's language and give times in
// UTC whatever the person's time zone; JSON exports are English, for
// programs.
func TestExportsInChinese(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	jobID, _ := app.BoundJob(t, 5, 1)
	c := app.Client(t)
	c.Lang = "zh-CN"
	c.Get("/login")
	c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}, "tz": {"Asia/Shanghai"}})

	csv := c.Get("/jobs/export.csv").Body
	header, rest, _ := strings.Cut(csv, "\n")
	if !strings.HasPrefix(header, "编号,标题,创建时间（UTC）") {
		t.Errorf("jobs CSV header %q, want it in Chinese", header)
	}
	if !regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d UTC`).MatchString(rest) || strings.Contains(rest, "CST") {
		t.Errorf("jobs CSV times are not in UTC: %.300s", rest)
	}
	if page := c.Get("/jobs").Doc.Find(`[data-testid="jobs-row"]`).Text(); !strings.Contains(page, "CST") {
		t.Errorf("the job list shows no time in the person's zone (CST): %.300s", page)
	}
	grid := c.Get("/jobs/" + strconv.FormatInt(jobID, 10) + "/export.csv").Body
	if header, _, _ := strings.Cut(grid, "\n"); !strings.HasPrefix(header, "实例 ID,名称") {
		t.Errorf("grid CSV header %q, want it in Chinese", header)
	}
	js := c.Get("/jobs/export.json").Body
	if !strings.Contains(js, `"state"`) || han.MatchString(js) {
		t.Errorf("jobs JSON is not English: %.300s", js)
	}
}

// A person signing in through single sign-on for the first time gets the
// language they chose before and their browser's time zone (the sign-in
// link carries it).
func TestSSOFirstSignInKeepsLanguageAndZone(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	c := e.app.Client(t)
	c.Get("/login")
	c.PostForm("/language", url.Values{"lang": {"zh-CN"}, "back": {"/login"}})
	if _, ok := c.Get("/login").Doc.Find(`[data-testid="sso-button"]`).Attr("data-browser-tz-link"); !ok {
		t.Errorf("the sign-in link is not marked for the browser's time zone")
	}
	start := c.Get(sso.StartPath + "?tz=Asia%2FShanghai") // the link as static/app.js completes it
	back := e.callbackPath(t, start.Header.Get("Location"), "carol")
	if r := c.Get(back); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", r.StatusCode)
	}
	u, err := e.app.Auth.User(t.Context(), "carol")
	if err != nil {
		t.Fatal(err)
	}
	prefs, err := e.app.Auth.Prefs(t.Context(), &u)
	if err != nil {
		t.Fatal(err)
	}
	if prefs["language"] != "zh-CN" || prefs["time_zone"] != "Asia/Shanghai" {
		t.Errorf("saved %v, want zh-CN and Asia/Shanghai", prefs)
	}
}

// The API's field messages follow Accept-Language too; codes and field
// names stay.
func TestAPIFieldMessagesInChinese(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	raw, _, err := app.Auth.Tokens().Create(context.Background(), auth.WebActor(&app.Helpdesk, ""), "script", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, app.URL+"/api/v1/jobs/bind", strings.NewReader(`{"region":"cn-hangzhou"}`))
	req.Header.Set("Authorization", "Bearer "+raw)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "i18n-test-0001")
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Code    string
		Message string
		Fields  map[string]string
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Code != "invalid_input" || !han.MatchString(body.Message) {
		t.Errorf("code %q message %q, want invalid_input in Chinese", body.Code, body.Message)
	}
	if msg := body.Fields["instance_ids"]; !han.MatchString(msg) {
		t.Errorf("instance_ids: %q, want Chinese (fields %v)", msg, body.Fields)
	}
}

// API answers that name something (a region, a key pair, a type) are whole
// messages in the catalogue too: in Chinese under zh-CN, not English with
// a name in it.
func TestAPIMessagesThatNameThingsInChinese(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	raw, _, err := app.Auth.Tokens().Create(context.Background(), auth.WebActor(&app.Admin, ""), "script", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range []struct{ path, body, field string }{
		{"/api/v1/jobs/bind", `{"region":"cn-nowhere","key_pair":"some-key","instance_ids":["i-abc"],"acknowledge":true}`, "region"},
		{"/api/v1/jobs/bind", `{"region":"cn-hangzhou","key_pair":"no-such-key","instance_ids":["i-abc"],"acknowledge":true}`, "key_pair"},
		{"/api/v1/jobs/bind", `{"region":"cn-hangzhou","key_pair":"k","instance_ids":"i-abc"}`, "instance_ids"},
	} {
		req, _ := http.NewRequest(http.MethodPost, app.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+raw)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("i18n-names-%04d", i))
		req.Header.Set("Accept-Language", "zh-CN")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Code   string
			Fields map[string]string
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if msg := body.Fields[tt.field]; !han.MatchString(msg) || strings.Contains(msg, "There is") || strings.Contains(msg, "Must be") {
			t.Errorf("%s: %s: status %d code %q, field %s = %q, want it in Chinese (fields %v)", tt.path, tt.body, resp.StatusCode, body.Code, tt.field, msg, body.Fields)
		}
	}
}
