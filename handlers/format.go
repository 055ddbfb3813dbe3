package handlers

import (
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
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
