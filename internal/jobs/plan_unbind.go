package jobs

import "keybind/internal/cloud"

// PlanUnbind classifies requested instances for detaching keyPair. Instances that do not have
// keyPair are excluded: DetachKeyPair would change nothing on them.
func PlanUnbind(region, keyPair string, requested []string, found []cloud.Instance) Plan {
	return plan(KindUnbind, region, keyPair, requested, found, func(row *PlanRow, in cloud.Instance) {
		if in.KeyPairName != keyPair {
			row.Excluded, row.Change = ExcludedNotBoundKey, ChangeNotBound
			return
		}
		row.Action, row.KeyPair, row.ExpectKey, row.Change = ActionDetach, keyPair, "", ChangeRemove
		row.Restart = NeedFor(in.Status)
	})
}
