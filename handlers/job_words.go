package handlers

import (
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/i18n"
	"keybind/internal/jobs"
)

// The job's and its items' words in the person's language. The domain
// (internal/jobs) words them in English for the API and the logs; these say
// the same from the same facts, each case a whole message (docs/I18N.md).

// jobTitle names the job: "Bind ops-2025", "Restore the keys from before job 12".
func jobTitle(c echo.Context, j jobs.Job) string {
	switch j.Kind {
	case jobs.KindUnbind:
		return request.T(c, "job.title_unbind", "Key", j.KeyPair)
	case jobs.KindRollback:
		return request.T(c, "job.title_rollback", "Job", itoa64(j.ParentID))
	}
	return request.T(c, "job.title_bind", "Key", j.KeyPair)
}

// jobStateWords is the job's state in words (jobs.Job.StateWords).
func jobStateWords(c echo.Context, j jobs.Job) string {
	switch j.State {
	case jobs.StatePaused:
		if j.Paused.Reason == jobs.PauseErrors {
			return request.T(c, "job.paused_errors", "Count", j.Counts.RestartFailed-j.Paused.ErrorsAccepted, "Max", j.Policy.MaxErrors)
		}
		return request.T(c, "job.paused_by", "Who", j.Paused.By)
	case jobs.StateCancelling:
		return request.T(c, "job.cancelling", "Count", j.Counts.InMotion)
	case jobs.StateCancelled:
		return request.T(c, "job.cancelled_by", "Who", j.CancelledBy)
	}
	if n := j.WaitingForPeople(); n > 0 {
		return request.T(c, "job.waiting_for_you", "Count", n)
	}
	return request.T(c, "job_state."+string(j.State))
}

// jobAfterWords says what happens after binding (jobs.Job.AfterWords), in
// whole sentences.
func jobAfterWords(c echo.Context, j jobs.Job) string {
	p := j.Policy
	if !p.AfterBind {
		return request.T(c, "job.after_nothing")
	}
	var out []string
	if p.Window != "" && strings.HasSuffix(p.Window, "%") {
		out = append(out, request.T(c, "job.after_restart_share", "Count", p.WaveSize, "Share", p.Window))
	} else {
		out = append(out, request.T(c, "job.after_restart", "Count", p.WaveSize))
	}
	if p.StartWithOne {
		out = append(out, request.T(c, "job.after_one_first"))
	}
	if p.Force {
		out = append(out, request.T(c, "job.after_force"))
	}
	if p.MaxErrors == 0 {
		out = append(out, request.T(c, "job.after_pause_first"))
	} else {
		out = append(out, request.T(c, "job.after_pause_after", "Count", p.MaxErrors+1))
	}
	return request.Loc(c).Sentences(out)
}

// itemResult is the key call's outcome in words, and its detail: the
// cloud's code and its explanation in the person's language.
func itemResult(c echo.Context, it jobs.Item) (string, string) {
	switch it.Key {
	case jobs.KeyDone:
		switch {
		case it.Action == jobs.ActionDetach && it.Change == jobs.ChangeSame:
			return request.T(c, "result.unbound_same"), ""
		case it.Action == jobs.ActionDetach:
			return request.T(c, "result.unbound"), ""
		case it.Change == jobs.ChangeSame:
			return request.T(c, "result.bound_same"), ""
		}
		return request.T(c, "result.bound"), ""
	case jobs.KeyFailed:
		return request.T(c, "result.failed"), codeDetail(c, it.KeyCode, it.KeyMessage)
	case jobs.KeyExcluded:
		return request.T(c, "result.excluded"), excludeLabel(c, it.ExcludeReason)
	case jobs.KeyPending:
		return request.T(c, "result.waiting"), ""
	case jobs.KeyAttempting:
		return request.T(c, "result.sending"), ""
	case jobs.KeyApplied:
		return request.T(c, "result.confirming"), ""
	case jobs.KeyCancelled:
		return request.T(c, "result.cancelled"), ""
	}
	return string(it.Key), ""
}

// codeDetail is a cloud error code with its explanation: "Code: words".
func codeDetail(c echo.Context, code, msg string) string {
	msg = cloudCodeWords(c, code, msg)
	if code == "" {
		return msg
	}
	return request.T(c, "result.code_detail", "Code", code, "Message", msg)
}

