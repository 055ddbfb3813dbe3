package jobs

import (
	"slices"
	"strings"
)

// Group is a set of item states that people look for together: the result
// grid's summary cards and filters, and the job list's filters. Each group
// is defined once, here, by the key and restart states it holds, so a new
// state joins a group by being added to its lists.
type Group string

// Groups of items. An item can be in more than one (bound and key in
// effect, say), or in none but GroupAll.
const (
	GroupAll       Group = ""
	GroupFailed    Group = "failed"    // the key call failed, or the restart failed, timed out, ended stopped, lost the instance or found another key
	GroupDecision  Group = "decision"  // a reboot or start may or may not have happened: a person decides
	GroupWaiting   Group = "waiting"   // bound; waits for a reboot or start nobody asked for yet
	GroupInMotion  Group = "in-motion" // the key call or the restart is being sent, queued or followed
	GroupBound     Group = "bound"     // the key call is confirmed
	GroupInEffect  Group = "in-effect" // Running after the restart, or marked done by a person
	GroupExcluded  Group = "excluded"  // nothing is sent to it
	GroupCancelled Group = "cancelled" // the job was cancelled before its key call or restart was sent
)

// groupDef lists the states of one group: an item is in it when its key
// state or its restart state is listed.
type groupDef struct {
	label    string
	keys     []KeyState
	restarts []RestartState
}

var groupDefs = map[Group]groupDef{
	GroupFailed: {label: "Failed", keys: []KeyState{KeyFailed},
		restarts: []RestartState{RestartFailed, RestartTimedOut, RestartEndedStopped, RestartDisappeared, RestartKeyReplaced}},
	GroupDecision: {label: "Need a decision", restarts: []RestartState{RestartNeedsDecision}},
	GroupWaiting:  {label: "Wait for a restart", restarts: []RestartState{RestartNeedsReboot, RestartNeedsStart}},
	GroupInMotion: {label: "In progress", keys: []KeyState{KeyPending, KeyAttempting, KeyApplied},
		restarts: []RestartState{RestartInTransition, RestartQueued, RestartRequested, RestartInProgress}},
	GroupBound:     {label: "Bound", keys: []KeyState{KeyDone}},
	GroupInEffect:  {label: "Key in effect", restarts: []RestartState{RestartKeyInEffect, RestartMarkedDone}},
	GroupExcluded:  {label: "Excluded", keys: []KeyState{KeyExcluded}},
	GroupCancelled: {label: "Cancelled", keys: []KeyState{KeyCancelled}, restarts: []RestartState{RestartCancelled}},
}

// Groups lists the groups in the order the grid shows them, GroupAll first.
var Groups = []Group{GroupAll, GroupFailed, GroupDecision, GroupWaiting, GroupInMotion, GroupBound, GroupInEffect, GroupExcluded, GroupCancelled}

// Valid reports whether g is a known group.
func (g Group) Valid() bool { _, ok := groupDefs[g]; return ok || g == GroupAll }

// Label is the group in words, as a card's caption.
func (g Group) Label() string {
	if g == GroupAll {
		return "All"
	}
	return groupDefs[g].label
}

// Has reports whether the item is in the group.
func (g Group) Has(it Item) bool {
	if g == GroupAll {
		return true
	}
	d := groupDefs[g]
	return slices.Contains(d.keys, it.Key) || slices.Contains(d.restarts, it.Restart)
}

// sql is the group as a condition over job_items (t is the table's alias,
// "" for none). It holds only the constant states listed above.
func (g Group) sql(t string) string {
	if g == GroupAll {
		return "1 = 1"
	}
	if t != "" {
		t += "."
	}
	d := groupDefs[g]
	var or []string
	if len(d.keys) > 0 {
		or = append(or, t+"key_state IN ("+quoted(d.keys)+")")
	}
	if len(d.restarts) > 0 {
		or = append(or, t+"restart_state IN ("+quoted(d.restarts)+")")
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// quoted lists constant states as SQL string literals.
func quoted[S ~string](states []S) string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = "'" + strings.ReplaceAll(string(s), "'", "''") + "'"
	}
	return strings.Join(out, ", ")
}
