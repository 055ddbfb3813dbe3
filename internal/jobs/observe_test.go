package jobs

import (
	"testing"
	"time"

	"keybind/internal/cloud"
)

func TestObserve(t *testing.T) {
	e := &Engine{cfg: Config{RunningGrace: 30 * time.Second, StoppedGrace: 20 * time.Second, RestartDeadline: 5 * time.Minute}.withDefaults()}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reboot := Item{Key: KeyDone, Restart: RestartInProgress, Op: OpReboot, AcceptedAt: t0, Deadline: t0.Add(5 * time.Minute)}
	start := reboot
	start.Op = OpStart
	seen := reboot
	seen.SeenTransition = true
	startSeen := start
	startSeen.SeenTransition = true
	stoppedAt := reboot
	stoppedAt.StoppedSince = t0.Add(5 * time.Second)
	trans := Item{Key: KeyDone, Restart: RestartInTransition, Deadline: t0.Add(5 * time.Minute), KeyRequest: 7}

	tests := []struct {
		name    string
		it      Item
		afterBy bool
		status  cloud.Status
		at      time.Duration
		want    RestartState
		wantOp  RestartOp
		seen    bool
	}{
		{"reboot: Running, no transition seen yet", reboot, false, cloud.StatusRunning, 5 * time.Second, RestartInProgress, OpReboot, false},
		{"reboot: Running after the grace", reboot, false, cloud.StatusRunning, 31 * time.Second, RestartKeyInEffect, OpReboot, false},
		{"reboot: Stopping", reboot, false, cloud.StatusStopping, 5 * time.Second, RestartInProgress, OpReboot, true},
		{"reboot: Running after a transition", seen, false, cloud.StatusRunning, 6 * time.Second, RestartKeyInEffect, OpReboot, true},
		{"reboot: Stopped just now", reboot, false, cloud.StatusStopped, 6 * time.Second, RestartInProgress, OpReboot, true},
		{"reboot: Stopped beyond the grace", stoppedAt, false, cloud.StatusStopped, 26 * time.Second, RestartEndedStopped, OpReboot, true},
		{"start: Running", start, false, cloud.StatusRunning, 4 * time.Second, RestartKeyInEffect, OpStart, false},
		{"start: Stopped before it began", start, false, cloud.StatusStopped, 4 * time.Second, RestartInProgress, OpStart, false},
		{"start: Stopped after Starting", startSeen, false, cloud.StatusStopped, 9 * time.Second, RestartEndedStopped, OpStart, true},
		{"reboot: still Starting at the deadline", seen, false, cloud.StatusStarting, 5 * time.Minute, RestartTimedOut, OpReboot, true},
		{"in transition: still Stopping", trans, false, cloud.StatusStopping, time.Minute, RestartInTransition, OpNone, false},
		{"in transition: settles Running", trans, false, cloud.StatusRunning, time.Minute, RestartNeedsReboot, OpReboot, false},
		{"in transition: settles Stopped", trans, false, cloud.StatusStopped, time.Minute, RestartNeedsStart, OpStart, false},
		{"in transition: settles Running, restart after bind", trans, true, cloud.StatusRunning, time.Minute, RestartQueued, OpReboot, false},
		{"in transition: past the deadline", trans, false, cloud.StatusPending, 6 * time.Minute, RestartTimedOut, OpNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Job{Policy: RestartPolicy{AfterBind: tt.afterBy}}
			got := e.observe(tt.it, j, tt.status, t0.Add(tt.at))
			if got.Restart != tt.want || got.Op != tt.wantOp || got.SeenTransition != tt.seen || got.LastStatus != tt.status {
				t.Errorf("got %q op %q seen %t last %q; want %q op %q seen %t last %q",
					got.Restart, got.Op, got.SeenTransition, got.LastStatus, tt.want, tt.wantOp, tt.seen, tt.status)
			}
			if got.Restart == RestartQueued && got.RestartRequest != tt.it.KeyRequest {
				t.Errorf("queued on behalf of request %d, want the key's request %d", got.RestartRequest, tt.it.KeyRequest)
			}
		})
	}
}

