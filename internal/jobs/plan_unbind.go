package jobs

import "keybind/internal/cloud"

// PlanUnbind classifies requested instances for detaching keyPair. Instances that do not have
// keyPair are excluded: DetachKeyPair would change nothing on them.
func PlanUnbind(region, keyPair string, requested []string, found []cloud.Instance, missing []string) Plan {
	_ = missing
	byID := make(map[string]cloud.Instance, len(found))
	for _, in := range found {
		byID[in.ID] = in
	}
	p := Plan{Kind: KindUnbind, Region: region, KeyPair: keyPair}
	for _, id := range dedupe(requested) {
		in, ok := byID[id]
		row := PlanRow{InstanceID: id}
		if ok {
			row.Name, row.OSName, row.Status, row.CurrentKey = in.Name, in.OSName, in.Status, in.KeyPairName
		}
		row.Excluded = exclusion(in, ok)
		if row.Included() && in.KeyPairName != keyPair {
			row.Excluded, row.Change = ExcludedNotBoundKey, ChangeNotBound
		}
		if row.Included() {
			row.Action, row.KeyPair, row.ExpectKey, row.Change = ActionDetach, keyPair, "", ChangeRemove
			row.Restart = NeedFor(in.Status)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Counts = countPlan(p.Rows)
	return p
}
