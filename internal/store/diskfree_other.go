//go:build !linux

package store

// diskFree is not measured outside Linux; Ready then checks only SQLite's
// own page limit.
func diskFree(string) (int64, error) { return 0, errNoDiskFree }
