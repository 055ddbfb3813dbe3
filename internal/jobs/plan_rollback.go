package jobs

import (
	"keybind/internal/cloud"
	"keybind/internal/dedupe"
)

// PlanRollback classifies the bound items of an earlier job for putting back each instance's
// previous key: attach the previous key pair, or detach the job's key where there was none.
// found is what InstancesByID returned for the items' IDs. Items whose key is no longer the one
// the job set are excluded: someone changed it since.
func PlanRollback(region string, items []Item, found []cloud.Instance) Plan {
	byID := dedupe.ByKey(found, func(in cloud.Instance) string { return in.ID })
	p := Plan{Kind: KindRollback, Region: region}
	for _, it := range items {
		if it.Key != KeyDone {
			continue
		}
		in, ok := byID[it.InstanceID]
		row := PlanRow{InstanceID: it.InstanceID, Name: it.Name, OSName: it.OSName}
		if ok {
			row.Name, row.OSName, row.Status, row.CurrentKey = in.Name, in.OSName, in.Status, in.KeyPairName
		}
		row.Excluded = exclusion(in, ok)
		switch {
		case !row.Included():
		case in.KeyPairName != it.ExpectKey:
			row.Excluded = ExcludedChanged
		case it.PreviousKey == it.ExpectKey:
			row.Excluded = ExcludedUnchanged
		case it.PreviousKey != "":
			row.Action, row.KeyPair, row.ExpectKey, row.Change = ActionAttach, it.PreviousKey, it.PreviousKey, ChangeReplace
			if in.KeyPairName == "" {
				row.Change = ChangeNew
			}
		default:
			row.Action, row.KeyPair, row.ExpectKey, row.Change = ActionDetach, in.KeyPairName, "", ChangeRemove
		}
		if row.Included() {
			row.Restart = NeedFor(in.Status)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Counts = countPlan(p.Rows)
	return p
}
