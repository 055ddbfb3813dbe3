package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"keybind/internal/jobs"
	"keybind/internal/testapp"
)

// evaluate reads a JavaScript value in one step.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		shot(t, ctx)
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBulkRebootConfirmationCanBeDismissed is issue 10's first done-when:
// "Reboot all" opens a confirmation naming the count and the first
// instances; dismissing it sends nothing and gives focus back to the
// button; confirming it with "forced" queues exactly those reboots, forced.
func TestBulkRebootConfirmationCanBeDismissed(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 80})
	id, _ := app.BoundJob(t, 60, 0)
	ctx := browser(t)
	signInAs(t, ctx, app.URL, "helen", testapp.HelpdeskPassword)
	do(t, ctx, chromedp.Navigate(app.URL+"/jobs/"+itoa(id)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="reboot-all"]`)))
	label := text(t, ctx, `[data-testid="reboot-all"]`)

	for _, dismiss := range []string{"the Cancel button", "the Escape key"} {
		do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="reboot-all"]`)), chromedp.WaitVisible(chromedp.CSS(`dialog[data-testid="confirm-dialog"]`)))
		heading := text(t, ctx, `#confirm-heading`)
		if n := strings.Fields(label)[2]; !strings.Contains(heading, n) || evaluate[int](t, ctx, `document.querySelectorAll('[data-testid="confirm-instances"] li').length`) < 2 {
			t.Errorf("confirmation %q for button %q: want the count and the first instances", heading, label)
		}
		if !evaluate[bool](t, ctx, `document.querySelector('dialog[data-testid="confirm-dialog"]').matches(':modal')`) {
			t.Error("the confirmation is not a modal dialog")
		}
		if dismiss == "the Cancel button" {
			do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="confirm-cancel"]`)))
		} else {
			do(t, ctx, chromedp.KeyEvent("\x1b"))
		}
		waitJS(t, ctx, "the dialog closes after "+dismiss, `!document.querySelector('dialog[data-testid="confirm-dialog"]')`, 5*time.Second)
		if got := evaluate[string](t, ctx, `document.activeElement.id`); got != "bulk-reboot" {
			t.Errorf("after %s focus is on %q, want the Reboot all button", dismiss, got)
		}
	}
	// Nothing was sent, nothing was queued.
	if n := app.Sandbox.Calls()["RebootInstances"] + app.Sandbox.Calls()["RebootInstance"]; n != 0 {
		t.Fatalf("dismissed confirmations sent %d reboot calls", n)
	}
	items, _ := app.Engine.Items(context.Background(), id)
	for _, it := range items {
		if it.Restart == jobs.RestartQueued || it.Restart == jobs.RestartRequested {
			t.Fatalf("%s was queued though the confirmation was dismissed", it.InstanceID)
		}
	}
	look(t, ctx, "confirm-before")

	// Confirmed, forced.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="reboot-all"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirm-forced"]`)))
	look(t, ctx, "confirm-dialog")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="confirm-forced"]`)), chromedp.Click(chromedp.CSS(`[data-testid="confirm-yes"]`)))
	waitJS(t, ctx, "the dialog closes and the grid shows the reboots", `!document.querySelector('dialog') && document.querySelector('[data-testid="flash-region"]').textContent.includes("reboot")`, 10*time.Second)
	items, _ = app.Engine.Items(context.Background(), id)
	queued := 0
	for _, it := range items {
		if it.Restart == jobs.RestartQueued {
			queued++
			if !it.Force {
				t.Errorf("%s queued without force", it.InstanceID)
			}
		}
	}
	if want := strings.Fields(label)[2]; strconv.Itoa(queued) != want {
		t.Errorf("queued %d reboots, the button said %q", queued, label)
	}
}

// TestFilterAThousandInstanceGridToItsFailedRows: the "failed" card of a
// 1,000-instance job filters the grid to exactly its failed rows, in place,
// with the filter in the address bar.
func TestFilterAThousandInstanceGridToItsFailedRows(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 1000})
	id, failed := app.BoundJob(t, 1000, 7)
	ctx := browser(t)
	signInAs(t, ctx, app.URL, "helen", testapp.HelpdeskPassword)
	do(t, ctx, chromedp.Navigate(app.URL+"/jobs/"+itoa(id)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="card-failed"]`)))
	if n := evaluate[int](t, ctx, `document.querySelectorAll('[data-testid="job-row"]').length`); n != jobs.DefaultGridPage {
		t.Errorf("the grid renders %d rows of 1,000, want a page of %d", n, jobs.DefaultGridPage)
	}
	if got := text(t, ctx, `[data-testid="count-failed"]`); got != strconv.Itoa(len(failed)) {
		t.Errorf("failed card says %s, want %d", got, len(failed))
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="card-failed"]`)))
	waitJS(t, ctx, "the grid shows the failed rows only", fmt.Sprintf(`document.querySelectorAll('[data-testid="job-row"]').length === %d && location.search === "?group=failed"`, len(failed)), 10*time.Second)
	rows := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll('[data-testid="job-row"]')).map(r => r.dataset.instanceId + " " + r.querySelector('[data-testid="item-result"]').textContent)`)
	var want []string
	for _, f := range failed {
		want = append(want, f+" Failed")
	}
	if !slices.Equal(rows, want) {
		t.Errorf("failed filter shows %v, want %v", rows, want)
	}
	if got := evaluate[string](t, ctx, `document.activeElement.id`); got != "card-failed" {
		t.Errorf("after filtering, focus is on %q, want the card that was pressed", got)
	}
	look(t, ctx, "grid-1000-failed")
}

