package handlers

import "time"

// formatTime shows a time in UTC, minute precision, or "—" when unknown.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
