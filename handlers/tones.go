package handlers

import (
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/store"
	"keybind/views/components"
)

// The colours of states. Colour only adds to the words, which are always
// shown; a state a table does not name takes its default.
var (
	statusTones = map[cloud.Status]components.Tone{cloud.StatusRunning: components.ToneOK, cloud.StatusStopped: components.ToneMuted}
	resultTones = map[jobs.KeyState]components.Tone{
		jobs.KeyDone: components.ToneOK, jobs.KeyFailed: components.ToneBad,
		jobs.KeyPending: components.ToneInfo, jobs.KeyAttempting: components.ToneInfo, jobs.KeyApplied: components.ToneInfo,
	}
	restartTones = map[jobs.RestartState]components.Tone{
		jobs.RestartKeyInEffect: components.ToneOK, jobs.RestartMarkedDone: components.ToneOK,
		jobs.RestartNeedsReboot: components.ToneWarn, jobs.RestartNeedsStart: components.ToneWarn, jobs.RestartNeedsDecision: components.ToneWarn,
		jobs.RestartEndedStopped: components.ToneBad, jobs.RestartDisappeared: components.ToneBad,
		jobs.RestartTimedOut: components.ToneBad, jobs.RestartFailed: components.ToneBad, jobs.RestartKeyReplaced: components.ToneBad,
		jobs.RestartCancelled: components.ToneMuted,
		jobs.RestartNone:      components.ToneMuted, jobs.RestartNotNeeded: components.ToneMuted,
	}
	// cardTones colour the grid's cards that hold what needs people.
	cardTones = map[jobs.Group]components.Tone{
		jobs.GroupFailed: components.ToneBad, jobs.GroupDecision: components.ToneWarn, jobs.GroupWaiting: components.ToneWarn,
	}
	stateTones = map[jobs.State]components.Tone{jobs.StateDone: components.ToneOK, jobs.StateNeedsAttention: components.ToneWarn,
		jobs.StatePaused: components.ToneWarn, jobs.StateCancelled: components.ToneMuted}
	outcomeTones = map[string]components.Tone{
		store.OutcomeSuccess: components.ToneOK, store.OutcomeFailure: components.ToneBad, store.OutcomeDenied: components.ToneWarn,
	}
)

// tone is k's colour in table, or def.
func tone[K comparable](table map[K]components.Tone, k K, def components.Tone) components.Tone {
	if t, ok := table[k]; ok {
		return t
	}
	return def
}

func statusTone(s cloud.Status) components.Tone  { return tone(statusTones, s, components.ToneInfo) }
func resultTone(k jobs.KeyState) components.Tone { return tone(resultTones, k, components.ToneMuted) }
func restartTone(s jobs.RestartState) components.Tone {
	return tone(restartTones, s, components.ToneInfo)
}
func stateTone(s jobs.State) components.Tone { return tone(stateTones, s, components.ToneInfo) }
func outcomeTone(o string) components.Tone   { return tone(outcomeTones, o, components.ToneInfo) }