// restartLabel is the restart column (jobs.Item.RestartWords).
func restartLabel(c echo.Context, it jobs.Item) string {
	start := it.Op == jobs.OpStart
	switch it.Restart {
	case jobs.RestartNone:
		switch it.Key {
		case jobs.KeyPending, jobs.KeyAttempting, jobs.KeyApplied:
			return request.T(c, "restart.after_key")
		case jobs.KeyDone:
			return request.T(c, "restart.nothing")
		}
		return request.T(c, "restart.not_restarted")
	case jobs.RestartQueued, jobs.RestartRequested, jobs.RestartInProgress:
		if start {
			return request.T(c, "restart."+string(it.Restart)+"_start")
		}
		return request.T(c, "restart."+string(it.Restart)+"_reboot")
	case jobs.RestartKeyInEffect:
		if it.Action == jobs.ActionDetach {
			return request.T(c, "restart.key_removed")
		}
	case jobs.RestartKeyReplaced:
		if it.ReplacedBy == "" {
			return request.T(c, "restart.removed_by_other")
		}
		return request.T(c, "restart.replaced_by", "Key", it.ReplacedBy)
	case jobs.RestartFailed:
		if it.RestartMessage != "" {
			return request.T(c, "restart.failed_because", "Message", request.Loc(c).English(it.RestartMessage))
		}
	}
	return request.T(c, "restart."+string(it.Restart))
}

// retryWords says why an item waits to be tried again (jobs.Item.RetryWords).
func retryWords(c echo.Context, it jobs.Item) string {
	var what, code, msg string
	var n int
	var next time.Time
	switch {
	case it.Key == jobs.KeyPending && it.KeyAttempts > 0 && it.KeyCode != "":
		what, n, code, msg, next = "key", it.KeyAttempts, it.KeyCode, it.KeyMessage, it.KeyNextAt
	case it.Restart == jobs.RestartQueued && it.RestartAttempts > 0 && it.RestartCode != "":
		what, n, code, msg, next = "restart", it.RestartAttempts, it.RestartCode, it.RestartMessage, it.NextAt
		switch it.Op {
		case jobs.OpStart:
			what = "start"
		case jobs.OpReboot:
			what = "reboot"
		}
	default:
		return ""
	}
	if msg == "" {
		msg = request.T(c, "retry.refused")
	}
	return request.T(c, "retry."+what, "Count", n, "Message", request.Loc(c).English(msg), "Code", code, "Next", nextTry(c, next))
}

// heldUpWords says why items are held up, in one sentence (jobs.HeldUp.Words).
func heldUpWords(c echo.Context, h jobs.HeldUp) string {
	if h.Items == 0 {
		return ""
	}
	msg := h.Message
	if msg == "" {
		msg = "The cloud refused or failed the call."
	}
	return request.Loc(c).Sentences([]string{
		request.T(c, "held.items", "Count", h.Items),
		request.T(c, "held.why", "Message", request.Loc(c).English(msg), "Code", h.Code, "Attempts", request.T(c, "held.attempts", "Count", h.Attempts)),
		request.T(c, "held.next", "Next", nextTry(c, h.NextAt)),
	})
}

// nextTry is a next try's time of day in the person's time zone, or "soon".
func nextTry(c echo.Context, t time.Time) string {
	if t.IsZero() {
		return request.T(c, "retry.soon")
	}
	return request.T(c, "retry.at", "Time", t.In(request.Loc(c).Zone()).Format("15:04:05 MST"))
}

// groupLabel names a group of the grid's items.
func groupLabel(c echo.Context, g jobs.Group) string {
	if g == jobs.GroupAll {
		return request.T(c, "group.all")
	}
	return request.T(c, "group."+string(g))
}

// cloudCodeWords explains an ECS error code in the person's language when
// the catalogue knows the code, else shows msg (the cloud's or the
// gateway's words), translated when the catalogue has them.
func cloudCodeWords(c echo.Context, code, msg string) string {
	if code != "" && i18n.Has("ecs."+code) {
		return request.T(c, "ecs."+code)
	}
	return request.Loc(c).English(msg)
}
