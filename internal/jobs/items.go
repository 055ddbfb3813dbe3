package jobs

// itemIDs lists the items' instance IDs, in order.
func itemIDs(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.InstanceID
	}
	return out
}
