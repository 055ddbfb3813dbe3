package jobs

import (
	"maps"
	"reflect"
	"testing"
	"time"

	"keybind/internal/cloud"
)

func linux(id string, st cloud.Status, key string) cloud.Instance {
	return cloud.Instance{ID: id, Name: "name-" + id, OSType: "linux", OSName: "Debian 12", Status: st, KeyPairName: key, IoOptimized: true}
}

func TestPlanBindRows(t *testing.T) {
	win := linux("i-win", cloud.StatusRunning, "")
	win.OSType = "windows"
	win.OSName = "Windows Server 2022"
	other := linux("i-other", cloud.StatusRunning, "")
	other.OSType = ""
	noio := linux("i-noio", cloud.StatusRunning, "")
	noio.IoOptimized = false
	locked := linux("i-locked", cloud.StatusStopped, "")
	locked.LockReasons = []string{"security"}
	lockedWin := win
	lockedWin.ID = "i-lockedwin"
	lockedWin.LockReasons = []string{"security"}
	otherLock := linux("i-otherlock", cloud.StatusRunning, "")
	otherLock.LockReasons = []string{"financial"}

	found := []cloud.Instance{
		linux("i-new", cloud.StatusRunning, ""),
		linux("i-same", cloud.StatusStopped, "ops"),
		linux("i-repl", cloud.StatusRunning, "old"),
		linux("i-starting", cloud.StatusStarting, ""),
		linux("i-stopping", cloud.StatusStopping, "old"),
		linux("i-pending", cloud.StatusPending, ""),
		win, other, noio, locked, lockedWin, otherLock,
	}
	requested := []string{"i-new", "i-same", "i-repl", "i-starting", "i-stopping", "i-pending", "i-win", "i-other",
		"i-noio", "i-locked", "i-lockedwin", "i-otherlock", "i-gone", "i-unlisted", "i-new", ""}

	p := PlanBind("cn-hangzhou", "ops", requested, found)

	tests := []struct {
		id       string
		excluded ExcludeReason
		change   Change
		restart  RestartNeed
		current  string
	}{
		{"i-new", ExcludedNone, ChangeNew, NeedReboot, ""},
		{"i-same", ExcludedAlreadyHas, ChangeSame, NeedNone, "ops"},
		{"i-repl", ExcludedNone, ChangeReplace, NeedReboot, "old"},
		{"i-starting", ExcludedNone, ChangeNew, NeedInTransition, ""},
		{"i-stopping", ExcludedNone, ChangeReplace, NeedInTransition, "old"},
		{"i-pending", ExcludedNone, ChangeNew, NeedInTransition, ""},
		{"i-win", ExcludedWindows, ChangeNone, NeedNone, ""},
		{"i-other", ExcludedNotLinux, ChangeNone, NeedNone, ""},
		{"i-noio", ExcludedNotIoOpt, ChangeNone, NeedNone, ""},
		{"i-locked", ExcludedLocked, ChangeNone, NeedNone, ""},
		{"i-lockedwin", ExcludedWindows, ChangeNone, NeedNone, ""},
		{"i-otherlock", ExcludedNone, ChangeNew, NeedReboot, ""},
		{"i-gone", ExcludedNotFound, ChangeNone, NeedNone, ""},
		{"i-unlisted", ExcludedNotFound, ChangeNone, NeedNone, ""},
	}
	if len(p.Rows) != len(tests) {
		t.Fatalf("rows = %d, want %d (duplicates and empty IDs removed)", len(p.Rows), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := p.Rows[i]
			if r.InstanceID != tt.id {
				t.Fatalf("row %d is %s, want %s (request order)", i, r.InstanceID, tt.id)
			}
			if r.Excluded != tt.excluded || r.Change != tt.change || r.Restart != tt.restart || r.CurrentKey != tt.current {
				t.Errorf("got excluded=%q change=%q restart=%q current=%q, want %q %q %q %q",
					r.Excluded, r.Change, r.Restart, r.CurrentKey, tt.excluded, tt.change, tt.restart, tt.current)
			}
			if r.Included() {
				if r.Action != ActionAttach || r.KeyPair != "ops" || r.ExpectKey != "ops" {
					t.Errorf("included row: action=%q key=%q expect=%q, want attach ops ops", r.Action, r.KeyPair, r.ExpectKey)
				}
			} else if r.Action != ActionNone {
				t.Errorf("excluded row has action %q", r.Action)
			}
		})
	}

	// Password login is on only where there is no key now: i-new, i-starting, i-pending, i-otherlock.
	want := PlanCounts{Requested: 14, Included: 6, PasswordLoginDisabled: 4, NewKeys: 4, Replacements: 2, AlreadyHave: 1,
		Reboots: 3, Starts: 0, InTransition: 3, Excluded: 8,
		ExcludedBy: map[ExcludeReason]int{ExcludedWindows: 2, ExcludedNotLinux: 1, ExcludedNotIoOpt: 1, ExcludedLocked: 1, ExcludedNotFound: 2, ExcludedAlreadyHas: 1}}
	got := p.Counts
	if !maps.Equal(got.ExcludedBy, want.ExcludedBy) {
		t.Errorf("ExcludedBy = %v, want %v", got.ExcludedBy, want.ExcludedBy)
	}
	got.ExcludedBy, want.ExcludedBy = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counts = %+v\nwant     %+v", got, want)
	}
	if r := p.Replaced(); len(r) != 1 || r["old"] != 2 {
		t.Errorf("Replaced() = %v, want map[old:2]", r)
	}

	// Asked to, the plan sends the key again to the instance that has it, and starts it with the others.
	again := p.IncludeSame()
	r := again.Rows[1]
	if !r.Included() || r.Action != ActionAttach || r.Restart != NeedStart || r.Change != ChangeSame {
		t.Errorf("included again: %+v", r)
	}
	if c := again.Counts; c.Included != 7 || c.Starts != 1 || c.PasswordLoginDisabled != 4 || c.AlreadyHave != 1 || c.ExcludedBy[ExcludedAlreadyHas] != 0 {
		t.Errorf("counts once included again: %+v", c)
	}
	if p.Rows[1].Included() {
		t.Error("IncludeSame changed the plan it was called on")
	}
}