func TestRestartOutcome(t *testing.T) {
	e := &Engine{cfg: Config{RestartAttempts: 2}.withDefaults()}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := Item{Key: KeyDone, Restart: RestartRequested, Op: OpReboot, RestartAttempts: 1}
	last := req
	last.RestartAttempts = 2
	tests := []struct {
		name      string
		it        Item
		r         cloud.InstanceResult
		want      RestartState
		retryable bool
	}{
		{"accepted", req, cloud.InstanceResult{OK: true, CurrentStatus: cloud.StatusStopping, RequestID: "R"}, RestartInProgress, false},
		{"throttled, attempts left", req, cloud.InstanceResult{Code: "Throttling.User", Retryable: true}, RestartQueued, false},
		{"throttled, no attempts left", last, cloud.InstanceResult{Code: "Throttling.User", Retryable: true}, RestartFailed, true},
		{"timed out: may have run", req, cloud.InstanceResult{Code: cloud.CodeTimeout, Retryable: true}, RestartNeedsDecision, false},
		{"internal error: may have run", req, cloud.InstanceResult{Code: "InternalError", Retryable: true}, RestartNeedsDecision, false},
		{"cancelled", req, cloud.InstanceResult{Code: cloud.CodeCanceled}, RestartNeedsDecision, false},
		{"already restarting", req, cloud.InstanceResult{Code: "IncorrectInstanceStatus", PreviousStatus: cloud.StatusStopping}, RestartNeedsDecision, false},
		{"stopped: refused", req, cloud.InstanceResult{Code: "IncorrectInstanceStatus", PreviousStatus: cloud.StatusStopped}, RestartFailed, false},
		{"locked", req, cloud.InstanceResult{Code: "InstanceLockedForSecurity"}, RestartFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.restartOutcome(tt.it, tt.r, now)
			if got.Restart != tt.want || got.RestartRetryable != tt.retryable {
				t.Errorf("got %q retryable %t, want %q retryable %t", got.Restart, got.RestartRetryable, tt.want, tt.retryable)
			}
			if got.Restart != RestartInProgress && got.Restart != RestartQueued && got.RestartMessage == "" {
				t.Errorf("%q without a message", got.Restart)
			}
			if got.Restart == RestartInProgress && (!got.SeenTransition || got.Deadline.IsZero() || got.RestartRequestID != "R") {
				t.Errorf("accepted: %+v", got)
			}
		})
	}
}

func TestKeyOutcome(t *testing.T) {
	e := &Engine{cfg: Config{KeyAttempts: 2, RetryDelay: time.Second}.withDefaults()}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := Item{Key: KeyAttempting, KeyAttempts: 1}
	second := Item{Key: KeyAttempting, KeyAttempts: 2}
	tests := []struct {
		name      string
		it        Item
		r         cloud.KeyPairResult
		want      KeyState
		retryable bool
		next      time.Duration
	}{
		{"ok", first, cloud.KeyPairResult{OK: true}, KeyApplied, false, 0},
		{"cancelled stays unknown", first, cloud.KeyPairResult{Code: cloud.CodeCanceled}, KeyAttempting, false, 0},
		{"throttled, retried", first, cloud.KeyPairResult{Code: "Throttling", Retryable: true}, KeyPending, false, time.Second},
		{"timeout, retried (safe)", first, cloud.KeyPairResult{Code: cloud.CodeTimeout}, KeyPending, false, time.Second},
		{"throttled, out of attempts", second, cloud.KeyPairResult{Code: "Throttling", Retryable: true}, KeyFailed, true, 0},
		{"windows", first, cloud.KeyPairResult{Code: "DependencyViolation.WindowsInstance"}, KeyFailed, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.keyOutcome(tt.it, tt.r, now)
			if got.Key != tt.want || got.KeyRetryable != tt.retryable {
				t.Errorf("got %q retryable %t, want %q retryable %t", got.Key, got.KeyRetryable, tt.want, tt.retryable)
			}
			if tt.next > 0 && !got.KeyNextAt.Equal(now.Add(tt.next)) {
				t.Errorf("next attempt at %v, want %v", got.KeyNextAt, now.Add(tt.next))
			}
			if got.Key == KeyFailed && got.KeyMessage == "" {
				t.Error("failed without a message")
			}
		})
	}
}
