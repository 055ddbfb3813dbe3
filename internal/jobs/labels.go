package jobs

// KeyLabel is the item's key state in words the grid can show.
func (it Item) KeyLabel() string {
	switch it.Key {
	case KeyExcluded:
		return "Excluded: " + it.ExcludeReason.Label()
	case KeyPending:
		return "Waiting"
	case KeyAttempting:
		return "Sending"
	case KeyApplied:
		return "Confirming"
	case KeyDone:
		switch {
		case it.Action == ActionDetach:
			return "Key removed"
		case it.Change == ChangeSame:
			return "Bound (already had it)"
		}
		return "Bound"
	case KeyFailed:
		if it.KeyMessage != "" {
			return "Failed: " + it.KeyMessage
		}
		return "Failed"
	}
	return string(it.Key)
}

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
			return "Start requested (waiting for its wave)"
		}
		return "Reboot requested (waiting for its wave)"
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
	case RestartFailed:
		if it.RestartMessage != "" {
			return "Restart failed: " + it.RestartMessage
		}
		return "Restart failed"
	}
	return string(it.Restart)
}
