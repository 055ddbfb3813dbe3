package jobs

import (
	"slices"
	"strings"

	"keybind/internal/cloud"
	"keybind/internal/dedupe"
)

// Change is what a job will do to one instance's key, as the review page shows it.
type Change string

// Changes a plan can show.
const (
	ChangeNone     Change = ""          // excluded: nothing is sent
	ChangeNew      Change = "new"       // gets a key where there was none
	ChangeReplace  Change = "replace"   // replaces the current key
	ChangeSame     Change = "same"      // already has this key: left out (ExcludedAlreadyHas) unless the person asks to send it again
	ChangeRemove   Change = "remove"    // unbind: the key is detached, password login returns
	ChangeNotBound Change = "not-bound" // unbind: the key is not on the instance; nothing to detach
)

// ExcludeReason says why an instance will not be touched.
type ExcludeReason string

// Exclusion reasons, in the order they are checked.
const (
	ExcludedNone        ExcludeReason = ""
	ExcludedNotFound    ExcludeReason = "not-found"
	ExcludedWindows     ExcludeReason = "windows"
	ExcludedNotLinux    ExcludeReason = "not-linux"
	ExcludedNotIoOpt    ExcludeReason = "not-io-optimized"
	ExcludedLocked      ExcludeReason = "locked"
	ExcludedNotBoundKey ExcludeReason = "key-not-bound" // unbind: the instance does not have the key
	ExcludedChanged     ExcludeReason = "changed-since" // rollback: the key was changed after the job
	ExcludedUnchanged   ExcludeReason = "unchanged"     // rollback: the job did not change the key
	ExcludedAlreadyHas  ExcludeReason = "already-has"   // bind: the instance already has the key; nothing changes
)

// ExcludeReasons lists every reason in display order.
var ExcludeReasons = []ExcludeReason{ExcludedNotFound, ExcludedWindows, ExcludedNotLinux, ExcludedNotIoOpt, ExcludedLocked,
	ExcludedNotBoundKey, ExcludedChanged, ExcludedUnchanged, ExcludedAlreadyHas}

// Label is the reason in words.
func (r ExcludeReason) Label() string {
	switch r {
	case ExcludedNotFound:
		return "Not found in this region"
	case ExcludedWindows:
		return "Windows (SSH key pairs are Linux only)"
	case ExcludedNotLinux:
		return "Not Linux"
	case ExcludedNotIoOpt:
		return "Not I/O optimized"
	case ExcludedLocked:
		return "Locked for security"
	case ExcludedNotBoundKey:
		return "Does not have this key"
	case ExcludedChanged:
		return "Key changed since the job"
	case ExcludedUnchanged:
		return "The job did not change its key"
	case ExcludedAlreadyHas:
		return "Already has this key (no change)"
	}
	return ""
}

// RestartNeed is what makes a key change take effect on an instance.
type RestartNeed string

// Restart needs.
const (
	NeedNone         RestartNeed = ""              // excluded, or nothing changes
	NeedReboot       RestartNeed = "reboot"        // Running: takes effect after a reboot
	NeedStart        RestartNeed = "start"         // Stopped: takes effect when started
	NeedInTransition RestartNeed = "in-transition" // Starting/Stopping/Pending: cannot be restarted now
)

// NeedFor maps an instance status to its restart need.
func NeedFor(s cloud.Status) RestartNeed {
	switch s {
	case cloud.StatusRunning:
		return NeedReboot
	case cloud.StatusStopped:
		return NeedStart
	}
	return NeedInTransition
}

// PlanRow is one requested instance on the review page.
type PlanRow struct {
	InstanceID, Name, OSName string
	Status                   cloud.Status // "" when not found
	CurrentKey               string       // KeyPairName now ("" = none)
	Action                   KeyAction    // the call to send; ActionNone when excluded
	KeyPair                  string       // the key pair named in the call
	ExpectKey                string       // KeyPairName once the call succeeded
	Change                   Change
	Excluded                 ExcludeReason
	Restart                  RestartNeed
}

// IncludedIDs lists the instances the plan sends calls for.
func (p Plan) IncludedIDs() []string { return includedIDs(p.Rows) }

// Included reports whether a call will be sent for the row.
func (r PlanRow) Included() bool { return r.Excluded == ExcludedNone }

// PlanCounts summarises a plan for the review page.
type PlanCounts struct {
	Requested             int
	Included              int
	PasswordLoginDisabled int // instances with password login on now (no key) that get a key: binding turns it off
	PasswordLoginRestored int // unbind: every instance whose key is detached
	NewKeys               int
	Replacements          int
	AlreadyHave           int // instances that already have the key (left out unless sent again)
	Removals              int
	Reboots               int
	Starts                int
	InTransition          int
	Excluded              int
	ExcludedBy            map[ExcludeReason]int
}

// Plan is the classification of every requested instance for one job.
type Plan struct {
	Kind    Kind
	Account string // the cloud account; "" = cloud.DefaultAccount
	Region  string
	KeyPair string
	Rows    []PlanRow // in request order, duplicates removed
	Counts  PlanCounts
}

