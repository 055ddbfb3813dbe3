package handlers

import (
	"time"

	"keybind/internal/text"
)

// formatTime shows a time in UTC, minute precision, or "—" when unknown.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ago says how long before now t was, for a person: "just now", "12
// seconds ago", "3 minutes ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 2*time.Second:
		return "just now"
	case d < 2*time.Minute:
		return text.Plural(int(d/time.Second), "second", "seconds") + " ago"
	case d < 2*time.Hour:
		return text.Plural(int(d/time.Minute), "minute", "minutes") + " ago"
	}
	return "at " + formatTime(t)
}
