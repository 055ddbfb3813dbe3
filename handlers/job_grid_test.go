package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/jobs"
	"keybind/internal/testapp"
)

// TestGridFiltersSearchesAndPages: the summary cards are filters (the
// failed card shows exactly the failed rows), a search finds one instance,
// and a page holds at most its size.
func TestGridFiltersSearchesAndPages(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 260})
	id, failed := app.BoundJob(t, 250, 4)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	job := "/jobs/" + itoa(id)

	all := c.Get(job).Doc
	if n := all.Find(`[data-testid="job-row"]`).Length(); n != 100 {
		t.Errorf("first page has %d rows, want 100", n)
	}
	if got := strings.Join(strings.Fields(all.Find(`[data-testid="pager"]`).Text()), " "); !strings.Contains(got, "1–100 of 250 instances") {
		t.Errorf("pager says %q", got)
	}
	href, _ := all.Find(`[data-testid="card-failed"]`).Attr("href")
	if href != job+"?group=failed" || testapp.Count(t, all, "count-failed") != len(failed) {
		t.Fatalf("failed card links to %q with %d, want %s?group=failed with %d", href, testapp.Count(t, all, "count-failed"), job, len(failed))
	}
	doc := c.Get(href).Doc
	var rows []string
	doc.Find(`[data-testid="job-row"]`).Each(func(_ int, s *goquery.Selection) {
		rows = append(rows, s.AttrOr("data-instance-id", ""))
		if got := s.Find(`[data-testid="item-result"]`).Text(); got != "Failed" {
			t.Errorf("%s on the failed filter says %q", s.AttrOr("data-instance-id", ""), got)
		}
	})
	if strings.Join(rows, " ") != strings.Join(failed, " ") {
		t.Errorf("failed filter rows %v, want %v", rows, failed)
	}
	if cur, _ := doc.Find(`[data-testid="card-failed"]`).Attr("aria-current"); cur != "true" {
		t.Errorf("the failed card is not marked current: %q", cur)
	}
	// Paging within a filter keeps the filter.
	if href, _ := c.Get(job + "?group=bound&size=50").Doc.Find(`[data-testid="pager"] a[rel="next"]`).Attr("href"); href != job+"?group=bound&page=2&size=50" {
		t.Errorf("next page of a filter links to %q", href)
	}
	if n := c.Get(job + "?size=5000").Doc.Find(`[data-testid="job-row"]`).Length(); n != jobs.MaxGridPage {
		t.Errorf("size=5000 rendered %d rows, want at most %d", n, jobs.MaxGridPage)
	}
	one := c.Get(job + "?q=" + url.QueryEscape(strings.ToUpper(failed[1][5:])))
	if n := one.Doc.Find(`[data-testid="job-row"]`).Length(); n != 1 || one.Doc.Find(`#row-`+failed[1]).Length() != 1 {
		t.Errorf("search by part of an ID: %d rows", n)
	}

	// Asked by the grid's own links, the same URL answers only the grid.
	r := c.Do(htmxGet(t, c, job+"?group=failed", "job-grid"))
	if r.Doc.Find("html header").Length() != 0 || r.Doc.Find(`#job-grid`).Length() != 1 || !strings.Contains(r.Header.Get("Vary"), "HX-Target") {
		t.Errorf("grid fragment: page chrome %d, grid %d, Vary %q", r.Doc.Find("header").Length(), r.Doc.Find(`#job-grid`).Length(), r.Header.Get("Vary"))
	}
	if strings.Contains(r.Body, "csrf_token") || !strings.Contains(all.Find(`[data-testid="bulk-actions"]`).Text()+mustHTML(t, all), `name="csrf_token"`) {
		t.Error("the grid fragment must carry no CSRF token, and the whole page must (forms without JavaScript)")
	}
}

