package views

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestGridPollsAreMarkedBackground: the grid polls every 2 s only while
// something is in motion (and at once after an action, always), and marks
// its polls so the server does not count them as activity.
func TestGridPollsAreMarkedBackground(t *testing.T) {
	for _, inMotion := range []bool{true, false} {
		var buf bytes.Buffer
		if err := JobGrid(JobGridData{Job: JobSummary{ID: 7}, InMotion: inMotion, PollURL: "/jobs/7/changes?since=3"}).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		poll := doc.Find(`#grid-poll`)
		trigger, _ := poll.Attr("hx-trigger")
		if strings.Contains(trigger, "every 2s") != inMotion || !strings.Contains(trigger, GridRefresh) {
			t.Errorf("in motion %t: hx-trigger %q", inMotion, trigger)
		}
		if swap, _ := poll.Attr("hx-swap"); swap != "none" {
			t.Errorf("the poller swaps %q, want none (its answer is out of band)", swap)
		}
		var headers map[string]string
		raw, _ := poll.Attr("hx-headers")
		if err := json.Unmarshal([]byte(raw), &headers); err != nil || headers[BackgroundHeader] == "" {
			t.Errorf("the poller's hx-headers = %q, want %s set", raw, BackgroundHeader)
		}
	}
}

// TestRetryButtonSaysWhenNoFailureCanBeRetried: beside "3 Failed", a
// disabled "Retry 0 failed instances" reads as a contradiction; the button
// says that none of the failed ones can be retried.
func TestRetryButtonSaysWhenNoFailureCanBeRetried(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		counts JobCounts
		want   string
	}{
		{JobCounts{Failed: 3, Retryable: 2}, "Retry all 2 failed instances"},
		{JobCounts{Failed: 3}, "None of the 3 failed instances can be retried"},
		{JobCounts{Failed: 1}, "The failed instance cannot be retried"},
		{JobCounts{}, "Retry failed instances"},
	} {
		if got := retryWords(ctx, tt.counts); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.counts, got, tt.want)
		}
	}
}
