package testapp

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/store"
)

// Region is the sandbox region the fixtures use.
const Region = "cn-hangzhou"

// ThreeInstances gives three Linux instances of Region a known start: a is
// Running with key ci-runner, b is Running with no key, c is Stopped with no
// key. nameB, when not empty, renames b (for hostile-name tests).
func (a *App) ThreeInstances(tb testing.TB, nameB string) (idA, idB, idC string) {
	tb.Helper()
	ids := a.LinuxInstances(tb, 3)
	str := func(s string) *string { return &s }
	updates := []sandbox.InstanceUpdate{
		{Status: str(sandbox.StatusRunning), KeyPairName: str("ci-runner")},
		{Status: str(sandbox.StatusRunning), KeyPairName: str("")},
		{Status: str(sandbox.StatusStopped), KeyPairName: str("")},
	}
	if nameB != "" {
		updates[1].InstanceName = str(nameB)
	}
	for i, u := range updates {
		if _, err := a.Sandbox.UpdateInstance(Region, ids[i], u); err != nil {
			tb.Fatal(err)
		}
	}
	return ids[0], ids[1], ids[2]
}

// LinuxInstances returns the first n instances of Region that can take a
// key pair (Linux, I/O optimized, not locked).
func (a *App) LinuxInstances(tb testing.TB, n int) []string {
	tb.Helper()
	var ids []string
	for _, in := range a.Sandbox.Instances(Region) {
		if in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && len(ids) < n {
			ids = append(ids, in.InstanceID)
		}
	}
	if len(ids) != n {
		tb.Fatalf("the sandbox has %d Linux instances in %s, want %d", len(ids), Region, n)
	}
	return ids
}

// SetInstance sets an instance of Region's status and key pair.
func (a *App) SetInstance(tb testing.TB, id, status, key string) {
	tb.Helper()
	if _, err := a.Sandbox.UpdateInstance(Region, id, sandbox.InstanceUpdate{Status: &status, KeyPairName: &key}); err != nil {
		tb.Fatal(err)
	}
}

// FirstKey is the name of the first key pair the sandbox seeded in Region.
func (a *App) FirstKey(tb testing.TB) string {
	tb.Helper()
	keys := a.Sandbox.KeyPairs(Region)
	if len(keys) == 0 {
		tb.Fatal("the sandbox seeded no key pair")
	}
	return keys[0].Name
}

// Audit returns the audit entries of an action ("" for all), oldest first.
func (a *App) Audit(tb testing.TB, action string) []store.AuditEntry {
	tb.Helper()
	var out []store.AuditEntry
	err := a.Store.EachAudit(context.Background(), store.AuditFilter{Action: action}, func(e store.AuditEntry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Count reads the number shown in the first element with the test ID.
func Count(tb testing.TB, doc *goquery.Document, testid string) int {
	tb.Helper()
	s := strings.TrimSpace(doc.Find(`[data-testid="` + testid + `"]`).First().Text())
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("[data-testid=%s] = %q, want a number", testid, s)
	}
	return n
}

// BoundJob creates a bind job of FirstKey over the first n instances of
// Region, as helen, with the key call failing (not retryable) on the first
// `failed` instances that can take a key, and runs the engine until the job
// is no longer in motion. It returns the job and the failed instances.
func (a *App) BoundJob(tb testing.TB, n, failed int) (int64, []string) {
	tb.Helper()
	ctx := context.Background()
	key := a.FirstKey(tb)
	var ids, fail []string
	for _, in := range a.Sandbox.Instances(Region) {
		if len(ids) == n {
			break
		}
		ids = append(ids, in.InstanceID)
		if len(fail) < failed && in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && in.KeyPairName != key {
			fail = append(fail, in.InstanceID)
		}
	}
	found, _, err := a.Gateway.InstancesByID(ctx, Region, ids)
	if err != nil {
		tb.Fatal(err)
	}
	if len(fail) > 0 {
		a.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultFailInstances, InstanceIDs: fail, Code: "InvalidInstance.NotSupported"})
		defer a.Sandbox.ClearFaults()
	}
	plan := jobs.PlanBind(Region, key, ids, found)
	id, _, err := a.Engine.Create(ctx, jobs.CreateRequest{IdempotencyKey: "bound-job-" + strconv.Itoa(n) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Actor: jobs.Actor{UserID: a.Helpdesk.ID, Username: a.Helpdesk.Name, Role: string(a.Helpdesk.Role), Via: "test"}, Plan: plan})
	if err != nil {
		tb.Fatal(err)
	}
	for range 100 {
		if err := a.Engine.Step(ctx); err != nil {
			tb.Fatal(err)
		}
		j, err := a.Engine.Job(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		if !j.InMotion() {
			return id, fail
		}
		a.Clock.Advance(2 * time.Second)
	}
	tb.Fatalf("job %d still in motion after 100 rounds", id)
	return id, fail
}
