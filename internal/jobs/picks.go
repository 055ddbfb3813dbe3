package jobs

// Picks reports whether RestartAll of this kind queues the item: the bulk
// buttons count these and their confirmation lists them (rebootPickSQL and
// startPickSQL say the same in SQL).
func (k RestartAllKind) Picks(it Item) bool {
	switch o := it.CanRestart(); k {
	case RebootAllRunning:
		return o == OpReboot && it.Restart == RestartNeedsReboot
	case StartAllStopped:
		return o == OpStart
	}
	return false
}

// Op is the restart the kind sends.
func (k RestartAllKind) Op() RestartOp {
	if k == StartAllStopped {
		return OpStart
	}
	return OpReboot
}
