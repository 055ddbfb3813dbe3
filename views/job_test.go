package views

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestGridPollsAreMarkedBackground: the grid polls only while something is
// in motion, and marks its polls so the server does not count them as
// activity.
func TestGridPollsAreMarkedBackground(t *testing.T) {
	for _, inMotion := range []bool{true, false} {
		var buf bytes.Buffer
		if err := JobGrid(JobGridData{Job: JobSummary{ID: 7}, InMotion: inMotion}).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		grid := doc.Find(`#job-grid`)
		trigger, polls := grid.Attr("hx-trigger")
		if polls != inMotion {
			t.Errorf("in motion %t: hx-trigger %q present %t", inMotion, trigger, polls)
		}
		if !inMotion {
			continue
		}
		var headers map[string]string
		raw, _ := grid.Attr("hx-headers")
		if err := json.Unmarshal([]byte(raw), &headers); err != nil || headers[BackgroundHeader] == "" {
			t.Errorf("the polling grid's hx-headers = %q, want %s set", raw, BackgroundHeader)
		}
	}
}
