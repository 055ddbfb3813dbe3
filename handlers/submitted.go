package handlers

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
)

// The last review a person submitted, per session: reloading that review
// (its selection is empty now) leads to the job it made instead of back
// to the picker. Only the last one is kept.

const submittedKey = "submitted"

// flowKey names a review: its kind, region and key pair.
func flowKey(kind, region, key string) string { return kind + " " + region + " " + key }

// rememberSubmitted records that the review named flow made job id.
func rememberSubmitted(c echo.Context, flow string, id int64) error {
	st := request.Get(c)
	if st.Session == nil {
		return nil
	}
	st.Session.Values[submittedKey] = flow + "\n" + strconv.FormatInt(id, 10)
	return st.Session.Save(c.Request(), c.Response())
}

// submittedJob is the job the review named flow made, or 0.
func submittedJob(c echo.Context, flow string) int64 {
	st := request.Get(c)
	if st.Session == nil {
		return 0
	}
	raw, _ := st.Session.Values[submittedKey].(string)
	f, id, ok := strings.Cut(raw, "\n")
	if !ok || f != flow {
		return 0
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}
