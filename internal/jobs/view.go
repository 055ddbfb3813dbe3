package jobs

import (
	"fmt"
	"strings"

	"keybind/internal/text"
)

// ItemView is what the result grid (and its exports and the API) shows of
// one item: its outcome in words, and what can be done with it now.
type ItemView struct {
	Result       string // Bound, Unbound, Failed, Excluded, Waiting, Sending, Confirming
	ResultDetail string // the cloud's code and plain message, or why it is excluded
	Restart      string // the restart state in words (RestartLabel)
	CanReboot    bool   // bound and Running, not restarted yet
	CanStart     bool   // bound and Stopped
	// NeedsDecision: a reboot or start may or may not have happened; an
	// operator decides.
	NeedsDecision bool
	Retryable     bool // a failed key call or restart that can be sent again
}

// View is what the grid shows of the item.
func (it Item) View() ItemView {
	v := ItemView{Restart: it.RestartLabel()}
	v.Result, v.ResultDetail = it.resultWords()
	if it.Key == KeyDone {
		switch it.Restart {
		case RestartNeedsReboot:
			v.CanReboot = true
		case RestartNeedsStart, RestartEndedStopped:
			v.CanStart = true
		case RestartNeedsDecision:
			v.NeedsDecision = true
		}
	}
	v.Retryable = it.Key == KeyFailed && it.KeyRetryable || it.Restart == RestartFailed && it.RestartRetryable
	return v
}

// resultWords is the key call's outcome in words, and its detail.
func (it Item) resultWords() (string, string) {
	switch it.Key {
	case KeyDone:
		label := "Bound"
		if it.Action == ActionDetach {
			label = "Unbound"
		}
		if it.Change == ChangeSame {
			label += " (already had it)"
		}
		return label, ""
	case KeyFailed:
		detail := it.KeyMessage
		if it.KeyCode != "" {
			detail = it.KeyCode + ": " + detail
		}
		return "Failed", detail
	case KeyExcluded:
		return "Excluded", it.ExcludeReason.Label()
	case KeyPending:
		return "Waiting", ""
	case KeyAttempting:
		return "Sending", ""
	case KeyApplied:
		return "Confirming", ""
	}
	return string(it.Key), ""
}

// Ready counts what the grid's bulk buttons would act on.
type Ready struct {
	Reboot    int // bound, Running, needing a reboot
	Start     int // bound, Stopped, needing a start
	Retryable int // failures that can be sent again
}

// ReadyOf counts the bulk actions items allow.
func ReadyOf(items []Item) Ready {
	var r Ready
	for _, it := range items {
		if it.Key == KeyDone {
			switch it.Restart {
			case RestartNeedsReboot:
				r.Reboot++
			case RestartNeedsStart:
				r.Start++
			}
		}
		if it.View().Retryable {
			r.Retryable++
		}
	}
	return r
}

// Title names the job: "Bind ops-2025", "Unbind ops-2025", "Restore the
// keys from before job 12".
func (j Job) Title() string {
	switch j.Kind {
	case KindUnbind:
		return "Unbind " + j.KeyPair
	case KindRollback:
		return fmt.Sprintf("Restore the keys from before job %d", j.ParentID)
	}
	return "Bind " + j.KeyPair
}

// WaitingForPeople is how many instances wait, once the engine is idle,
// for a reboot or start nobody asked for yet: the change is not in effect
// on them.
func (j Job) WaitingForPeople() int {
	if j.InMotion() {
		return 0
	}
	return j.Counts.NeedsReboot + j.Counts.NeedsStart
}

// StateWords is the job's state in words. "Done" would mislead while keys
// wait for a restart to work.
func (j Job) StateWords() string {
	switch j.State {
	case StatePaused:
		if j.Paused.Reason == PauseErrors {
			failed := j.Counts.RestartFailed - j.Paused.ErrorsAccepted
			return fmt.Sprintf("Paused: %s failed, more than the %d allowed", text.Plural(failed, "restart", "restarts"), j.Policy.MaxErrors)
		}
		return "Paused by " + j.Paused.By
	case StateCancelling:
		return fmt.Sprintf("Cancelling: %s already sent still to finish", text.Plural(j.Counts.InMotion, "restart", "restarts"))
	case StateCancelled:
		return "Cancelled by " + j.CancelledBy
	}
	if n := j.WaitingForPeople(); n > 0 {
		return "Waiting for you: " + text.Plural(n, "instance needs", "instances need") + " a reboot or start before the change takes effect"
	}
	return j.State.Label()
}

// AfterWords says what happens after binding.
func (j Job) AfterWords() string {
	if !j.Policy.AfterBind {
		return "After binding: nothing automatic. Reboot or start instances below to make the key take effect."
	}
	p := j.Policy
	var b strings.Builder
	fmt.Fprintf(&b, "After binding: reboot the Running instances and start the Stopped ones, at most %d at a time", p.WaveSize)
	if p.Window != "" && strings.HasSuffix(p.Window, "%") {
		fmt.Fprintf(&b, " (%s)", p.Window)
	}
	if p.StartWithOne {
		b.WriteString(", one first")
	}
	if p.Force {
		b.WriteString(", force stop")
	}
	if p.MaxErrors == 0 {
		b.WriteString("; the job pauses at the first failed restart.")
	} else {
		fmt.Fprintf(&b, "; the job pauses after %s.", text.Plural(p.MaxErrors+1, "failed restart", "failed restarts"))
	}
	return b.String()
}