// TestFocusStaysOnARowButtonAcrossPolls: while the job moves, polls swap
// the rows that changed and the summary; keyboard focus stays on the row
// button it was on, and the grid's scroll position stays, across two
// polls; the live region announces the new counts.
func TestFocusStaysOnARowButtonAcrossPolls(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 160})
	id, _ := app.BoundJob(t, 150, 0)
	ctx := browser(t)
	ctxBG := context.Background()
	// Put the job in motion: reboot the first five waiting instances.
	p, err := app.Engine.Grid(ctxBG, id, jobs.GridQuery{Group: jobs.GroupWaiting, PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	var moving []string
	var keep string // a Start button far down the page, away from the rows that move
	for _, it := range p.Items {
		if jobs.RebootAllRunning.Picks(it) && len(moving) < 6 {
			moving = append(moving, it.InstanceID)
		}
		if it.CanRestart() == jobs.OpStart {
			keep = it.InstanceID
		}
	}
	if keep == "" || len(moving) < 6 {
		t.Fatalf("the fleet has no Stopped instance (%q) or too few Running ones (%d)", keep, len(moving))
	}
	admin := jobs.Actor{UserID: app.Admin.ID, Username: "admin"}
	if _, err := app.Engine.Restart(ctxBG, admin, id, jobs.OpReboot, moving[:5], false); err != nil {
		t.Fatal(err)
	}
	signInAs(t, ctx, app.URL, "helen", testapp.HelpdeskPassword)
	do(t, ctx, chromedp.Navigate(app.URL+"/jobs/"+itoa(id)+"?size=200"), chromedp.WaitVisible(chromedp.CSS(`#act-`+keep)))
	if evaluate[string](t, ctx, `document.querySelector('[data-testid="grid-poll"]').dataset.inMotion`) != "true" {
		t.Fatal("the grid does not poll while reboots are queued")
	}
	// Focus the button as the keyboard would, with the grid's own box scrolled to it.
	do(t, ctx, chromedp.Focus(chromedp.CSS(`#act-`+keep)))
	where := `Math.round(document.getElementById('act-` + keep + `').getBoundingClientRect().top - document.getElementById('grid-scroll').getBoundingClientRect().top)`
	before := evaluate[int](t, ctx, where)
	for poll := 1; poll <= 2; poll++ {
		rev := evaluate[string](t, ctx, `document.querySelector('[data-testid="grid-poll"]').dataset.rev`)
		if poll == 1 { // the engine sends the reboots: five rows change, the counts do not
			if err := app.Engine.Step(ctxBG); err != nil {
				t.Fatal(err)
			}
		} else if _, err := app.Engine.Restart(ctxBG, admin, id, jobs.OpReboot, moving[5:], false); err != nil { // one more: the counts change
			t.Fatal(err)
		}
		waitJS(t, ctx, fmt.Sprintf("poll %d brings the changes", poll), `document.querySelector('[data-testid="grid-poll"]').dataset.rev !== "`+rev+`"`, 15*time.Second)
		if got := evaluate[string](t, ctx, `document.activeElement.id`); got != "act-"+keep {
			t.Errorf("after poll %d focus is on %q, want act-%s", poll, got, keep)
		}
		if got := evaluate[int](t, ctx, where); got < before-2 || got > before+2 {
			t.Errorf("after poll %d the focused button moved in the grid's box from %d px to %d px", poll, before, got)
		}
	}
	if got := text(t, ctx, `[data-testid="job-row"][data-instance-id="`+moving[0]+`"] [data-testid="item-restart"]`); got == "Needs reboot" {
		t.Errorf("%s still says %q after two polls: the polls did not swap its row", moving[0], got)
	}
	waitJS(t, ctx, "the live region announces the new counts", `document.getElementById('grid-live').textContent.includes("6 in progress")`, 5*time.Second)
	// The next Tab goes on from the focused button, not from the top of the page.
	do(t, ctx, chromedp.KeyEvent("\t"))
	if got := evaluate[string](t, ctx, `document.activeElement.closest('tr') ? document.activeElement.closest('tr').id : document.activeElement.tagName + "#" + document.activeElement.id`); got == "" || strings.Contains(got, "BODY") || strings.Contains(got, "skip") {
		t.Errorf("Tab after the polls went to %q", got)
	}
}
