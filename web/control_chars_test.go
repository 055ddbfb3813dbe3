package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/testapp"
)

// controlName is the instance name of issue #11: NUL, BEL and an ANSI colour.
const (
	controlName        = "nul\u0000byte\u0007bell\u001b[31mred"
	controlNameVisible = `nul\u0000byte\u0007bell\u001b[31mred`
)

// rawControl returns the first control character in body other than tab,
// newline and carriage return (C0, DEL, or a C1 control), or -1.
func rawControl(body string) rune {
	for _, r := range body {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f) {
			return r
		}
	}
	return -1
}

var jobLocation = regexp.MustCompile(`^/jobs/(\d+)$`)

// Issue #11 / SECURITY.md, Output: text from the cloud is shown with its
// control characters made visible on the pages (instance list, review, job
// page, result grid) and in the CSV export; JSON (the job
// export, the API) keeps its standard \u escapes.
func TestControlCharactersAreMadeVisible(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	_, b, _ := app.ThreeInstances(t, controlName)
	key := app.Sandbox.KeyPairs(testapp.Region)[0].Name
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	q := url.Values{"region": {testapp.Region}, "key": {key}}.Encode()

	wantVisible := func(t *testing.T, what string, r *testapp.Response) {
		t.Helper()
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200", what, r.StatusCode)
		}
		if ch := rawControl(r.Body); ch >= 0 {
			t.Errorf("%s: the body holds the raw control %U", what, ch)
		}
		if !strings.Contains(r.Body, controlNameVisible) {
			t.Errorf("%s: the body lacks the name made visible, %s", what, controlNameVisible)
		}
	}

	list := "/bind/instances?" + q
	wantVisible(t, "instance list", c.Get(list))
	wantVisible(t, "instance list fragment", c.GetHTMX(list))
	r := c.PostHTMX("/bind/selection/paste", url.Values{"region": {testapp.Region}, "key": {key}, "ids": {b}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("paste: status %d", r.StatusCode)
	}
	review := c.Get("/bind/review?" + q)
	wantVisible(t, "review", review)
	idem, _ := review.Doc.Find(`input[name="idempotency_key"]`).Attr("value")
	r = c.PostForm("/jobs", url.Values{"region": {testapp.Region}, "key": {key}, "idempotency_key": {idem},
		"after": {"none"}, "wave": {"20"}, "ack": {"yes"}})
	m := jobLocation.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create the job: %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	job := "/jobs/" + m[1]
	for range 10 {
		if err := app.Engine.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		app.Clock.Advance(2 * time.Second)
	}
	wantVisible(t, "job page", c.Get(job))
	wantVisible(t, "result grid", c.GetHTMX(job+"/grid"))

	csv := c.Get(job + "/export.csv")
	wantVisible(t, "CSV export", csv)

	for _, tc := range []struct {
		what string
		get  func() *testapp.Response
	}{
		{"job JSON export", func() *testapp.Response { return c.Get(job + "/export.json") }},
		{"API instance list", func() *testapp.Response {
			raw, _, err := app.Auth.Tokens().Create(context.Background(), auth.WebActor(&app.Helpdesk, ""), "script", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, app.URL+"/api/v1/regions/"+testapp.Region+"/instances?id="+b, nil)
			req.Header.Set("Authorization", "Bearer "+raw)
			return app.Client(t).Do(req)
		}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			r := tc.get()
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.300s", r.StatusCode, r.Body)
			}
			if ch := rawControl(r.Body); ch >= 0 {
				t.Errorf("the JSON holds the raw control %U", ch)
			}
			if !strings.Contains(r.Body, `nul\u0000byte\u0007bell\u001b[31mred`) {
				t.Errorf("the JSON lacks the name with standard escapes: %.500s", r.Body)
			}
			if strings.Contains(r.Body, `\\u001b`) {
				t.Error("the JSON escapes the name twice")
			}
		})
	}

	if bytes.ContainsRune([]byte(csv.Body), 0x1b) {
		t.Error("the CSV file holds a raw ESC")
	}
}
