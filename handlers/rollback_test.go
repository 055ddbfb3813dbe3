package handlers_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/testapp"
)

// runJob submits the review at reviewURL (ack ticked, restart after) and
// runs the engine until the job rests.
func runJob(t *testing.T, app *testapp.App, c *testapp.Client, reviewURL, extraCount string, want int) string {
	t.Helper()
	r := c.Get(reviewURL)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %.300s", reviewURL, r.StatusCode, r.Body)
	}
	if got := testapp.Count(t, r.Doc, extraCount); got != want {
		t.Errorf("%s on the review = %d, want %d", extraCount, got, want)
	}
	form, _ := r.Doc.Find(`[data-testid="review-form"]`).Attr("action")
	idem, _ := r.Doc.Find(`input[name="idempotency_key"]`).Attr("value")
	vals := url.Values{"idempotency_key": {idem}, "ack": {"yes"}, "after": {"restart"}, "wave": {"10"}}
	r.Doc.Find(`[data-testid="review-form"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		if n, _ := s.Attr("name"); n == "region" || n == "key" {
			vals.Set(n, s.AttrOr("value", ""))
		}
	})
	r = c.PostForm(form, vals)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s = %d: %.300s", form, r.StatusCode, r.Body)
	}
	job := r.Header.Get("Location")
	stepUntil(t, app, func() bool {
		return c.Get(job+"/grid").Doc.Find(`[data-testid="grid-poll"]`).AttrOr("data-in-motion", "") == "false"
	})
	return job
}

func TestRollbackRestoresPreviousKeysAndExportsTheGrid(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	a, b, cID := app.ThreeInstances(t, `=HYPERLINK("http://evil.example","x")`)
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	key := "alice-laptop"
	q := url.Values{"region": {region}, "key": {key}}
	helen.Get("/bind/instances?" + q.Encode())
	paste := url.Values{"region": {region}, "key": {key}, "ids": {a + "," + b + "," + cID}}
	if r := helen.PostHTMX("/bind/selection/paste", paste); r.StatusCode != http.StatusOK {
		t.Fatalf("paste = %d", r.StatusCode)
	}
	job := runJob(t, app, helen, "/bind/review?"+q.Encode(), "count-replace", 1)
	for _, id := range []string{a, b, cID} {
		if ks, _ := app.Sandbox.KeyInEffect(region, id); ks.EffectiveKeyPair != key {
			t.Fatalf("after the bind %s has %q in effect, want %s", id, ks.EffectiveKeyPair, key)
		}
	}

	// The grid exports as CSV, with the formula name neutralised.
	r := helen.Get(job + "/export.csv")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	for _, row := range rows[1:] {
		if row[0] == b && row[1] != `'=HYPERLINK("http://evil.example","x")` {
			t.Errorf("name cell of %s = %q, want it neutralised with a leading apostrophe", b, row[1])
		}
		if row[4] != "Bound" {
			t.Errorf("%s result %q, want Bound", row[0], row[4])
		}
	}
	if r := helen.Get(job + "/export.json"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"restart_state": "Running — key in effect"`) {
		t.Errorf("JSON export = %d: %.300s", r.StatusCode, r.Body)
	}

	// An admin restores the previous keys: A gets ci-runner back, B and C lose the key.
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	rb := runJob(t, app, admin, job+"/rollback", "count-remove", 2)
	if got := testapp.Count(t, admin.Get(rb+"/grid").Doc, "count-bound"); got != 3 {
		t.Errorf("rollback changed %d instances, want 3", got)
	}
	want := map[string]string{a: "ci-runner", b: "", cID: ""}
	for id, k := range want {
		ks, _ := app.Sandbox.KeyInEffect(region, id)
		if ks.EffectiveKeyPair != k || ks.KeyPairName != k || ks.PasswordLogin != (k == "") {
			t.Errorf("after the rollback %s: %+v, want key %q (password login %t)", id, ks, k, k == "")
		}
	}
	if !strings.Contains(admin.Get(rb).Doc.Find("h1").Text(), "before job") {
		t.Error("the rollback job does not name the job it restores")
	}
}

func TestUnbindRemovesTheKey(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	a, _, _ := app.ThreeInstances(t, "")
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	keyPage := helen.Get("/keypairs/key?region=" + region + "&name=ci-runner")
	if href, _ := keyPage.Doc.Find(`[data-testid="unbind-link"]`).Attr("href"); !strings.Contains(href, "mode=unbind") {
		t.Errorf("the key pair page offers no unbind link (status %d, href %q)", keyPage.StatusCode, href)
	}
	q := url.Values{"region": {region}, "key": {"ci-runner"}, "mode": {"unbind"}}
	list := helen.Get("/bind/instances?" + q.Encode())
	if list.Doc.Find(`[data-testid="instance-row"][data-instance-id="`+a+`"]`).Length() != 1 {
		t.Fatal("the unbind list does not show the instance that has the key")
	}
	list.Doc.Find(`[data-testid="instance-row"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-instance-id")
		if ks, _ := app.Sandbox.KeyInEffect(region, id); ks.KeyPairName != "ci-runner" {
			t.Errorf("the unbind list shows %s, which has key %q", id, ks.KeyPairName)
		}
	})
	if r := helen.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {"ci-runner"}, "mode": {"unbind"}, "ids": {a}}); r.StatusCode != http.StatusOK {
		t.Fatalf("paste = %d", r.StatusCode)
	}
	// The unbind selection is its own: the bind selection stays empty.
	if got := strings.TrimSpace(helen.Get("/bind/instances?region=" + region + "&key=ci-runner").Doc.Find(`[data-testid="selected-count"]`).Text()); got != "0 instances selected" {
		t.Errorf("bind selection = %q, want empty", got)
	}
	review := "/unbind/review?" + url.Values{"region": {region}, "key": {"ci-runner"}}.Encode()
	if w := helen.Get(review).Doc.Find(`[data-testid="unbind-warning"]`).Text(); !strings.Contains(w, "Password login returns only after") {
		t.Errorf("unbind warning = %q", w)
	}
	runJob(t, app, helen, review, "count-remove", 1)
	ks, _ := app.Sandbox.KeyInEffect(region, a)
	if ks.KeyPairName != "" || ks.EffectiveKeyPair != "" || !ks.PasswordLogin {
		t.Errorf("after unbind and reboot: %+v, want no key and password login", ks)
	}
}
