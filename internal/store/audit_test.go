package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	id, err := st.AppendAudit(ctx, AuditEntry{Time: t0, Username: "alice", Action: "auth.login", Outcome: OutcomeSuccess})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit SET outcome = 'failure' WHERE id = $1`,
		`UPDATE audit SET username = 'mallory'`,
		`DELETE FROM audit WHERE id = $1`,
		`DELETE FROM audit`,
	} {
		args := []any{}
		if strings.Contains(stmt, "$1") {
			args = append(args, id)
		}
		_, err := st.DB().ExecContext(ctx, stmt, args...)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only trigger to refuse it", stmt, err)
		}
	}
	page, total, err := st.ListAudit(ctx, AuditFilter{})
	if err != nil || total != 1 || page[0].Outcome != OutcomeSuccess || page[0].Username != "alice" {
		t.Errorf("after refused changes: %+v, total %d, %v; want the original row", page, total, err)
	}
}

func TestAuditRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	in := AuditEntry{
		Time: t0, UserID: 7, Username: "alice", Role: "admin", Via: "web", ClientIP: "192.0.2.1",
		Action: "keypair.attach", Region: "cn-hangzhou", KeyPair: "ops", InstanceIDs: []string{"i-a", "i-b"},
		Outcome: OutcomeIntent, Detail: "attach ops", RequestIDs: []string{"req-1"}, JobID: 3,
	}
	id, err := st.AppendAudit(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in.ID = id
	page, _, err := st.ListAudit(ctx, AuditFilter{})
	if err != nil || len(page) != 1 {
		t.Fatalf("ListAudit = %v, %v", page, err)
	}
	got := page[0]
	if !got.Time.Equal(in.Time) || got.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want %v in UTC", got.Time, in.Time)
	}
	got.Time = in.Time
	if fmt.Sprint(got) != fmt.Sprint(in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}

	if _, err := st.AppendAudit(ctx, AuditEntry{Action: "x"}); err == nil {
		t.Error("AppendAudit without outcome accepted")
	}
	long := strings.Repeat("é", maxDetail)
	if _, err := st.AppendAudit(ctx, AuditEntry{Time: t0, Action: "long", Outcome: OutcomeSuccess, Detail: long}); err != nil {
		t.Fatal(err)
	}
	page, _, _ = st.ListAudit(ctx, AuditFilter{Action: "long"})
	if d := page[0].Detail; len(d) > maxDetail || !strings.HasPrefix(long, d) {
		t.Errorf("long detail stored as %d bytes, want at most %d and a valid prefix", len(d), maxDetail)
	}
}

// seedAudit appends 30 entries a minute apart: users alice/bob alternate,
// every third is a login, instance i-N appears on entry N and N+1.
func seedAudit(t *testing.T, st *Store) {
	t.Helper()
	for i := range 30 {
		e := AuditEntry{
			Time:        t0.Add(time.Duration(i) * time.Minute),
			Username:    []string{"alice", "bob"}[i%2],
			Action:      "keypair.attach",
			Outcome:     OutcomeSuccess,
			InstanceIDs: []string{fmt.Sprintf("i-%d", i), fmt.Sprintf("i-%d", i+1)},
			Detail:      fmt.Sprint(i),
		}
		if i%3 == 0 {
			e.Action, e.InstanceIDs = "auth.login", nil
		}
		if _, err := st.AppendAudit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func details(es []AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Detail)
	}
	return out
}

func TestListAuditFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	seedAudit(t, st)

	tests := []struct {
		name      string
		f         AuditFilter
		wantTotal int
		wantPage  []string
	}{
		{"all, first page newest first", AuditFilter{PageSize: 3}, 30, []string{"29", "28", "27"}},
		{"all, second page", AuditFilter{PageSize: 3, Page: 2}, 30, []string{"26", "25", "24"}},
		{"past the end", AuditFilter{PageSize: 10, Page: 4}, 30, nil},
		{"user", AuditFilter{Username: "bob", PageSize: 2}, 15, []string{"29", "27"}},
		{"action", AuditFilter{Action: "auth.login", PageSize: 2}, 10, []string{"27", "24"}},
		{"instance inside the list", AuditFilter{InstanceID: "i-8"}, 2, []string{"8", "7"}},
		{"instance is not a prefix match", AuditFilter{InstanceID: "i-"}, 0, nil},
		{"instance on a login row only", AuditFilter{InstanceID: "i-3"}, 1, []string{"2"}},
		{"time range, To exclusive", AuditFilter{From: t0.Add(10 * time.Minute), To: t0.Add(13 * time.Minute)}, 3, []string{"12", "11", "10"}},
		{"combined", AuditFilter{Username: "alice", Action: "keypair.attach", From: t0.Add(20 * time.Minute)}, 4, []string{"28", "26", "22", "20"}},
		{"outcome", AuditFilter{Outcome: OutcomeDenied}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, total, err := st.ListAudit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.wantTotal {
				t.Errorf("total = %d, want %d", total, tt.wantTotal)
			}
			if got := details(page); !slices.Equal(got, tt.wantPage) {
				t.Errorf("page = %v, want %v", got, tt.wantPage)
			}
		})
	}
}

func TestListAuditPageSizeBounds(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	seedAudit(t, st)
	page, _, err := st.ListAudit(ctx, AuditFilter{})
	if err != nil || len(page) != 30 {
		t.Errorf("default page size: %d rows, %v; want all 30 (default %d)", len(page), err, defaultPageSize)
	}
	page, _, err = st.ListAudit(ctx, AuditFilter{PageSize: 1 << 30, Page: -5})
	if err != nil || len(page) != 30 || page[0].Detail != "29" {
		t.Errorf("huge page size, negative page: %d rows, %v", len(page), err)
	}
}

func TestEachAuditVisitsWhatTheFilterSelects(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	// More rows than one batch, several sharing a timestamp, to exercise
	// the keyset paging.
	n := eachBatch*2 + 7
	for i := range n {
		e := AuditEntry{Time: t0.Add(time.Duration(i/3) * time.Second), Action: "a", Outcome: OutcomeSuccess, Detail: fmt.Sprint(i)}
		if i%2 == 0 {
			e.Action = "b"
		}
		if _, err := st.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var got []AuditEntry
	if err := st.EachAudit(ctx, AuditFilter{PageSize: 1, Page: 9}, func(e AuditEntry) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("visited %d entries, want %d", len(got), n)
	}
	for i := 1; i < len(got); i++ {
		prev, cur := got[i-1], got[i]
		if cur.Time.After(prev.Time) || (cur.Time.Equal(prev.Time) && cur.ID >= prev.ID) {
			t.Fatalf("entry %d (%v, id %d) not older than entry %d (%v, id %d)", i, cur.Time, cur.ID, i-1, prev.Time, prev.ID)
		}
	}

	count := 0
	if err := st.EachAudit(ctx, AuditFilter{Action: "b"}, func(e AuditEntry) error {
		if e.Action != "b" {
			t.Errorf("filter leaked action %q", e.Action)
		}
		count++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := (n + 1) / 2; count != want {
		t.Errorf("filtered visit count = %d, want %d", count, want)
	}

	stop := errors.New("stop")
	calls := 0
	err := st.EachAudit(ctx, AuditFilter{}, func(AuditEntry) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("EachAudit with a failing fn: err = %v after %d calls; want stop after 1", err, calls)
	}
}
