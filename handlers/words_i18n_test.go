package handlers

import (
	"testing"

	"keybind/internal/i18n"
	"keybind/internal/jobs"
)

// Every state, group, filter, sort and exclusion reason the domain knows
// has words in the catalogue (a new state without words fails here).
func TestDomainStatesHaveWords(t *testing.T) {
	var ids []string
	for _, g := range jobs.Groups {
		if g != jobs.GroupAll {
			ids = append(ids, "group."+string(g))
		}
	}
	for _, s := range jobs.JobStates {
		if s != jobs.JobsAll {
			ids = append(ids, "jobs_filter."+string(s))
		}
	}
	for _, r := range jobs.ExcludeReasons {
		ids = append(ids, "exclude."+string(r))
	}
	for _, s := range jobs.GridSorts {
		ids = append(ids, "sort."+gridSortLabels[s])
	}
	for _, s := range []jobs.State{jobs.StateRunning, jobs.StateWaitingRestart, jobs.StateNeedsAttention, jobs.StateDone,
		jobs.StatePaused, jobs.StateCancelling, jobs.StateCancelled} {
		ids = append(ids, "job_state."+string(s))
	}
	for _, r := range []jobs.RestartState{jobs.RestartInTransition, jobs.RestartNeedsReboot, jobs.RestartNeedsStart,
		jobs.RestartKeyInEffect, jobs.RestartEndedStopped, jobs.RestartDisappeared, jobs.RestartTimedOut, jobs.RestartNeedsDecision,
		jobs.RestartMarkedDone, jobs.RestartNotNeeded, jobs.RestartFailed, jobs.RestartKeyReplaced, jobs.RestartCancelled} {
		ids = append(ids, "restart."+string(r))
	}
	for _, r := range []jobs.RestartState{jobs.RestartQueued, jobs.RestartRequested, jobs.RestartInProgress} {
		ids = append(ids, "restart."+string(r)+"_start", "restart."+string(r)+"_reboot")
	}
	for _, id := range ids {
		if !i18n.Has(id) {
			t.Errorf("no words for %s", id)
		}
	}
}

// The English words of the domain's labels and the catalogue's agree, so
// pages in English read as they did.
func TestEnglishWordsMatchTheDomain(t *testing.T) {
	en := i18n.New(i18n.English)
	for _, r := range jobs.ExcludeReasons {
		if got, want := en.T("exclude."+string(r)), r.Label(); got != want {
			t.Errorf("exclude.%s = %q, domain says %q", r, got, want)
		}
	}
	for _, g := range jobs.Groups {
		if g == jobs.GroupAll {
			continue
		}
		if got, want := en.T("group."+string(g)), g.Label(); got != want {
			t.Errorf("group.%s = %q, domain says %q", g, got, want)
		}
	}
	for _, s := range jobs.JobStates {
		if s == jobs.JobsAll {
			continue
		}
		if got, want := en.T("jobs_filter."+string(s)), s.Label(); got != want {
			t.Errorf("jobs_filter.%s = %q, domain says %q", s, got, want)
		}
	}
}
