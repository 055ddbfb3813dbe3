package handlers

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/i18n"
	"keybind/internal/jobs"
)

// formatTime shows a time in the person's time zone (UTC unless they chose
// one), minute precision, or "—" when unknown. Exports and the API use UTC.
func formatTime(c echo.Context, t time.Time) string { return request.Loc(c).Time(t) }

// ago says how long before now t was, for a person: "just now", "12
// seconds ago", "3 minutes ago".
func ago(c echo.Context, t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 2*time.Second:
		return request.T(c, "ago.just_now")
	case d < 2*time.Minute:
		return request.T(c, "ago.seconds", "Count", int(d/time.Second))
	case d < 2*time.Hour:
		return request.T(c, "ago.minutes", "Count", int(d/time.Minute))
	}
	return request.T(c, "ago.at", "Time", formatTime(c, t))
}

// utcTimes makes the rest of the request show times in UTC: exports are
// read by programs and by people in other time zones.
func utcTimes(c echo.Context) {
	st := request.Get(c)
	st.Loc = request.Loc(c).InZone(time.UTC)
}

// cloudMessage is the plain-language words for a failed cloud call, in the
// person's language.
func cloudMessage(c echo.Context, err error) string {
	return request.Loc(c).English(apperr.CloudMessage(err))
}

// excludeLabel says why an instance is left out, in the person's language.
func excludeLabel(c echo.Context, r jobs.ExcludeReason) string {
	if r == jobs.ExcludedNone {
		return ""
	}
	return request.T(c, "exclude."+string(r))
}

// sentences joins whole sentences, skipping empty ones, with the space the
// language puts between them (none in Chinese).
func sentences(c echo.Context, list []string) string {
	var out []string
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return request.Loc(c).Sentences(out)
}

// firstFew keeps the first n entries of list and says how many more
// there are, in the person's language.
func firstFew(c echo.Context, list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], request.T(c, "list.more", "Count", len(list)-n))
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// stableWords makes the rest of the request speak English in UTC: JSON
// exports are read by programs, like the API.
func stableWords(c echo.Context) {
	request.Get(c).Loc = i18n.New(i18n.English)
}

// csvHeader is a CSV export's header row in the person's language: the
// English one names columns as programs read them.
func csvHeader(c echo.Context, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if n == "id" { // a reserved word of the catalogue's format
			n = "job_number"
		}
		out[i] = request.T(c, "csv."+n)
	}
	return out
}

// ruleWords says which rule a field broke (auth.ValidationError), as a
// sentence in the person's language: "The username must start with a
// letter."
func ruleWords(c echo.Context, field, rule string) string {
	id := "rule.field_" + field
	if !i18n.Has(id) {
		id = "rule.field_value"
	}
	return request.T(c, id, "Rule", request.Loc(c).English(rule))
}

// localMessage is an edge error's message in the person's language.
func localMessage(c echo.Context, e *apperr.Error) string {
	if e.ID != "" && i18n.Has(e.ID) {
		return request.T(c, e.ID, e.Args...)
	}
	return request.Loc(c).English(e.Message)
}
