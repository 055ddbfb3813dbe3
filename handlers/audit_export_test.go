package handlers_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"keybind/internal/testapp"
)

// TestAuditExportsWhatTheFilterSelects: the CSV and JSON exports hold the
// entries the page's filter selects, no more and no fewer.
func TestAuditExportsWhatTheFilterSelects(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	app.SignIn(t, "helen", testapp.HelpdeskPassword) // one auth.login by helen
	helen := app.Client(t)
	helen.Get("/login")
	helen.PostForm("/login", map[string][]string{"username": {"helen"}, "password": {"wrong-password-here"}}) // a failure
	admin := app.SignIn(t, "admin", testapp.AdminPassword)

	page := admin.Get("/audit?user=helen")
	rows := page.Doc.Find(`[data-testid="audit-row"]`).Length()
	if rows != 2 {
		t.Fatalf("the audit page shows %d entries for helen, want 2 (a success and a failure)", rows)
	}
	r := admin.Get("/audit/export.csv?user=helen")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV export = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(records) != rows+1 {
		t.Fatalf("CSV: %d records, %v; want a header and %d rows", len(records), err, rows)
	}
	for _, rec := range records[1:] {
		if rec[1] != "helen" || rec[5] != "auth.login" {
			t.Errorf("CSV row %q, want helen's sign-ins only", rec)
		}
	}
	r = admin.Get("/audit/export.json?user=helen")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Body), &list); err != nil || len(list) != rows {
		t.Fatalf("JSON export: %d entries, %v", len(list), err)
	}
	for _, e := range list {
		if e["user"] != "helen" || e["id"] == nil || e["time"] == nil {
			t.Errorf("JSON entry %v, want helen's, with id and time as the API gives them", e)
		}
	}
}
