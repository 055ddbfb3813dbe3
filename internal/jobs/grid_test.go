package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/store/storetest"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var gridNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// matrixEngine is an engine over a fresh store holding one job whose items
// take every key state × restart state × last status × retryable
// combination, written directly (no cloud), and the items as written.
func matrixEngine(t *testing.T) (*Engine, int64, []Item) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	e := New(st, nil, Config{Clock: fixedClock{gridNow}})
	keys := []KeyState{KeyExcluded, KeyPending, KeyAttempting, KeyApplied, KeyDone, KeyFailed, KeyCancelled}
	restarts := []RestartState{RestartNone, RestartInTransition, RestartNeedsReboot, RestartNeedsStart, RestartQueued,
		RestartRequested, RestartInProgress, RestartKeyInEffect, RestartEndedStopped, RestartDisappeared, RestartTimedOut,
		RestartNeedsDecision, RestartMarkedDone, RestartNotNeeded, RestartFailed, RestartKeyReplaced, RestartCancelled}
	var items []Item
	for _, k := range keys {
		for _, r := range restarts {
			for _, last := range []cloud.Status{cloud.StatusRunning, cloud.StatusStopped} {
				for _, retry := range []bool{false, true} {
					n := len(items)
					items = append(items, Item{Seq: n, InstanceID: fmt.Sprintf("i-m%04d", n), Name: fmt.Sprintf("web-%04d", 9999-n),
						Action: ActionAttach, KeyPair: "ops", ExpectKey: "ops", Change: ChangeNew, Key: k, KeyRetryable: retry,
						Restart: r, RestartRetryable: retry, LastStatus: last, Op: OpReboot, UpdatedAt: gridNow, Rev: int64(1 + n%7)})
				}
			}
		}
	}
	// Names with LIKE's wildcards, to search for literally.
	items[0].Name, items[1].Name = "100%_done", "100x-done"
	var id int64
	err := st.WithTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, _, err = insertJob(ctx, tx, Job{Kind: KindBind, Region: "cn-hangzhou", KeyPair: "ops", IdempotencyKey: "matrix",
			CreatedBy: Actor{UserID: 1, Username: "alice"}, CreatedAt: gridNow, Policy: RestartPolicy{WaveSize: 10}})
		if err != nil {
			return err
		}
		for i := range items {
			items[i].JobID = id
		}
		if err := insertItems(ctx, tx, items); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET rev = 7 WHERE id = $1`, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, id, items
}

func ids(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.InstanceID
	}
	return out
}

// TestGridGroupsAgreeWithTheirSQL: every group's filter and count (SQL)
// select exactly the items Group.Has (Go) says, for every combination of
// states; the bulk-button counts agree with RestartAllKind.Picks and
// ItemView.Retryable; "in progress" is exactly Item.InMotion.
func TestGridGroupsAgreeWithTheirSQL(t *testing.T) {
	e, id, items := matrixEngine(t)
	ctx := context.Background()
	for _, g := range Groups {
		var want []string
		for _, it := range items {
			if g.Has(it) {
				want = append(want, it.InstanceID)
			}
		}
		p, err := e.Grid(ctx, id, GridQuery{Group: g, PageSize: MaxGridPage})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(p.Items)
		if !slices.Equal(got, want) && len(want) <= MaxGridPage {
			t.Errorf("group %q: grid has %d items %v…, want %d", g, len(got), got[:min(3, len(got))], len(want))
		}
		if p.Matching != len(want) || p.Groups[g] != len(want) {
			t.Errorf("group %q: matching %d, card %d, want %d", g, p.Matching, p.Groups[g], len(want))
		}
	}
	var ready Ready
	for _, it := range items {
		if RebootAllRunning.Picks(it) {
			ready.Reboot++
		}
		if StartAllStopped.Picks(it) {
			ready.Start++
		}
		if it.View().Retryable {
			ready.Retryable++
		}
		if GroupInMotion.Has(it) != it.InMotion() {
			t.Errorf("key %s restart %s: in the in-progress group %t, InMotion %t", it.Key, it.Restart, GroupInMotion.Has(it), it.InMotion())
		}
	}
	p, err := e.Grid(ctx, id, GridQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Ready != ready || ready.Reboot == 0 || ready.Start == 0 || ready.Retryable == 0 {
		t.Errorf("bulk counts %+v, want %+v (all non-zero)", p.Ready, ready)
	}
	for _, kind := range []RestartAllKind{RebootAllRunning, StartAllStopped} {
		_, n, first, err := e.RestartPreview(ctx, id, kind, 5)
		want := ready.Reboot
		if kind == StartAllStopped {
			want = ready.Start
		}
		if err != nil || n != want || len(first) != min(5, want) || !kind.Picks(first[0]) {
			t.Errorf("preview %s: %d, %d first, %v; want %d", kind, n, len(first), err, want)
		}
	}
}

// TestRestartAllQueuesWhatPicksSays: the engine's bulk restart queues
// exactly the items the confirmation counted, so what people confirm is
// what is sent.
func TestRestartAllQueuesWhatPicksSays(t *testing.T) {
	for _, kind := range []RestartAllKind{RebootAllRunning, StartAllStopped} {
		t.Run(string(kind), func(t *testing.T) {
			e, id, items := matrixEngine(t)
			ctx := context.Background()
			var want []string
			for _, it := range items {
				if kind.Picks(it) {
					want = append(want, it.InstanceID)
				}
			}
			before, err := e.Items(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.RestartAll(ctx, Actor{UserID: 1, Username: "alice"}, id, kind, false); err != nil {
				t.Fatal(err)
			}
			after, err := e.Items(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, it := range after {
				if it.Restart == RestartQueued && before[i].Restart != RestartQueued {
					got = append(got, it.InstanceID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("queued %d %v…, confirmation counted %d", len(got), got[:min(3, len(got))], len(want))
			}
		})
	}
}

func TestGridSearchSortAndPages(t *testing.T) {
	e, id, items := matrixEngine(t)
	ctx := context.Background()
	get := func(q GridQuery) GridPage {
		t.Helper()
		p, err := e.Grid(ctx, id, q)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := get(GridQuery{Search: "100%_"}); p.Matching != 1 || p.Items[0].Name != "100%_done" {
		t.Errorf("search 100%%_: %d matching, want only 100%%_done (wildcards taken literally)", p.Matching)
	}
	if p := get(GridQuery{Search: "  I-M0042 "}); p.Matching != 1 || p.Items[0].InstanceID != "i-m0042" {
		t.Errorf("search by ID: %d matching", p.Matching)
	}
	if p := get(GridQuery{Search: "WEB-99"}); p.Matching != 98 { // web-9999 … web-9900, less the two renamed
		t.Errorf("search by part of a name, any case: %d matching, want 98", p.Matching)
	}
	p := get(GridQuery{PageSize: 1000, Page: 2})
	if want := min(MaxGridPage, len(items)-MaxGridPage); p.Query.PageSize != MaxGridPage || len(p.Items) != want || p.Items[0].Seq != MaxGridPage || p.Matching != len(items) {
		t.Errorf("page 2: size %d, %d rows from seq %d of %d; want %d rows from %d", p.Query.PageSize, len(p.Items), p.Items[0].Seq, p.Matching, want, MaxGridPage)
	}
	if p := get(GridQuery{Sort: SortName, PageSize: 3}); p.Items[0].Name != "100%_done" || p.Items[2].Name < p.Items[1].Name {
		t.Errorf("by name: %q, %q, %q", p.Items[0].Name, p.Items[1].Name, p.Items[2].Name)
	}
	if p := get(GridQuery{Sort: SortID, Desc: true, PageSize: 1}); p.Items[0].InstanceID != items[len(items)-1].InstanceID {
		t.Errorf("by ID, descending: first %s", p.Items[0].InstanceID)
	}
	if p := get(GridQuery{Sort: SortAttention, PageSize: MaxGridPage}); !GroupFailed.Has(p.Items[0]) || GroupFailed.Has(p.Items[len(p.Items)-1]) && p.Groups[GroupFailed] < MaxGridPage {
		t.Errorf("problems first: first row %s/%s", p.Items[0].Key, p.Items[0].Restart)
	}
	if p := get(GridQuery{Sort: SortChanged, PageSize: 1}); p.Items[0].Rev != 7 {
		t.Errorf("most recently changed first: rev %d, want 7", p.Items[0].Rev)
	}
	if p := get(GridQuery{Group: "nonsense", Sort: "nonsense"}); p.Query.Group != GroupAll || p.Query.Sort != SortOrder {
		t.Errorf("unknown group and sort kept: %+v", p.Query)
	}
	if rev, err := e.Rev(ctx, id); err != nil || rev != 7 {
		t.Errorf("Rev = %d, %v; want 7", rev, err)
	}
	if _, err := e.Rev(ctx, id+1); err != ErrJobNotFound { //nolint:errorlint // the sentinel itself
		t.Errorf("Rev of a missing job: %v", err)
	}
}

func TestHeldUpAndRetryWords(t *testing.T) {
	e, id, _ := matrixEngine(t)
	ctx := context.Background()
	next := gridNow.Add(4 * time.Second)
	_, err := e.db.ExecContext(ctx, `UPDATE job_items SET key_attempts = 2, key_code = 'Throttling.User',
		key_message = 'ECS is limiting how fast keybind may call it.', key_next_at = $2
		WHERE job_id = $1 AND key_state = 'pending' AND restart_state = ''`, id, next.UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Grid(ctx, id, GridQuery{Search: "i-m00"})
	if err != nil {
		t.Fatal(err)
	}
	h := p.HeldUp
	if h.Items != 4 || h.Code != "Throttling.User" || h.Attempts != 2 || !h.NextAt.Equal(next) {
		t.Fatalf("held up %+v", h)
	}
	if w := h.Words(); !strings.Contains(w, "4 instances wait") || !strings.Contains(w, "Throttling.User") || !strings.Contains(w, "09:00:04 UTC") {
		t.Errorf("held up words %q", w)
	}
	it := Item{Key: KeyPending, KeyAttempts: 1, KeyCode: "Throttling", KeyMessage: "Too many requests.", KeyNextAt: next}
	if w := it.RetryWords(); w != "The key call failed once: Too many requests. (Throttling). Next try at 09:00:04 UTC." {
		t.Errorf("retry words %q", w)
	}
	if w := (Item{Key: KeyPending}).RetryWords(); w != "" {
		t.Errorf("a first attempt has retry words %q", w)
	}
	if w := (Item{Key: KeyPending}).RestartWords(); w != "After the key is bound" {
		t.Errorf("restart words before binding %q", w)
	}
}

func TestCleanReason(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"  CHG-1234 rotate ops key ", "CHG-1234 rotate ops key", nil},
		{"", "", nil},
		{"line\nbreak", "", ErrReasonInvalid},
		{"bell\a", "", ErrReasonInvalid},
		{strings.Repeat("é", MaxReason), strings.Repeat("é", MaxReason), nil},
		{strings.Repeat("x", MaxReason+1), "", ErrReasonTooLong},
	} {
		got, err := CleanReason(tc.in)
		if err != tc.err || (err == nil && got != tc.want) { //nolint:errorlint // sentinels
			t.Errorf("CleanReason(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestGridCountsAgreeWithTheEngine: the counts the grid derives in Go from
// the states are the engine's (loadJob's SQL), for every combination of
// states, with and without instances that already had the key.
func TestGridCountsAgreeWithTheEngine(t *testing.T) {
	e, id, _ := matrixEngine(t)
	ctx := context.Background()
	if _, err := e.db.ExecContext(ctx, `UPDATE job_items SET key_change = 'same' WHERE job_id = $1 AND seq % 3 = 0`, id); err != nil {
		t.Fatal(err)
	}
	want, err := e.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Grid(ctx, id, GridQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Job.Counts != want.Counts || p.Job.State != want.State || p.Job.Counts.AlreadyHad == 0 {
		t.Errorf("grid counts %+v (%s)\nengine counts %+v (%s)", p.Job.Counts, p.Job.State, want.Counts, want.State)
	}
	if _, err := e.Grid(ctx, id+1, GridQuery{}); err != ErrJobNotFound { //nolint:errorlint // the sentinel itself
		t.Errorf("grid of a missing job: %v", err)
	}
}

// TestGridSinceReadsOnlyWhatChanged: a poll's page carries in full only
// the items changed after the revision it names; the others are stubs that
// still name the page's rows, in order.
func TestGridSinceReadsOnlyWhatChanged(t *testing.T) {
	e, id, items := matrixEngine(t)
	ctx := context.Background()
	full, err := e.Grid(ctx, id, GridQuery{PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Grid(ctx, id, GridQuery{PageSize: 50, Since: 6})
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i, it := range p.Items {
		if it.InstanceID != full.Items[i].InstanceID || it.Rev != items[it.Seq].Rev {
			t.Fatalf("row %d: %s rev %d, want %s rev %d", i, it.InstanceID, it.Rev, full.Items[i].InstanceID, items[it.Seq].Rev)
		}
		if whole := it.Key != ""; whole != (it.Rev > 6) {
			t.Errorf("%s (rev %d) read in full: %t", it.InstanceID, it.Rev, whole)
		} else if whole {
			changed++
		}
	}
	if changed == 0 || changed == len(p.Items) {
		t.Errorf("%d of %d rows changed since rev 6: the test proves nothing", changed, len(p.Items))
	}
}
