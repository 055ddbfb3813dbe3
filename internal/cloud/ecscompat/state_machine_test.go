package ecscompat_test

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
)

func TestKeyTakesEffectOnRestart(t *testing.T) {
	env := start(t, sandbox.Options{Transition: 20 * time.Second})
	c := oldClient(t, env, hangzhou)
	running := findInstance(t, env, hangzhou, "running linux without key", func(st sandbox.InstanceState) bool {
		return plainLinux(st) && st.KeyPairName == ""
	})
	stopped := findInstance(t, env, hangzhou, "stopped linux without key", func(st sandbox.InstanceState) bool {
		return stoppedLinux(st) && st.KeyPairName == ""
	})
	fp := ""
	for _, kp := range env.Sandbox.KeyPairs(hangzhou) {
		if kp.Name == "alice-laptop" {
			fp = kp.Fingerprint
		}
	}
	key := func(id string) sandbox.KeyState {
		ks, ok := env.Sandbox.KeyInEffect(hangzhou, id)
		if !ok {
			t.Fatalf("KeyInEffect(%s): not found", id)
		}
		return ks
	}
	for _, id := range []string{running.InstanceID, stopped.InstanceID} {
		if ks := key(id); !ks.PasswordLogin || ks.EffectiveKeyPair != "" {
			t.Fatalf("%s before: got %+v, want password login and no key", id, ks)
		}
	}

	attach := ecs.CreateAttachKeyPairRequest()
	attach.KeyPairName = "alice-laptop"
	attach.InstanceIds = idsJSON(running.InstanceID, stopped.InstanceID)
	if resp, err := c.AttachKeyPair(attach); err != nil || resp.FailCount != "0" {
		t.Fatalf("AttachKeyPair: %+v, %v", resp, err)
	}
	env.Clock.Advance(time.Hour) // time alone changes nothing
	for _, id := range []string{running.InstanceID, stopped.InstanceID} {
		ks := key(id)
		if ks.KeyPairName != "alice-laptop" || ks.EffectiveKeyPair != "" || !ks.PasswordLogin || !ks.RestartPending {
			t.Errorf("%s after attach: got %+v, want reported but not in effect", id, ks)
		}
	}
	di := ecs.CreateDescribeInstancesRequest()
	di.KeyPairName = "alice-laptop"
	di.InstanceIds = idsJSON(running.InstanceID, stopped.InstanceID)
	if resp, err := c.DescribeInstances(di); err != nil || resp.TotalCount != 2 {
		t.Errorf("DescribeInstances KeyPairName=alice-laptop: got %v, %v; want both instances", resp, err)
	}

	rb := ecs.CreateRebootInstanceRequest()
	rb.InstanceId = running.InstanceID
	if _, err := c.RebootInstance(rb); err != nil {
		t.Fatalf("RebootInstance: %v", err)
	}
	st := ecs.CreateStartInstanceRequest()
	st.InstanceId = stopped.InstanceID
	if _, err := c.StartInstance(st); err != nil {
		t.Fatalf("StartInstance: %v", err)
	}
	env.Clock.Advance(19 * time.Second)
	for _, id := range []string{running.InstanceID, stopped.InstanceID} {
		if ks := key(id); ks.EffectiveKeyPair != "" || ks.Status == "Running" {
			t.Errorf("%s mid-restart: got %+v, want not yet in effect, not Running", id, ks)
		}
	}
	env.Clock.Advance(time.Second)
	for _, id := range []string{running.InstanceID, stopped.InstanceID} {
		ks := key(id)
		if ks.Status != "Running" || ks.EffectiveKeyPair != "alice-laptop" || ks.EffectiveFingerprint != fp || ks.PasswordLogin || ks.RestartPending {
			t.Errorf("%s after restart: got %+v, want Running with alice-laptop (%s) in effect, password login off", id, ks, fp)
		}
	}
	if got := statuses(t, c, running.InstanceID)[running.InstanceID]; got != "Running" {
		t.Errorf("API status after restart: got %s, want Running", got)
	}

	detach := ecs.CreateDetachKeyPairRequest()
	detach.KeyPairName = "alice-laptop"
	detach.InstanceIds = idsJSON(running.InstanceID)
	if resp, err := c.DetachKeyPair(detach); err != nil || resp.FailCount != "0" {
		t.Fatalf("DetachKeyPair: %+v, %v", resp, err)
	}
	if ks := key(running.InstanceID); ks.KeyPairName != "" || ks.EffectiveKeyPair != "alice-laptop" || ks.PasswordLogin || !ks.RestartPending {
		t.Errorf("after detach: got %+v, want key still in effect until restart", ks)
	}
	rb = ecs.CreateRebootInstanceRequest()
	rb.InstanceId = running.InstanceID
	if _, err := c.RebootInstance(rb); err != nil {
		t.Fatalf("RebootInstance: %v", err)
	}
	env.Sandbox.Advance(20 * time.Second) // the sandbox's own offset works like the clock
	if ks := key(running.InstanceID); ks.EffectiveKeyPair != "" || !ks.PasswordLogin || ks.RestartPending || ks.Status != "Running" {
		t.Errorf("after detach and restart: got %+v, want no key and password login back", ks)
	}
}

func TestAttachDuringRestartWaitsForNextRestart(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	in := findInstance(t, env, hangzhou, "running linux without key", func(st sandbox.InstanceState) bool {
		return plainLinux(st) && st.KeyPairName == ""
	})
	rb := ecs.CreateRebootInstanceRequest()
	rb.InstanceId = in.InstanceID
	if _, err := c.RebootInstance(rb); err != nil {
		t.Fatalf("RebootInstance: %v", err)
	}
	env.Clock.Advance(2 * time.Second)
	attach := ecs.CreateAttachKeyPairRequest()
	attach.KeyPairName = "ops-deploy"
	attach.InstanceIds = idsJSON(in.InstanceID)
	if _, err := c.AttachKeyPair(attach); err != nil {
		t.Fatalf("AttachKeyPair: %v", err)
	}
	env.Clock.Advance(time.Minute)
	ks, _ := env.Sandbox.KeyInEffect(hangzhou, in.InstanceID)
	if ks.Status != "Running" || ks.EffectiveKeyPair != "" || !ks.RestartPending {
		t.Errorf("got %+v, want the reboot that began before the attach not to apply it", ks)
	}
}
