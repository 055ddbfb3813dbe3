package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/testapp"
)

// TestReviewClassification checks that every selected instance lands in the
// right place of the review with its reason, and that nothing is sent.
func TestReviewClassification(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 60})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	key := app.FirstKey(t)
	f := classify(app, 60, key)
	params := url.Values{"region": {region}, "key": {key}}
	c.Get("/bind/instances?" + params.Encode())
	paste := url.Values{"region": {region}, "key": {key}, "ids": {strings.Join(f.ids, "\n")}}
	if r := c.PostHTMX("/bind/selection/paste", paste); r.StatusCode != http.StatusOK {
		t.Fatalf("paste = %d", r.StatusCode)
	}
	// An instance that disappears after it was selected.
	gone := url.Values{"region": {region}, "key": {key}, "id": {"i-gone0000000000000000"}, "on": {"1"}}
	if r := c.PostHTMX("/bind/selection/toggle", gone); r.StatusCode != http.StatusOK {
		t.Fatalf("toggle = %d", r.StatusCode)
	}

	doc := c.Get("/bind/review?" + params.Encode()).Doc
	reason := func(id string) string {
		return strings.TrimSpace(doc.Find(`[data-testid="review-excluded"] [data-instance-id="` + id + `"] .badge`).Last().Text())
	}
	tests := []struct {
		name string
		ids  []string
		want string
	}{
		{"windows", f.windows, "Windows (SSH key pairs are Linux only)"},
		{"locked", f.locked, "Locked for security"},
		{"not I/O optimized", f.notIO, "Not I/O optimized"},
		{"not found", []string{"i-gone0000000000000000"}, "Not found in this region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.ids) == 0 {
				t.Fatal("the fleet has no such instance")
			}
			for _, id := range tt.ids {
				if got := reason(id); got != tt.want {
					t.Errorf("%s excluded as %q, want %q", id, got, tt.want)
				}
			}
		})
	}
	included := doc.Find(`[data-testid="review-included"] [data-testid="review-row"]`)
	if included.Length() != len(f.bindable) {
		t.Errorf("%d instances will change, want %d", included.Length(), len(f.bindable))
	}
	included.Each(func(_ int, row *goquery.Selection) {
		id, _ := row.Attr("data-instance-id")
		text := row.Text()
		switch {
		case containsID(f.running, id) && !strings.Contains(text, "Needs a reboot"),
			containsID(f.stopped, id) && !strings.Contains(text, "Needs a start"):
			t.Errorf("%s: restart need missing in %q", id, text)
		case !strings.Contains(text, "→ "+key) && !strings.Contains(text, "already has it"):
			t.Errorf("%s: key change missing in %q", id, text)
		}
	})
	if n := app.Sandbox.Calls()["AttachKeyPair"]; n != 0 {
		t.Errorf("the review sent %d AttachKeyPair calls, want none", n)
	}
}

func TestPasteRefusesWhatIsNotAnID(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	key := app.FirstKey(t)
	c.Get("/bind/instances?" + url.Values{"region": {region}, "key": {key}}.Encode())
	tests := []struct{ name, ids, want string }{
		{"html", `<script>alert(1)</script>`, `Ignored 1 line without an instance ID: "<script>alert(1)</script>"`},
		{"uppercase", "I-ABC", `"I-ABC"`},
		{"empty", "  ", "the paste holds no instance ID"},
		{"broken json", `["i-abc"`, `Ignored 1 line without an instance ID: "[\"i-abc\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {tt.ids}})
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422", r.StatusCode)
			}
			msg := r.Doc.Find(`[data-testid="selection-message"]`).Text()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.want)
			}
			if got := strings.TrimSpace(r.Doc.Find(`[data-testid="selected-count"]`).Text()); got != "0 instances selected" {
				t.Errorf("selection = %q, want nothing selected", got)
			}
		})
	}
}

func TestBindFlowAuthorization(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	anon := app.Client(t)
	for _, path := range []string{"/bind", "/bind/review?region=cn-hangzhou&key=k1", "/jobs", "/jobs/1"} {
		r := anon.Get(path)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("signed out GET %s = %d → %q, want 303 to /login", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	anon.Get("/login")
	if r := anon.PostForm("/jobs", url.Values{"region": {region}}); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out POST /jobs = %d, want 401", r.StatusCode)
	}
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	for _, path := range []string{"/jobs", "/bind/selection/paste", "/jobs/1/retry"} {
		if r := c.PostNoCSRF(path, url.Values{"region": {region}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without CSRF token = %d, want 403", path, r.StatusCode)
		}
	}
	if n := app.Sandbox.Calls()["AttachKeyPair"]; n != 0 {
		t.Errorf("refused requests made %d AttachKeyPair calls", n)
	}
}