// Replaced groups replacement rows by the key they replace ("old key" → count), for "replaces key K on N".
func (p Plan) Replaced() map[string]int {
	out := map[string]int{}
	for _, r := range p.Rows {
		if r.Change == ChangeReplace {
			out[r.CurrentKey]++
		}
	}
	return out
}

// KeyLoss is a key whose holders lose SSH access to some instances: the
// job replaces or removes it there.
type KeyLoss struct {
	Key       string
	Instances int
}

// LosingAccess lists every key the plan replaces or removes, with the
// number of instances its holders lose, most first (then by name).
func (p Plan) LosingAccess() []KeyLoss {
	n := map[string]int{}
	for _, r := range p.Rows {
		if r.Included() && r.CurrentKey != "" && r.CurrentKey != r.ExpectKey {
			n[r.CurrentKey]++
		}
	}
	out := make([]KeyLoss, 0, len(n))
	for k, c := range n {
		out = append(out, KeyLoss{Key: k, Instances: c})
	}
	slices.SortFunc(out, func(a, b KeyLoss) int {
		if a.Instances != b.Instances {
			return b.Instances - a.Instances
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// PlanBind classifies requested instances for binding keyPair, from what InstancesByID found:
// a requested ID it did not return is not found. An instance that already has keyPair is left
// out (ExcludedAlreadyHas): nothing would change on it, and restarting it would be for nothing.
// IncludeSame puts such instances back when the person asks.
func PlanBind(region, keyPair string, requested []string, found []cloud.Instance) Plan {
	return plan(KindBind, region, keyPair, requested, found, func(row *PlanRow, in cloud.Instance) {
		switch in.KeyPairName {
		case "":
			row.Change = ChangeNew
		case keyPair:
			row.Change, row.Excluded = ChangeSame, ExcludedAlreadyHas
			return
		default:
			row.Change = ChangeReplace
		}
		includeBind(row, keyPair, in.Status)
	})
}

func includeBind(row *PlanRow, keyPair string, status cloud.Status) {
	row.Action, row.KeyPair, row.ExpectKey = ActionAttach, keyPair, keyPair
	row.Restart = NeedFor(status)
}

// IncludeSame returns the plan with the instances that already have the
// key included again: the key is sent to them once more and they are
// restarted with the others if the job restarts. Whether the key is in
// effect on them cannot be known (it may have been bound without a
// restart), so only the person can ask for it.
func (p Plan) IncludeSame() Plan {
	rows := slices.Clone(p.Rows)
	for i := range rows {
		if rows[i].Excluded == ExcludedAlreadyHas {
			rows[i].Excluded = ExcludedNone
			includeBind(&rows[i], p.KeyPair, rows[i].Status)
		}
	}
	p.Rows = rows
	p.Counts = countPlan(rows)
	return p
}

// plan classifies requested instances (duplicates and empty IDs dropped, request order kept):
// each found instance that can take a key pair at all is passed to include, which says what the
// job does to it or excludes it.
func plan(kind Kind, region, keyPair string, requested []string, found []cloud.Instance, include func(row *PlanRow, in cloud.Instance)) Plan {
	byID := dedupe.ByKey(found, func(in cloud.Instance) string { return in.ID })
	p := Plan{Kind: kind, Region: region, KeyPair: keyPair}
	for _, id := range dedupe.Slice(requested) {
		if id == "" {
			continue
		}
		in, ok := byID[id]
		row := PlanRow{InstanceID: id}
		if ok {
			row.Name, row.OSName, row.Status, row.CurrentKey = in.Name, in.OSName, in.Status, in.KeyPairName
		}
		if row.Excluded = exclusion(in, ok); row.Included() {
			include(&row, in)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Counts = countPlan(p.Rows)
	return p
}

// exclusion returns why an instance cannot take a key pair, checked in a fixed order.
func exclusion(in cloud.Instance, found bool) ExcludeReason {
	switch {
	case !found:
		return ExcludedNotFound
	case in.IsWindows():
		return ExcludedWindows
	case !strings.EqualFold(in.OSType, "linux"):
		return ExcludedNotLinux
	case !in.IoOptimized:
		return ExcludedNotIoOpt
	case in.SecurityLocked():
		return ExcludedLocked
	}
	return ExcludedNone
}

func countPlan(rows []PlanRow) PlanCounts {
	c := PlanCounts{Requested: len(rows), ExcludedBy: map[ExcludeReason]int{}}
	for _, r := range rows {
		if r.Change == ChangeSame {
			c.AlreadyHave++
		}
		if !r.Included() {
			c.Excluded++
			c.ExcludedBy[r.Excluded]++
			continue
		}
		c.Included++
		switch {
		case r.Action == ActionAttach && r.CurrentKey == "":
			c.PasswordLoginDisabled++ // any key already bound has turned password login off
		case r.Action == ActionDetach:
			c.PasswordLoginRestored++
		}
		switch r.Change {
		case ChangeNew:
			c.NewKeys++
		case ChangeReplace:
			c.Replacements++
		case ChangeRemove:
			c.Removals++
		}
		switch r.Restart {
		case NeedReboot:
			c.Reboots++
		case NeedStart:
			c.Starts++
		case NeedInTransition:
			c.InTransition++
		}
	}
	return c
}
