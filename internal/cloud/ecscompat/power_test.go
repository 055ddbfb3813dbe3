package ecscompat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
)

func locked(st sandbox.InstanceState) bool { return st.LockReason == "security" }

func TestRebootAndStartInstance(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	running := findInstance(t, env, hangzhou, "running linux", plainLinux)
	stopped := findInstance(t, env, hangzhou, "stopped linux", stoppedLinux)
	lock := findInstance(t, env, hangzhou, "locked", locked)

	reboot := func(id string, dry bool) error {
		req := ecs.CreateRebootInstanceRequest()
		req.InstanceId = id
		if dry {
			req.DryRun = requests.NewBoolean(true)
		}
		_, err := c.RebootInstance(req)
		return err
	}
	startOne := func(id string, dry bool) error {
		req := ecs.CreateStartInstanceRequest()
		req.InstanceId = id
		if dry {
			req.DryRun = requests.NewBoolean(true)
		}
		_, err := c.StartInstance(req)
		return err
	}
	errs := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"reboot stopped", func() error { return reboot(stopped.InstanceID, false) }, "IncorrectInstanceStatus", 403},
		{"start running", func() error { return startOne(running.InstanceID, false) }, "IncorrectInstanceStatus", 403},
		{"reboot locked", func() error { return reboot(lock.InstanceID, false) }, "InstanceLockedForSecurity", 403},
		{"start locked", func() error { return startOne(lock.InstanceID, false) }, "InstanceLockedForSecurity", 403},
		{"reboot unknown", func() error { return reboot("i-bp1nope", false) }, "InvalidInstanceId.NotFound", 404},
		{"start unknown", func() error { return startOne("i-bp1nope", false) }, "InvalidInstanceId.NotFound", 404},
		{"reboot missing id", func() error { return reboot("", false) }, "MissingParameter", 400},
		{"reboot dry run", func() error { return reboot(running.InstanceID, true) }, "DryRunOperation", 400},
		{"start dry run", func() error { return startOne(stopped.InstanceID, true) }, "DryRunOperation", 400},
		{"dry run still validates", func() error { return reboot(stopped.InstanceID, true) }, "IncorrectInstanceStatus", 403},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.call(), tt.code, tt.status)
		})
	}
	if st, _ := env.Sandbox.Instance(hangzhou, running.InstanceID); st.Status != sandbox.StatusRunning {
		t.Fatalf("dry run changed status to %s", st.Status)
	}

	if err := reboot(running.InstanceID, false); err != nil {
		t.Fatalf("RebootInstance: %v", err)
	}
	if err := startOne(stopped.InstanceID, false); err != nil {
		t.Fatalf("StartInstance: %v", err)
	}
	steps := []struct {
		advance            time.Duration
		wantReboot, wantSt string
	}{
		{0, "Stopping", "Starting"},
		{4 * time.Second, "Stopping", "Starting"},
		{2 * time.Second, "Starting", "Starting"},
		{4 * time.Second, "Running", "Running"},
	}
	elapsed := time.Duration(0)
	for _, s := range steps {
		env.Clock.Advance(s.advance)
		elapsed += s.advance
		got := statuses(t, c, running.InstanceID, stopped.InstanceID)
		if got[running.InstanceID] != s.wantReboot || got[stopped.InstanceID] != s.wantSt {
			t.Errorf("at +%v: got reboot=%s start=%s, want %s %s", elapsed, got[running.InstanceID], got[stopped.InstanceID], s.wantReboot, s.wantSt)
		}
	}
	if err := reboot(running.InstanceID, false); err != nil {
		t.Errorf("reboot after it completed: %v", err)
	}
}

// statuses reads instance statuses through DescribeInstanceStatus.
func statuses(t *testing.T, c *ecs.Client, ids ...string) map[string]string {
	t.Helper()
	req := ecs.CreateDescribeInstanceStatusRequest()
	req.InstanceId = &ids
	req.PageSize = integer(50)
	resp, err := c.DescribeInstanceStatus(req)
	if err != nil {
		t.Fatalf("DescribeInstanceStatus: %v", err)
	}
	out := map[string]string{}
	for _, s := range resp.InstanceStatuses.InstanceStatus {
		out[s.InstanceId] = s.Status
	}
	return out
}

