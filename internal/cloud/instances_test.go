package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

func TestInstancesOnePage(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 60}, nil)
	ctx := context.Background()
	page, err := g.Instances(ctx, region, cloud.InstanceFilter{PageNumber: 2, PageSize: 25})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 60 || len(page.Items) != 25 || page.PageNumber != 2 {
		t.Errorf("page 2 of 25: total %d, %d items, page %d", page.Total, len(page.Items), page.PageNumber)
	}
	for _, in := range page.Items {
		if in.ID == "" || in.RegionID != region || in.Status == "" || in.OSType == "" || in.OSNameEn == "" || in.CreatedAt.IsZero() || len(in.PrivateIPs) == 0 {
			t.Errorf("incomplete instance %+v", in)
		}
	}

	win := pick(env, region, 1, windows)
	res, err := g.Instances(ctx, region, cloud.InstanceFilter{IDs: win})
	if err != nil || len(res.Items) != 1 || !res.Items[0].IsWindows() {
		t.Errorf("by ID %v: %+v, %v; want one Windows instance", win, res.Items, err)
	}
	var locked []string
	for _, in := range env.Sandbox.Instances(region) {
		if in.LockReason == "security" {
			locked = append(locked, in.InstanceID)
		}
	}
	res, err = g.Instances(ctx, region, cloud.InstanceFilter{IDs: locked})
	if err != nil || len(res.Items) != len(locked) || len(locked) == 0 || !res.Items[0].SecurityLocked() {
		t.Errorf("locked %v: %+v, %v; want security-locked instances", locked, res.Items, err)
	}

	stoppedOnly, err := g.Instances(ctx, region, cloud.InstanceFilter{Status: cloud.StatusStopped, PageSize: 100})
	if err != nil || len(stoppedOnly.Items) == 0 {
		t.Fatalf("status filter: %d items, %v", len(stoppedOnly.Items), err)
	}
	for _, in := range stoppedOnly.Items {
		if in.Status != cloud.StatusStopped {
			t.Errorf("status filter returned %s", in.Status)
		}
	}
	tok, err := g.Instances(ctx, region, cloud.InstanceFilter{MaxResults: 50})
	if err != nil || len(tok.Items) != 50 || tok.NextToken == "" {
		t.Errorf("token page: %d items, token %q, %v", len(tok.Items), tok.NextToken, err)
	}
}

func TestAllInstancesPagesToTheEnd(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 5000}, nil)
	all, err := g.AllInstances(context.Background(), region, cloud.InstanceFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := env.Sandbox.Instances(region)
	if len(all) != len(want) {
		t.Fatalf("got %d instances, want %d", len(all), len(want))
	}
	seen := map[string]bool{}
	for _, in := range all {
		if seen[in.ID] {
			t.Fatalf("instance %s listed twice", in.ID)
		}
		seen[in.ID] = true
	}
	for _, in := range want {
		if !seen[in.InstanceID] {
			t.Fatalf("instance %s missing", in.InstanceID)
		}
	}
	if n := env.Sandbox.Calls()["DescribeInstances"]; n != 50 {
		t.Errorf("DescribeInstances called %d times, want 50 (5000 / MaxResults 100)", n)
	}
}

func TestInstancesByIDChunksOf100(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 300}, nil)
	var ids []string
	for _, in := range env.Sandbox.Instances(region) {
		ids = append(ids, in.InstanceID)
	}
	slices.Reverse(ids)
	unknown := []string{"i-nosuch1", "i-nosuch2", "i-nosuch3"}
	input := slices.Concat(ids[:120], unknown, ids[120:247], ids[:5]) // 250 distinct IDs plus 5 repeats
	found, missing, err := g.InstancesByID(context.Background(), region, input)
	if err != nil {
		t.Fatal(err)
	}
	wantFound := slices.Concat(ids[:120], ids[120:247])
	var gotIDs []string
	for _, in := range found {
		gotIDs = append(gotIDs, in.ID)
	}
	if !slices.Equal(gotIDs, wantFound) {
		t.Errorf("found %d instances (order kept: %v), want %d in input order", len(gotIDs), slices.Equal(gotIDs[:10], wantFound[:10]), len(wantFound))
	}
	if !slices.Equal(missing, unknown) {
		t.Errorf("missing = %v, want %v", missing, unknown)
	}
	if n := env.Sandbox.Calls()["DescribeInstances"]; n != 3 {
		t.Errorf("DescribeInstances called %d times, want 3 (250 IDs in chunks of 100)", n)
	}
}

