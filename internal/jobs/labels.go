package jobs

// opLabels words the restart states whose words depend on the operation:
// for a reboot, for a start.
var opLabels = map[RestartState][2]string{
	RestartQueued:     {"Reboot queued", "Start queued"},
	RestartRequested:  {"Reboot requested", "Start requested"},
	RestartInProgress: {"Rebooting", "Starting"},
}

// RestartLabel is the item's restart state in words the grid can show.
func (it Item) RestartLabel() string {
	if w, ok := opLabels[it.Restart]; ok {
		if it.Op == OpStart {
			return w[1]
		}
		return w[0]
	}
	switch it.Restart {
	case RestartNone:
		return "n/a"
	case RestartInTransition:
		return "In transition (cannot restart now)"
	case RestartNeedsReboot:
		return "Needs reboot"
	case RestartNeedsStart:
		return "Needs start"
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