// TestGridPollsFetchOnlyWhatChanged: a poll when nothing changed is a 204
// without a body; after two rows changed it carries those two rows (out of
// band) and the summary, not the page; when the filter selects other rows
// now, it carries the page's rows.
func TestGridPollsFetchOnlyWhatChanged(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 260})
	id, _ := app.BoundJob(t, 250, 0)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	job := "/jobs/" + itoa(id)
	doc := c.Get(job).Doc
	poll, _ := doc.Find(`#grid-poll`).Attr("hx-get")
	r := c.GetHTMX(poll)
	if r.StatusCode != http.StatusNoContent || r.Body != "" {
		t.Fatalf("poll with nothing changed = %d, %d bytes; want 204 and nothing", r.StatusCode, len(r.Body))
	}
	var reboot []string
	doc.Find(`[data-testid="item-reboot"]`).Each(func(i int, s *goquery.Selection) {
		if i < 2 {
			reboot = append(reboot, s.Closest("tr").AttrOr("data-instance-id", ""))
		}
	})
	if _, err := app.Engine.Restart(context.Background(), jobs.Actor{UserID: app.Admin.ID, Username: "admin"}, id, jobs.OpReboot, reboot, false); err != nil {
		t.Fatal(err)
	}
	r = c.GetHTMX(poll)
	changed := r.Doc.Find(`tr[hx-swap-oob]`)
	if r.StatusCode != http.StatusOK || changed.Length() != 2 || r.Doc.Find(`#grid-summary[hx-swap-oob]`).Length() != 1 || r.Doc.Find(`#grid-rows`).Length() != 0 {
		t.Fatalf("poll after 2 changes = %d: %d rows, summary %d, page %d; want 2 rows and the summary", r.StatusCode, changed.Length(),
			r.Doc.Find(`#grid-summary`).Length(), r.Doc.Find(`#grid-rows`).Length())
	}
	changed.Each(func(_ int, s *goquery.Selection) {
		if got := s.Find(`[data-testid="item-restart"]`).Text(); !strings.Contains(got, "Reboot") {
			t.Errorf("changed row %s says %q", s.AttrOr("id", ""), got)
		}
	})
	next, _ := r.Doc.Find(`#grid-poll`).Attr("hx-get")
	if next == poll || !strings.Contains(next, "since=") {
		t.Errorf("the next poll asks for %q, want a later revision than %q", next, poll)
	}
	if r := c.GetHTMX(next); r.StatusCode != http.StatusNoContent {
		t.Errorf("the next poll = %d, want 204", r.StatusCode)
	}

	// On the "waiting" filter the two rebooting rows leave the page: the page is sent again.
	w := c.Get(job + "?group=waiting").Doc
	wpoll, _ := w.Find(`#grid-poll`).Attr("hx-get")
	more := []string{w.Find(`[data-testid="job-row"]`).First().AttrOr("data-instance-id", "")}
	if _, err := app.Engine.Restart(context.Background(), jobs.Actor{UserID: app.Admin.ID, Username: "admin"}, id, jobs.OpReboot, more, false); err != nil {
		t.Fatal(err)
	}
	r = c.GetHTMX(wpoll)
	if r.Doc.Find(`#grid-rows[hx-swap-oob]`).Length() != 1 || r.Doc.Find(`#row-`+more[0]).Length() != 0 {
		t.Errorf("after a row left the filter the poll sent %d pages, and the row %d times", r.Doc.Find(`#grid-rows`).Length(), r.Doc.Find(`#row-`+more[0]).Length())
	}
}

// TestRestartsAskFirst is issue 10's item 1 without JavaScript: a bulk
// reboot posted without confirmation answers a confirmation page (count,
// first instances, normal or forced) and sends nothing; confirmed, it
// queues the reboots the way the person chose.
func TestRestartsAskFirst(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 60})
	id, _ := app.BoundJob(t, 50, 0)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	job := "/jobs/" + itoa(id)
	c.Get(job)
	ready := testapp.Count(t, c.Get(job).Doc, "count-waiting")
	r := c.PostForm(job+"/reboot-all", nil)
	if r.StatusCode != http.StatusOK || r.Doc.Find(`[data-testid="confirm-page"]`).Length() != 1 {
		t.Fatalf("unconfirmed reboot-all = %d, want the confirmation page", r.StatusCode)
	}
	heading := r.Doc.Find("h1").Text()
	listed := r.Doc.Find(`[data-testid="confirm-instances"] li`)
	if !strings.HasPrefix(heading, "Reboot ") || listed.Length() != 11 || !strings.Contains(listed.Last().Text(), "more") {
		t.Errorf("confirmation %q lists %d lines", heading, listed.Length())
	}
	if r.Doc.Find(`[data-testid="confirm-normal"][checked]`).Length() != 1 || r.Doc.Find(`[data-testid="confirm-forced"][checked]`).Length() != 0 {
		t.Error("a normal reboot is not the preselected choice")
	}
	items, _ := app.Engine.Items(context.Background(), id)
	for _, it := range items {
		if it.Restart == jobs.RestartQueued {
			t.Fatalf("%s was queued before the confirmation", it.InstanceID)
		}
	}
	if n := app.Sandbox.Calls()["RebootInstances"]; n != 0 {
		t.Fatalf("%d RebootInstances calls before the confirmation", n)
	}
	r = c.PostForm(job+"/reboot-all", url.Values{"confirm": {"yes"}, "force": {"yes"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed reboot-all = %d", r.StatusCode)
	}
	items, _ = app.Engine.Items(context.Background(), id)
	queued := 0
	for _, it := range items {
		if it.Restart == jobs.RestartQueued {
			queued++
			if !it.Force {
				t.Errorf("%s queued without the forced reboot the person chose", it.InstanceID)
			}
		}
	}
	if queued == 0 || !strings.Contains(heading, itoa(int64(queued))) {
		t.Errorf("queued %d, the confirmation said %q (waiting: %d)", queued, heading, ready)
	}

	// With htmx the confirmation is a dialog; confirmed, the answer is a
	// message and the event that refreshes the grid.
	row := c.Get(job+"?group=waiting").Doc.Find(`[data-testid="item-start"]`).First().Closest("tr").AttrOr("data-instance-id", "")
	if row == "" {
		t.Skip("no Stopped instance in the fleet")
	}
	r = c.PostHTMX(job+"/start-all", nil)
	if r.Doc.Find(`dialog[data-testid="confirm-dialog"]`).Length() != 1 {
		t.Fatalf("unconfirmed start-all via htmx = %d: %.200s", r.StatusCode, r.Body)
	}
	r = c.PostHTMX(job+"/start-all", url.Values{"confirm": {"yes"}})
	if r.Header.Get("HX-Trigger") != "grid-refresh" || r.Doc.Find(`#flash-region[hx-swap-oob]`).Length() != 1 {
		t.Errorf("confirmed start-all via htmx: trigger %q, body %.200s", r.Header.Get("HX-Trigger"), r.Body)
	}
}

func htmxGet(t *testing.T, c *testapp.Client, path, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	return req
}

func mustHTML(t *testing.T, d *goquery.Document) string {
	t.Helper()
	h, err := d.Html()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
