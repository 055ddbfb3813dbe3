package sandbox

import (
	"errors"
	"testing"
	"time"
)

func TestRebootStateMachine(t *testing.T) {
	clock := NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	d := 10 * time.Second
	in := &instance{st: InstanceState{Status: StatusRunning, PasswordLogin: true}}
	in.setKey("k1", "fp1")
	in.begin(OpReboot, clock.Now())
	steps := []struct {
		at        time.Duration
		status    string
		effective string
	}{
		{0, StatusStopping, ""},
		{4999 * time.Millisecond, StatusStopping, ""},
		{5 * time.Second, StatusStarting, ""},
		{9999 * time.Millisecond, StatusStarting, ""},
		{10 * time.Second, StatusRunning, "k1"},
		{time.Hour, StatusRunning, "k1"},
	}
	start := clock.Now()
	for _, s := range steps {
		now := start.Add(s.at)
		st := in.snapshot(now, d)
		if st.Status != s.status || st.EffectiveKeyPair != s.effective {
			t.Errorf("at +%v: got %s with key %q, want %s with %q", s.at, st.Status, st.EffectiveKeyPair, s.status, s.effective)
		}
	}
	if st := in.snapshot(start.Add(time.Hour), d); st.PasswordLogin || st.RestartPending || st.EffectiveFingerprint != "fp1" {
		t.Errorf("after reboot: got %+v, want key fp1 in effect, password login off", st)
	}
}

func TestStartStateMachine(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	d := 8 * time.Second
	in := &instance{st: InstanceState{Status: StatusStopped, KeyPairName: "old", KeyPairFingerprint: "f0", EffectiveKeyPair: "old", EffectiveFingerprint: "f0"}}
	in.setKey("", "") // detach while stopped
	if st := in.snapshot(start, d); !st.RestartPending || st.EffectiveKeyPair != "old" || st.Status != StatusStopped {
		t.Fatalf("after detach: got %+v", st)
	}
	in.begin(OpStart, start)
	for _, s := range []struct {
		at     time.Duration
		status string
	}{{0, StatusStarting}, {7 * time.Second, StatusStarting}, {8 * time.Second, StatusRunning}} {
		if got := in.snapshot(start.Add(s.at), d).Status; got != s.status {
			t.Errorf("at +%v: got %s, want %s", s.at, got, s.status)
		}
	}
	st := in.snapshot(start.Add(d), d)
	if st.EffectiveKeyPair != "" || !st.PasswordLogin || st.RestartPending {
		t.Errorf("after start: got %+v, want no key and password login back", st)
	}
	if !st.StartTime.Equal(start.Add(d)) {
		t.Errorf("got StartTime %v, want %v", st.StartTime, start.Add(d))
	}
}

func TestSandboxAdvanceAndClock(t *testing.T) {
	clock := NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	s := New(Options{Clock: clock, InstancesPerRegion: 30, Transition: 10 * time.Second})
	var id string
	for _, st := range s.Instances("cn-hangzhou") {
		if st.Status == StatusRunning && st.LockReason == "" && st.Operation == "" {
			id = st.InstanceID
			break
		}
	}
	status, _ := doCall(t, s, "RebootInstance", map[string][]string{"InstanceId": {id}})
	if status != 200 {
		t.Fatalf("RebootInstance: got HTTP %d", status)
	}
	st, _ := s.Instance("cn-hangzhou", id)
	if st.Status != StatusStopping || st.Operation != OpReboot {
		t.Fatalf("got %s/%s, want Stopping during reboot", st.Status, st.Operation)
	}
	clock.Advance(6 * time.Second)
	if st, _ := s.Instance("cn-hangzhou", id); st.Status != StatusStarting {
		t.Errorf("at +6s: got %s, want Starting", st.Status)
	}
	s.Advance(4 * time.Second)
	if st, _ := s.Instance("cn-hangzhou", id); st.Status != StatusRunning || st.Operation != "" {
		t.Errorf("at +10s: got %s/%s, want Running", st.Status, st.Operation)
	}
	if got, want := s.Now(), clock.Now().Add(4*time.Second); !got.Equal(want) {
		t.Errorf("got Now %v, want clock + offset %v", got, want)
	}
}

func TestUpdateInstance(t *testing.T) {
	s := New(Options{InstancesPerRegion: 20, Clock: NewManualClock(time.Now())})
	id := s.Instances("cn-shanghai")[0].InstanceID
	str := func(v string) *string { return &v }
	yes := true
	st, err := s.UpdateInstance("cn-shanghai", id, InstanceUpdate{Status: str("Stopped"), LockReason: str("security"), OSType: str("windows"), IoOptimized: &yes, KeyPairName: str("ci-runner")})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "Stopped" || st.LockReason != "security" || st.OSType != "windows" || st.EffectiveKeyPair != "ci-runner" || st.PasswordLogin || st.RestartPending {
		t.Errorf("got %+v", st)
	}
	if st, _ := s.UpdateInstance("cn-shanghai", id, InstanceUpdate{Status: str("Starting"), KeyPairName: str("")}); st.Status != "Starting" || !st.PasswordLogin {
		t.Errorf("got %s password=%v, want Starting with password login", st.Status, st.PasswordLogin)
	}
	for _, tt := range []struct {
		name, region, id string
		u                InstanceUpdate
		notFound         bool
	}{
		{"unknown region", "mars-1", id, InstanceUpdate{}, true},
		{"unknown instance", "cn-shanghai", "i-nope", InstanceUpdate{}, true},
		{"unknown key", "cn-shanghai", id, InstanceUpdate{KeyPairName: str("nope")}, true},
		{"bad status", "cn-shanghai", id, InstanceUpdate{Status: str("Pending")}, false},
		{"bad os", "cn-shanghai", id, InstanceUpdate{OSType: str("bsd")}, false},
	} {
		_, err := s.UpdateInstance(tt.region, tt.id, tt.u)
		if err == nil || errors.Is(err, ErrNotFound) != tt.notFound {
			t.Errorf("%s: got %v, want error (not found=%v)", tt.name, err, tt.notFound)
		}
	}
}
