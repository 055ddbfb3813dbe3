package jobs

import (
	"fmt"
	"time"

	"keybind/internal/text"
)

// The grid's words for an item beyond its states: why it waits, and what
// its restart column says before there is a restart to speak of.

// RestartWords is the restart column in words: RestartLabel, except that
// an item with no restart state says why instead of "n/a".
func (it Item) RestartWords() string {
	if it.Restart != RestartNone {
		return it.RestartLabel()
	}
	switch it.Key {
	case KeyPending, KeyAttempting, KeyApplied:
		return "After the key is bound"
	case KeyDone:
		return "Nothing to restart"
	}
	return "Not restarted"
}

// RetryWords says why an item waits to be tried again after the cloud
// throttled, refused or failed its key call or its restart, with the
// attempts made and the next try (in UTC); "" when it does not wait for that.
func (it Item) RetryWords() string {
	switch {
	case it.Key == KeyPending && it.KeyAttempts > 0 && it.KeyCode != "":
		return retryWords("key call", it.KeyAttempts, it.KeyCode, it.KeyMessage, it.KeyNextAt)
	case it.Restart == RestartQueued && it.RestartAttempts > 0 && it.RestartCode != "":
		return retryWords(orWords(string(it.Op), "restart"), it.RestartAttempts, it.RestartCode, it.RestartMessage, it.NextAt)
	}
	return ""
}

// Words says why the items are held up, in one sentence.
func (h HeldUp) Words() string {
	if h.Items == 0 {
		return ""
	}
	return fmt.Sprintf("Held up: %s to be tried again. %s (%s, up to %s so far). Next try %s.",
		text.Plural(h.Items, "instance waits", "instances wait"), orWords(h.Message, "The cloud refused or failed the call."), h.Code,
		text.Plural(h.Attempts, "attempt", "attempts"), clock(h.NextAt))
}

func retryWords(what string, n int, code, msg string, next time.Time) string {
	return fmt.Sprintf("The %s failed %s: %s (%s). Next try %s.", what, times(n), orWords(msg, "the cloud refused or failed it"), code, clock(next))
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return text.Plural(n, "time", "times")
}

// clock is a next try's time of day in UTC, or "soon" when it is due.
func clock(t time.Time) string {
	if t.IsZero() {
		return "soon"
	}
	return "at " + t.UTC().Format("15:04:05") + " UTC"
}

func orWords(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
