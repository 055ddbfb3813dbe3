// Package dedupe removes repeats from a list, keeping the first occurrence
// of each value in place: the one de-duplication of instance IDs and key
// pair names that the gateway, the job plans and the sandbox share.
package dedupe

// Slice returns s without repeats, first occurrence first. It allocates a
// new slice; s is not changed.
func Slice[T comparable](s []T) []T {
	seen := make(map[T]struct{}, len(s))
	out := make([]T, 0, len(s))
	for _, v := range s {
		if _, ok := seen[v]; ok {
			continue
		}
		seen[v] = struct{}{}
		out = append(out, v)
	}
	return out
}

// ByKey indexes s by key; of values with the same key, the last wins.
func ByKey[K comparable, T any](s []T, key func(T) K) map[K]T {
	m := make(map[K]T, len(s))
	for _, v := range s {
		m[key(v)] = v
	}
	return m
}
