package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"keybind/internal/store"
)

// TestFindJobsFilters: the job list's filters by state, person, region,
// instance and search select the jobs whose items and fields say so.
func TestFindJobsFilters(t *testing.T) {
	e, matrix, _ := matrixEngine(t) // alice's; has everything: failures, decisions, waiting, in progress
	ctx := context.Background()
	// done: bob's job in ap-south-1 whose one item is in effect; waiting: bob's job with a reboot nobody asked for.
	add := func(by Actor, region, reason, instance string, key KeyState, restart RestartState, finished bool) int64 {
		t.Helper()
		var id int64
		err := e.st.WithTx(ctx, func(tx *sql.Tx) error {
			var err error
			id, _, err = insertJob(ctx, tx, Job{Kind: KindBind, Region: region, KeyPair: "ops", IdempotencyKey: fmt.Sprint("k-", instance),
				CreatedBy: by, CreatedAt: gridNow, Reason: reason, Policy: RestartPolicy{WaveSize: 1}})
			if err != nil {
				return err
			}
			if err := insertItems(ctx, tx, []Item{{JobID: id, InstanceID: instance, Key: key, Restart: restart, UpdatedAt: gridNow}}); err != nil {
				return err
			}
			if finished {
				return setFinished(ctx, tx, id, gridNow, gridNow)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	bob := Actor{UserID: 2, Username: "bob"}
	done := add(bob, "ap-south-1", "CHG-77 new laptop", "i-done", KeyDone, RestartKeyInEffect, true)
	waiting := add(bob, "cn-hangzhou", "", "i-wait", KeyDone, RestartNeedsReboot, true)
	if err := e.st.WithTx(ctx, func(tx *sql.Tx) error { return setFinished(ctx, tx, matrix, gridNow, gridNow) }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    JobFilter
		want []int64
	}{
		{"all", JobFilter{}, []int64{waiting, done, matrix}},
		{"unfinished", JobFilter{State: JobsUnfinished}, []int64{waiting, matrix}},
		{"in progress", JobFilter{State: JobsInProgress}, nil},
		{"decision", JobFilter{State: JobsDecision}, []int64{matrix}},
		{"waiting", JobFilter{State: JobsWaiting}, []int64{waiting, matrix}},
		{"failed", JobFilter{State: JobsFailed}, []int64{matrix}},
		{"done", JobFilter{State: JobsDone}, []int64{done}},
		{"by bob", JobFilter{CreatedBy: "bob"}, []int64{waiting, done}},
		{"not alice's", JobFilter{NotByUserID: 1, State: JobsUnfinished}, []int64{waiting}},
		{"region", JobFilter{Region: "ap-south-1"}, []int64{done}},
		{"instance", JobFilter{InstanceID: "i-m0003"}, []int64{matrix}},
		{"reason, any case", JobFilter{Search: "chg-77"}, []int64{done}},
		{"job number", JobFilter{Search: fmt.Sprint("#", waiting)}, []int64{waiting}},
		{"wildcards literally", JobFilter{Search: "%"}, nil},
	} {
		list, total, err := e.FindJobs(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, j := range list {
			got = append(got, j.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || total != len(tc.want) {
			t.Errorf("%s: jobs %v (total %d), want %v", tc.name, got, total, tc.want)
		}
	}
	for _, tc := range []struct {
		name       string
		id         int64
		mine, team []int64
	}{
		{"alice", 1, []int64{matrix}, []int64{waiting}},
		{"bob", 2, []int64{waiting}, []int64{matrix}},
		{"carol", 3, nil, []int64{waiting, matrix}},
	} {
		u, err := e.FindUnfinished(ctx, tc.name, tc.id, 10)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(list []Job) (out []int64) {
			for _, j := range list {
				out = append(out, j.ID)
			}
			return out
		}
		if fmt.Sprint(ids(u.Mine)) != fmt.Sprint(tc.mine) || u.MineTotal != len(tc.mine) ||
			fmt.Sprint(ids(u.Team)) != fmt.Sprint(tc.team) || u.TeamTotal != len(tc.team) {
			t.Errorf("FindUnfinished(%s) = mine %v (%d), team %v (%d); want %v, %v", tc.name,
				ids(u.Mine), u.MineTotal, ids(u.Team), u.TeamTotal, tc.mine, tc.team)
		}
		for _, j := range append(u.Mine, u.Team...) {
			if j.Counts.Total == 0 || j.State == "" {
				t.Errorf("FindUnfinished(%s): job %d without its counts and state", tc.name, j.ID)
			}
		}
	}
	if u, err := e.FindUnfinished(ctx, "carol", 3, 1); err != nil || len(u.Team) != 1 || u.Team[0].ID != waiting || u.TeamTotal != 2 {
		t.Errorf("FindUnfinished(carol, 1) = %+v, %v; want the newest of 2", u, err)
	}
	reasons, err := e.Reasons(ctx, []int64{done, waiting})
	if err != nil || len(reasons) != 1 || reasons[done] != "CHG-77 new laptop" {
		t.Errorf("Reasons = %v, %v", reasons, err)
	}
}

// TestFindUnfinishedKeepsToTheAccounts: the dashboard's lists hold the jobs
// of the accounts the person may use only, and "none" is remembered only
// until a new job comes (the jobs counter moves).
func TestFindUnfinishedKeepsToTheAccounts(t *testing.T) {
	e, _, _ := matrixEngine(t) // alice's, unfinished
	ctx := context.Background()
	if _, err := e.db.ExecContext(ctx, `UPDATE jobs SET account = 'default'`); err != nil {
		t.Fatal(err)
	}
	counted := func(ctx context.Context) context.Context {
		t.Helper()
		c, err := e.st.Changes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return store.WithChanges(ctx, c)
	}
	for _, tc := range []struct {
		accounts []string
		want     int
	}{{nil, 1}, {[]string{"default"}, 1}, {[]string{"prod"}, 0}, {[]string{}, 0}} {
		c := ctx
		if tc.accounts != nil {
			c = OnlyAccounts(ctx, tc.accounts)
		}
		for range 2 { // the second from memory, when there are none
			u, err := e.FindUnfinished(counted(c), "carol", 3, 10)
			if err != nil {
				t.Fatal(err)
			}
			if u.TeamTotal != tc.want || len(u.Team) != tc.want || u.MineTotal != 0 {
				t.Errorf("accounts %v: team %d (%d listed), mine %d; want team %d", tc.accounts, u.TeamTotal, len(u.Team), u.MineTotal, tc.want)
			}
		}
	}
	prod := OnlyAccounts(ctx, []string{"prod"})
	err := e.st.WithTx(ctx, func(tx *sql.Tx) error {
		id, _, err := insertJob(ctx, tx, Job{Kind: KindBind, Region: "cn-hangzhou", KeyPair: "ops", IdempotencyKey: "k-prod", Account: "prod",
			CreatedBy: Actor{UserID: 2, Username: "bob"}, CreatedAt: gridNow, Policy: RestartPolicy{WaveSize: 1}})
		if err != nil {
			return err
		}
		return insertItems(ctx, tx, []Item{{JobID: id, InstanceID: "i-prod", Key: KeyPending, UpdatedAt: gridNow}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := e.FindUnfinished(counted(prod), "carol", 3, 10); err != nil || u.TeamTotal != 1 {
		t.Errorf("after a new job in prod: %+v, %v; want it listed", u, err)
	}
}