func TestBatchPower(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	snap := env.Sandbox.Instances(hangzhou)
	var running, stopped []string
	for _, st := range snap {
		if plainLinux(st) && len(running) < 3 {
			running = append(running, st.InstanceID)
		}
		if stoppedLinux(st) && len(stopped) < 2 {
			stopped = append(stopped, st.InstanceID)
		}
	}
	lock := findInstance(t, env, hangzhou, "locked", locked).InstanceID

	rebootBatch := func(ids []string, mode string, dry bool) (*ecs.RebootInstancesResponse, error) {
		req := ecs.CreateRebootInstancesRequest()
		req.InstanceId = &ids
		req.BatchOptimization = mode
		req.ForceReboot = requests.NewBoolean(true)
		if dry {
			req.DryRun = requests.NewBoolean(true)
		}
		return c.RebootInstances(req)
	}

	t.Run("AllTogether fails as a whole", func(t *testing.T) {
		_, err := rebootBatch([]string{running[0], stopped[0]}, "", false)
		wantCode(t, err, "IncorrectInstanceStatus", 403)
		_, err = rebootBatch([]string{running[0], lock}, "AllTogether", false)
		wantCode(t, err, "InstanceLockedForSecurity", 403)
		_, err = rebootBatch([]string{running[0], "i-bp1nope"}, "AllTogether", false)
		wantCode(t, err, "InvalidInstanceId.NotFound", 404)
		if got := statuses(t, c, running[0])[running[0]]; got != "Running" {
			t.Errorf("failed batch changed %s to %s", running[0], got)
		}
	})
	t.Run("AllTogether dry run", func(t *testing.T) {
		_, err := rebootBatch(running[:2], "AllTogether", true)
		wantCode(t, err, "DryRunOperation", 400)
	})
	t.Run("SuccessFirst dry run", func(t *testing.T) {
		resp, err := rebootBatch([]string{running[0], stopped[0]}, "SuccessFirst", true)
		if err != nil {
			t.Fatalf("RebootInstances: %v", err)
		}
		for _, r := range resp.InstanceResponses.InstanceResponse {
			if r.Code != "DRYRUN.SUCCESS" {
				t.Errorf("%s: got code %s, want DRYRUN.SUCCESS", r.InstanceId, r.Code)
			}
		}
	})
	t.Run("SuccessFirst per instance", func(t *testing.T) {
		resp, err := rebootBatch([]string{running[0], stopped[0], lock, "i-bp1nope"}, "SuccessFirst", false)
		if err != nil {
			t.Fatalf("RebootInstances: %v", err)
		}
		wants := map[string]want{
			running[0]:  {"200", "Running", "Stopping"},
			stopped[0]:  {"IncorrectInstanceStatus", "Stopped", "Stopped"},
			lock:        {"InstanceLockedForSecurity", "Running", "Running"},
			"i-bp1nope": {"InvalidInstanceId.NotFound", "", ""},
		}
		checkResponses(t, resp.InstanceResponses.InstanceResponse, wants)
	})
	t.Run("StartInstances", func(t *testing.T) {
		ids := []string{stopped[1], running[1]}
		req := ecs.CreateStartInstancesRequest()
		req.InstanceId = &ids
		req.BatchOptimization = "SuccessFirst"
		resp, err := c.StartInstances(req)
		if err != nil {
			t.Fatalf("StartInstances: %v", err)
		}
		checkResponses(t, resp.InstanceResponses.InstanceResponse, map[string]want{
			stopped[1]: {"200", "Stopped", "Starting"},
			running[1]: {"IncorrectInstanceStatus", "Running", "Running"},
		})
		one := []string{running[2]}
		req = ecs.CreateStartInstancesRequest() // SDK requests keep old query params; never reuse them
		req.InstanceId = &one
		_, err = c.StartInstances(req)
		wantCode(t, err, "IncorrectInstanceStatus", 403)
	})
	t.Run("limits", func(t *testing.T) {
		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprintf("i-bp1%017d", i)
		}
		_, err := rebootBatch(many, "SuccessFirst", false)
		se := wantCode(t, err, "InvalidParameter", 400)
		if !strings.Contains(se.Message(), "InstanceId") {
			t.Errorf("got message %q, want it to name InstanceId", se.Message())
		}
		resp, err := rebootBatch(many[:100], "SuccessFirst", false)
		if err != nil || len(resp.InstanceResponses.InstanceResponse) != 100 {
			t.Errorf("100 IDs: got %v; want 100 responses", err)
		}
		_, err = rebootBatch(nil, "", false)
		wantCode(t, err, "MissingParameter", 400)
		_, err = rebootBatch(running[:1], "Sometimes", false)
		wantCode(t, err, "InvalidParameter", 400)
	})
}

type want struct{ code, prev, cur string }

func checkResponses(t *testing.T, got []ecs.InstanceResponse, wants map[string]want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d responses, want %d", len(got), len(wants))
	}
	for _, r := range got {
		w := wants[r.InstanceId]
		if r.Code != w.code || r.PreviousStatus != w.prev || r.CurrentStatus != w.cur {
			t.Errorf("%s: got %s %s→%s (%s), want %s %s→%s", r.InstanceId, r.Code, r.PreviousStatus, r.CurrentStatus, r.Message, w.code, w.prev, w.cur)
		}
	}
}
