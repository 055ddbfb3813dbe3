package jobs_test

import (
	"errors"
	"testing"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

func TestCreateWritesBeforeAnyCloudCall(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(10, anyInstance)
	plan := h.plan("ops-deploy", ids)
	h.env.Sandbox.ResetCalls()

	id, created, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "k1", Actor: alice, Plan: plan})
	if err != nil || !created {
		t.Fatalf("Create: created=%t err=%v", created, err)
	}
	if calls := h.env.Sandbox.Calls(); len(calls) != 0 {
		t.Fatalf("cloud calls during Create = %v, want none", calls)
	}
	j := h.job(id)
	if j.Counts.Total != len(ids) || j.Counts.KeyPending != plan.Counts.Included || j.Counts.Excluded != plan.Counts.Excluded {
		t.Errorf("counts = %+v, want total %d, pending %d, excluded %d", j.Counts, len(ids), plan.Counts.Included, plan.Counts.Excluded)
	}
	if j.State != jobs.StateRunning || !j.InMotion() {
		t.Errorf("state = %q (in motion %t), want running", j.State, j.InMotion())
	}
	if j.CreatedBy != alice || j.Region != region || j.KeyPair != "ops-deploy" || j.Kind != jobs.KindBind {
		t.Errorf("job header = %+v", j)
	}
	items := h.items(id)
	for _, row := range plan.Rows {
		it := items[row.InstanceID]
		wantKey := jobs.KeyPending
		if !row.Included() {
			wantKey = jobs.KeyExcluded
		}
		if it.Key != wantKey || it.PreviousKey != row.CurrentKey || it.ExcludeReason != row.Excluded || it.Name != row.Name {
			t.Errorf("%s: key=%q prev=%q excl=%q name=%q; plan row %+v", row.InstanceID, it.Key, it.PreviousKey, it.ExcludeReason, it.Name, row)
		}
	}
	if a := h.audit(id); len(a) != 1 || a[0].Action != "job.create" || a[0].Username != "alice" || a[0].ClientIP != alice.IP {
		t.Errorf("audit after create = %+v, want one job.create entry by alice", a)
	}
}

func TestCreateIsIdempotent(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	plan := h.plan("ops-deploy", h.pick(5, running))
	req := jobs.CreateRequest{IdempotencyKey: "form-123", Actor: alice, Plan: plan}

	first, created, err := h.eng.Create(h.ctx, req)
	if err != nil || !created {
		t.Fatalf("first Create: created=%t err=%v", created, err)
	}
	second, created, err := h.eng.Create(h.ctx, req)
	if err != nil || created || second != first {
		t.Fatalf("second Create = (%d, %t, %v), want (%d, false, nil)", second, created, err, first)
	}
	if got, found, err := h.eng.JobByIdempotencyKey(h.ctx, alice.UserID, "form-123"); err != nil || !found || got != first {
		t.Errorf("JobByIdempotencyKey(alice) = %d, %t, %v; want %d", got, found, err, first)
	}
	if _, found, err := h.eng.JobByIdempotencyKey(h.ctx, bob.UserID, "form-123"); err != nil || found {
		t.Errorf("JobByIdempotencyKey(bob) found=%t err=%v; want not found (another user's form)", found, err)
	}
	req.Actor = bob
	if _, _, err := h.eng.Create(h.ctx, req); !errors.Is(err, jobs.ErrIdempotencyKeyInUse) {
		t.Errorf("Create by another user with the same key: err = %v, want ErrIdempotencyKeyInUse", err)
	}
	list, total, err := h.eng.Jobs(h.ctx, 1, 10)
	if err != nil || total != 1 || len(list) != 1 {
		t.Errorf("Jobs = %d jobs, total %d, err %v; want exactly one", len(list), total, err)
	}
	if n := len(h.items(first)); n != 5 {
		t.Errorf("items = %d, want 5 (not duplicated)", n)
	}
}

func TestCreateRejectsEmptyPlans(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	win := h.plan("ops-deploy", h.pick(2, func(in sandbox.InstanceState) bool { return in.OSType == "windows" }))
	if _, _, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "a", Actor: alice, Plan: win}); !errors.Is(err, jobs.ErrEmptyJob) {
		t.Errorf("all-excluded plan: err = %v, want ErrEmptyJob", err)
	}
	ok := h.plan("ops-deploy", h.pick(1, running))
	if _, _, err := h.eng.Create(h.ctx, jobs.CreateRequest{Actor: alice, Plan: ok}); !errors.Is(err, jobs.ErrBadRequest) {
		t.Errorf("no idempotency key: err = %v, want ErrBadRequest", err)
	}
}

func TestJobsNewestFirstPaged(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(5, running)
	var created []int64
	for i := range 5 {
		created = append(created, h.create("ops-deploy", ids[i:i+1], jobs.RestartPolicy{}))
	}
	page, total, err := h.eng.Jobs(h.ctx, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || len(page) != 2 || page[0].ID != created[2] || page[1].ID != created[1] {
		t.Fatalf("page 2 of 2 = %v (total %d), want jobs %d, %d", []int64{page[0].ID, page[1].ID}, total, created[2], created[1])
	}
	if page[0].Counts.Total != 1 || page[0].CreatedBy.Username != "alice" || page[0].State != jobs.StateRunning {
		t.Errorf("listed job = %+v", page[0])
	}
	if _, err := h.eng.Job(h.ctx, 999); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Errorf("Job(999) err = %v, want ErrJobNotFound", err)
	}
	if _, err := h.eng.Items(h.ctx, 999); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Errorf("Items(999) err = %v, want ErrJobNotFound", err)
	}
}

// Every write of a job's items raises the job's revision and stamps the items it changed, so a
// reader can ask for what changed since a revision it saw.
func TestRevisionsFollowChanges(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(3, running)
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{})
	j := h.job(id)
	if j.Rev != 1 {
		t.Fatalf("new job rev = %d, want 1", j.Rev)
	}
	for iid, it := range h.items(id) {
		if it.Rev != 1 {
			t.Errorf("%s: new item rev = %d, want 1", iid, it.Rev)
		}
	}
	h.step()
	after := h.job(id)
	if after.Rev <= j.Rev {
		t.Fatalf("rev after a round = %d, want more than %d", after.Rev, j.Rev)
	}
	for iid, it := range h.items(id) {
		if it.Key != jobs.KeyPending && (it.Rev <= j.Rev || it.Rev > after.Rev) {
			t.Errorf("%s changed to %q with rev %d, want in (%d, %d]", iid, it.Key, it.Rev, j.Rev, after.Rev)
		}
	}
}
