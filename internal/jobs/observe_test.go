package jobs

import (
	"testing"
	"time"

	"keybind/internal/cloud"
)

func TestObserve(t *testing.T) {
	e := &Engine{cfg: Config{RunningGrace: 30 * time.Second, StoppedGrace: 20 * time.Second, RestartDeadline: 5 * time.Minute}.withDefaults()}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bound := t0.Add(-30 * time.Second) // the key was confirmed bound (KeyAt)
	reboot := Item{Key: KeyDone, Restart: RestartInProgress, Op: OpReboot, AcceptedAt: t0, Deadline: t0.Add(5 * time.Minute),
		ExpectKey: "k", KeyAt: bound}
	start := reboot
	start.Op = OpStart
	seen := reboot
	seen.SeenTransition = true
	startSeen := start
	startSeen.SeenTransition = true
	stoppedAt := reboot
	stoppedAt.StoppedSince = t0.Add(5 * time.Second)
	trans := Item{Key: KeyDone, Restart: RestartInTransition, Deadline: t0.Add(5 * time.Minute), KeyRequest: 7}
	lost := reboot // the answer to the reboot was lost
	lost.Unconfirmed = true
	lostStart := lost
	lostStart.Op = OpStart
	same := trans
	same.Change = ChangeSame
	ours := cloud.Instance{KeyPairName: "k", StartTime: bound.Add(-time.Hour)}
	startedLater := cloud.Instance{KeyPairName: "k", StartTime: bound.Add(time.Minute).Truncate(time.Minute)}
	startedSameMinute := cloud.Instance{KeyPairName: "k", StartTime: bound.Truncate(time.Minute)}
	replaced := cloud.Instance{KeyPairName: "someone-else", StartTime: startedLater.StartTime}

	tests := []struct {
		name    string
		it      Item
		afterBy bool
		status  cloud.Status
		at      time.Duration
		want    RestartState
		wantOp  RestartOp
		seen    bool
		in      *cloud.Instance // as read again; nil: the instance (ours) was read, with the job's key
		unread  bool            // it was not read again this round
	}{
		{"reboot: Running, no transition seen yet", reboot, false, cloud.StatusRunning, 5 * time.Second, RestartInProgress, OpReboot, false, nil, false},
		{"reboot: Running, not read again yet", seen, false, cloud.StatusRunning, 5 * time.Second, RestartInProgress, OpReboot, true, nil, true},
		{"reboot: Running after the grace", reboot, false, cloud.StatusRunning, 31 * time.Second, RestartKeyInEffect, OpReboot, false, nil, false},
		{"reboot: Running, started after binding", reboot, false, cloud.StatusRunning, 5 * time.Second, RestartKeyInEffect, OpReboot, false, &startedLater, false},
		{"reboot: Running with another key", seen, false, cloud.StatusRunning, 6 * time.Second, RestartKeyReplaced, OpReboot, true, &replaced, false},
		{"lost answer: started after binding", lost, false, cloud.StatusRunning, 5 * time.Second, RestartKeyInEffect, OpReboot, false, &startedLater, false},
		{"lost answer: started in the minute of the binding, no proof yet", lost, false, cloud.StatusRunning, 5 * time.Second, RestartInProgress, OpReboot, false, &startedSameMinute, false},
		{"lost answer: no proof after the grace", lost, false, cloud.StatusRunning, 31 * time.Second, RestartNeedsDecision, OpReboot, false, &ours, false},
		{"lost start: no proof after the grace", lostStart, false, cloud.StatusRunning, 31 * time.Second, RestartNeedsDecision, OpStart, false, &ours, false},
		{"lost answer: a transition seen", lost, false, cloud.StatusStarting, 3 * time.Second, RestartInProgress, OpReboot, true, nil, false},
		{"in transition: already had the key, settles Running, restart after bind", same, true, cloud.StatusRunning, time.Minute, RestartNeedsReboot, OpReboot, false, nil, false},
		{"reboot: Stopping", reboot, false, cloud.StatusStopping, 5 * time.Second, RestartInProgress, OpReboot, true, nil, false},
		{"reboot: Running after a transition", seen, false, cloud.StatusRunning, 6 * time.Second, RestartKeyInEffect, OpReboot, true, nil, false},
		{"reboot: Stopped just now", reboot, false, cloud.StatusStopped, 6 * time.Second, RestartInProgress, OpReboot, true, nil, false},
		{"reboot: Stopped beyond the grace", stoppedAt, false, cloud.StatusStopped, 26 * time.Second, RestartEndedStopped, OpReboot, true, nil, false},
		{"start: Running", start, false, cloud.StatusRunning, 4 * time.Second, RestartKeyInEffect, OpStart, false, nil, false},
		{"start: Stopped before it began", start, false, cloud.StatusStopped, 4 * time.Second, RestartInProgress, OpStart, false, nil, false},
		{"start: Stopped after Starting", startSeen, false, cloud.StatusStopped, 9 * time.Second, RestartEndedStopped, OpStart, true, nil, false},
		{"reboot: still Starting at the deadline", seen, false, cloud.StatusStarting, 5 * time.Minute, RestartTimedOut, OpReboot, true, nil, false},
		{"in transition: still Stopping", trans, false, cloud.StatusStopping, time.Minute, RestartInTransition, OpNone, false, nil, false},
		{"in transition: settles Running", trans, false, cloud.StatusRunning, time.Minute, RestartNeedsReboot, OpReboot, false, nil, false},
		{"in transition: settles Stopped", trans, false, cloud.StatusStopped, time.Minute, RestartNeedsStart, OpStart, false, nil, false},
		{"in transition: settles Running, restart after bind", trans, true, cloud.StatusRunning, time.Minute, RestartQueued, OpReboot, false, nil, false},
		{"in transition: past the deadline", trans, false, cloud.StatusPending, 6 * time.Minute, RestartTimedOut, OpNone, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Job{Policy: RestartPolicy{AfterBind: tt.afterBy}}
			in := cloud.Instance{KeyPairName: tt.it.ExpectKey}
			if tt.in != nil {
				in = *tt.in
			}
			got := e.observe(tt.it, j, tt.status, in, !tt.unread, t0.Add(tt.at))
			if got.Restart != tt.want || got.Op != tt.wantOp || got.SeenTransition != tt.seen || got.LastStatus != tt.status {
				t.Errorf("got %q op %q seen %t last %q; want %q op %q seen %t last %q",
					got.Restart, got.Op, got.SeenTransition, got.LastStatus, tt.want, tt.wantOp, tt.seen, tt.status)
			}
			if got.Restart == RestartKeyReplaced && (got.ReplacedBy != "someone-else" || got.RestartMessage == "") {
				t.Errorf("replaced: by %q, message %q", got.ReplacedBy, got.RestartMessage)
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
		name        string
		it          Item
		r           cloud.InstanceResult
		want        RestartState
		retryable   bool
		unconfirmed bool // watched for proof: the call may have run
	}{
		{"accepted", req, cloud.InstanceResult{OK: true, CurrentStatus: cloud.StatusStopping, RequestID: "R"}, RestartInProgress, false, false},
		{"throttled, attempts left", req, cloud.InstanceResult{Code: "Throttling.User", Retryable: true}, RestartQueued, false, false},
		{"throttled, no attempts left", last, cloud.InstanceResult{Code: "Throttling.User", Retryable: true}, RestartFailed, true, false},
		{"timed out: may have run", req, cloud.InstanceResult{Code: cloud.CodeTimeout, Retryable: true}, RestartInProgress, false, true},
		{"internal error: may have run", req, cloud.InstanceResult{Code: "InternalError", Retryable: true}, RestartInProgress, false, true},
		{"cancelled", req, cloud.InstanceResult{Code: cloud.CodeCanceled}, RestartInProgress, false, true},
		{"already restarting", req, cloud.InstanceResult{Code: "IncorrectInstanceStatus", PreviousStatus: cloud.StatusStopping}, RestartInProgress, false, true},
		{"stopped: refused", req, cloud.InstanceResult{Code: "IncorrectInstanceStatus", PreviousStatus: cloud.StatusStopped}, RestartFailed, false, false},
		{"locked", req, cloud.InstanceResult{Code: "InstanceLockedForSecurity"}, RestartFailed, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.restartOutcome(tt.it, Job{}, tt.r, now)
			if got.Restart != tt.want || got.RestartRetryable != tt.retryable || got.Unconfirmed != tt.unconfirmed {
				t.Errorf("got %q retryable %t unconfirmed %t, want %q retryable %t unconfirmed %t",
					got.Restart, got.RestartRetryable, got.Unconfirmed, tt.want, tt.retryable, tt.unconfirmed)
			}
			if (got.Restart != RestartInProgress || got.Unconfirmed) && got.Restart != RestartQueued && got.RestartMessage == "" {
				t.Errorf("%q without a message", got.Restart)
			}
			if got.Restart == RestartInProgress && !got.Unconfirmed && (!got.SeenTransition || got.Deadline.IsZero() || got.RestartRequestID != "R") {
				t.Errorf("accepted: %+v", got)
			}
			if got.Restart == RestartInProgress && !got.NextPollAt.Equal(now.Add(e.cfg.FirstPollDelay)) {
				t.Errorf("first status read at %v, want %v after", got.NextPollAt, e.cfg.FirstPollDelay)
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