func TestInstanceStatusesChunksOf50(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 200}, nil)
	var ids []string
	status := map[string]string{}
	for _, in := range env.Sandbox.Instances(region)[:120] {
		ids = append(ids, in.InstanceID)
		status[in.InstanceID] = in.Status
	}
	input := slices.Concat(ids[:60], []string{"i-gone"}, ids[60:])
	got, err := g.InstanceStatuses(context.Background(), region, input)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("got %d statuses, want %d (unknown IDs absent)", len(got), len(ids))
	}
	for i, s := range got {
		if s.InstanceID != ids[i] || string(s.Status) != status[ids[i]] {
			t.Errorf("result %d = %+v, want %s %s", i, s, ids[i], status[ids[i]])
		}
	}
	if n := env.Sandbox.Calls()["DescribeInstanceStatus"]; n != 3 {
		t.Errorf("DescribeInstanceStatus called %d times, want 3 (121 IDs, 50 per call)", n)
	}
}

func TestInstanceArgumentsRejectedWithoutCalls(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 20}, nil)
	ctx := context.Background()
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("i-%d", i)
	}
	errs := map[string]error{}
	_, errs["101 IDs on one page"] = g.Instances(ctx, region, cloud.InstanceFilter{IDs: many})
	_, _, errs["uppercase ID"] = g.InstancesByID(ctx, region, []string{"i-ABC"})
	_, errs["status of sg-"] = g.InstanceStatuses(ctx, region, []string{"sg-123"})
	_, errs["attach empty key"] = g.AttachKeyPair(ctx, region, "", []string{"i-abc"})
	_, errs["attach bad ID"] = g.AttachKeyPair(ctx, region, "ops-deploy", []string{"i-abc", "abc"})
	_, errs["reboot empty region"] = g.RebootInstances(ctx, "", []string{"i-abc"}, false)
	for name, err := range errs {
		var ce *cloud.Error
		if !errors.As(err, &ce) || ce.Kind != cloud.KindInvalid || ce.Code != cloud.CodeInvalidArgument {
			t.Errorf("%s: error %v, want an invalid-argument *Error", name, err)
		}
	}
	if calls := env.Sandbox.Calls(); len(calls) != 0 {
		t.Errorf("invalid arguments reached the cloud: %v", calls)
	}
}

func TestInstancesByIPAddress(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 60}, nil)
	ctx := context.Background()
	var want sandbox.InstanceState
	for _, in := range env.Sandbox.Instances(region) {
		if in.NetworkType == "vpc" && in.PublicIP != "" && in.PrivateIP != "" {
			want = in
			break
		}
	}
	if want.InstanceID == "" {
		t.Fatal("the seed has no VPC instance with a public address")
	}
	for _, f := range []cloud.InstanceFilter{{PrivateIPs: []string{want.PrivateIP}}, {PublicIPs: []string{want.PublicIP}}} {
		res, err := g.Instances(ctx, region, f)
		if err != nil || len(res.Items) != 1 || res.Items[0].ID != want.InstanceID {
			t.Errorf("filter %+v: %+v, %v; want only %s", f, res.Items, err, want.InstanceID)
		}
	}
	res, err := g.Instances(ctx, region, cloud.InstanceFilter{PrivateIPs: []string{"192.0.2.77"}})
	if err != nil || len(res.Items) != 0 {
		t.Errorf("unknown address: %d items, %v; want none", len(res.Items), err)
	}
}

// A listing that matches more instances than the caller can take is refused after its first
// call, which reads the total: no need to read 20,000 instances to say no.
func TestAllInstancesRefusesAboveTheLimitAfterOneCall(t *testing.T) {
	_, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 2000}, nil)
	_, err := g.AllInstances(context.Background(), region, cloud.InstanceFilter{}, 1500)
	var tooMany *cloud.TooManyError
	if !errors.As(err, &tooMany) || tooMany.Total != 2000 || tooMany.Limit != 1500 {
		t.Fatalf("AllInstances over the limit: %v, want a TooManyError for 2000 of 1500", err)
	}
	if n := len(rec.Calls()); n != 1 {
		t.Errorf("refusal took %d calls, want 1", n)
	}
	all, err := g.AllInstances(context.Background(), region, cloud.InstanceFilter{}, 2000)
	if err != nil || len(all) != 2000 {
		t.Errorf("AllInstances at the limit: %d instances, %v; want all 2000", len(all), err)
	}
}
