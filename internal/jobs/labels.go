package jobs

// RestartLabel is the item's restart state in words the grid can show.
func (it Item) RestartLabel() string {
	switch it.Restart {
	case RestartNone:
		return "n/a"
	case RestartInTransition:
		return "In transition (cannot restart now)"
	case RestartNeedsReboot:
		return "Needs reboot"
	case RestartNeedsStart:
		return "Needs start"
	case RestartQueued:
		if it.Op == OpStart {
			return "Start queued"
		}
		return "Reboot queued"
	case RestartRequested:
		if it.Op == OpStart {
			return "Start requested"
		}
		return "Reboot requested"
	case RestartInProgress:
		if it.Op == OpStart {
			return "Starting"
		}
		return "Rebooting"
	case RestartKeyInEffect:
		if it.Action == ActionDetach {
			return "Running — key removed, password login on"
		}
		return "Running — key in effect"
	case RestartEndedStopped:
		return "Ended stopped"
	case RestartDisappeared:
		return "Disappeared"
	case RestartTimedOut:
		return "Timed out"
	case RestartNeedsDecision:
		return "Needs operator decision"
	case RestartMarkedDone:
		return "Marked done by an operator"
	case RestartNotNeeded:
		return "Not needed"
	case RestartKeyReplaced:
		if it.ReplacedBy == "" {
			return "Running — key removed by someone else"
		}
		return "Running — key replaced by " + it.ReplacedBy
	case RestartCancelled:
		return "Cancelled"
	case RestartFailed:
		if it.RestartMessage != "" {
			return "Restart failed: " + it.RestartMessage
		}
		return "Restart failed"
	}
	return string(it.Restart)
}

// Past is the operation in the past tense: "rebooted", "started".
func (o RestartOp) Past() string {
	if o == OpStart {
		return "started"
	}
	return "rebooted"
}