// TestLosingAccess: the holders of every key a job replaces or removes,
// on how many instances, most first.
func TestLosingAccess(t *testing.T) {
	found := []cloud.Instance{
		linux("i-1", cloud.StatusRunning, "bob"), linux("i-2", cloud.StatusRunning, "bob"),
		linux("i-3", cloud.StatusRunning, "amy"), linux("i-4", cloud.StatusRunning, "zed"),
		linux("i-5", cloud.StatusRunning, "ops"), linux("i-6", cloud.StatusRunning, ""),
	}
	ids := []string{"i-1", "i-2", "i-3", "i-4", "i-5", "i-6"}
	got := PlanBind("cn-hangzhou", "ops", ids, found).LosingAccess()
	want := []KeyLoss{{"bob", 2}, {"amy", 1}, {"zed", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bind: LosingAccess() = %v, want %v", got, want)
	}
	if got := PlanUnbind("cn-hangzhou", "bob", ids, found).LosingAccess(); !reflect.DeepEqual(got, []KeyLoss{{"bob", 2}}) {
		t.Errorf("unbind: LosingAccess() = %v", got)
	}
}

func TestPlanBindEmpty(t *testing.T) {
	p := PlanBind("cn-hangzhou", "ops", nil, nil)
	if len(p.Rows) != 0 || p.Counts.Requested != 0 || p.Counts.Included != 0 {
		t.Errorf("empty plan = %+v", p)
	}
	if p.Kind != KindBind || p.KeyPair != "ops" || p.Region != "cn-hangzhou" {
		t.Errorf("plan header = %q %q %q", p.Kind, p.Region, p.KeyPair)
	}
}

func TestPlanUnbind(t *testing.T) {
	found := []cloud.Instance{linux("i-a", cloud.StatusRunning, "ops"), linux("i-b", cloud.StatusStopped, "other"), linux("i-c", cloud.StatusStopped, "")}
	p := PlanUnbind("cn-hangzhou", "ops", []string{"i-a", "i-b", "i-c", "i-d"}, found)
	wants := []struct {
		excl   ExcludeReason
		change Change
		action KeyAction
	}{
		{ExcludedNone, ChangeRemove, ActionDetach},
		{ExcludedNotBoundKey, ChangeNotBound, ActionNone},
		{ExcludedNotBoundKey, ChangeNotBound, ActionNone},
		{ExcludedNotFound, ChangeNone, ActionNone},
	}
	for i, w := range wants {
		r := p.Rows[i]
		if r.Excluded != w.excl || r.Change != w.change || r.Action != w.action {
			t.Errorf("%s: got %q %q %q, want %q %q %q", r.InstanceID, r.Excluded, r.Change, r.Action, w.excl, w.change, w.action)
		}
	}
	if p.Rows[0].ExpectKey != "" || p.Rows[0].KeyPair != "ops" {
		t.Errorf("detach row: key=%q expect=%q, want ops and none", p.Rows[0].KeyPair, p.Rows[0].ExpectKey)
	}
	if c := p.Counts; c.Included != 1 || c.PasswordLoginRestored != 1 || c.PasswordLoginDisabled != 0 || c.Removals != 1 || c.Reboots != 1 || c.Excluded != 3 {
		t.Errorf("counts = %+v", c)
	}
}

func TestNeedFor(t *testing.T) {
	tests := map[cloud.Status]RestartNeed{
		cloud.StatusRunning: NeedReboot, cloud.StatusStopped: NeedStart, cloud.StatusStarting: NeedInTransition,
		cloud.StatusStopping: NeedInTransition, cloud.StatusPending: NeedInTransition, "": NeedInTransition,
	}
	for st, want := range tests {
		if got := NeedFor(st); got != want {
			t.Errorf("NeedFor(%q) = %q, want %q", st, got, want)
		}
	}
}

func TestDeriveState(t *testing.T) {
	tests := []struct {
		name string
		c    Counts
		want State
	}{
		{"keys pending", Counts{Total: 3, KeyPending: 1, InMotion: 2}, StateRunning},
		{"restarts in motion", Counts{Total: 3, Bound: 3, InMotion: 1, KeyFailed: 1}, StateWaitingRestart},
		{"failure", Counts{Total: 3, Bound: 2, KeyFailed: 1}, StateNeedsAttention},
		{"restart failed", Counts{Total: 3, Bound: 3, RestartFailed: 1}, StateNeedsAttention},
		{"decision", Counts{Total: 3, Bound: 3, NeedsDecision: 1}, StateNeedsAttention},
		{"done", Counts{Total: 3, Bound: 2, Excluded: 1, NeedsReboot: 2}, StateDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Job{Counts: tt.c}).deriveState(); got != tt.want {
				t.Errorf("deriveState(%+v) = %q, want %q", tt.c, got, tt.want)
			}
		})
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		j    Job
		want State
	}{
		{"paused", Job{Paused: Pause{At: at, Reason: PauseErrors}, Counts: Counts{Total: 3, Bound: 3, InMotion: 2}}, StatePaused},
		{"cancelled, a restart still out", Job{CancelledAt: at, Paused: Pause{At: at}, Counts: Counts{Total: 3, InMotion: 1}}, StateCancelling},
		{"cancelled", Job{CancelledAt: at, Counts: Counts{Total: 3, Cancelled: 2, Bound: 1}}, StateCancelled},
	} {
		if got := tt.j.deriveState(); got != tt.want {
			t.Errorf("%s: deriveState = %q, want %q", tt.name, got, tt.want)
		}
	}
}
