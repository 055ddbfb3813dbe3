package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/views"
)

// AccountChoose lets a person choose the cloud account they work in; the
// choice itself is a GET with ?account=, which the web layer checks and
// remembers.
type AccountChoose struct{}

// Show lists the accounts the person may use (the web layer read them for
// this request), each leading to next.
func (AccountChoose) Show(c echo.Context) error {
	usable := request.Get(c).Usable
	// The account is the one query parameter the choice adds: what the
	// page asked in another account (a region) may not exist in this one.
	next, _, _ := strings.Cut(safeNext(c.QueryParam("next")), "?")
	p := views.AccountChoosePage{Page: page(c, request.T(c, "acct.choose_title"), "accounts-choose"), Next: next}
	cur := request.Get(c).Account
	for _, a := range usable {
		p.Choices = append(p.Choices, views.AccountChoice{Name: a.Name, Kind: kindWords(c, a.Kind), Current: a.Name == cur})
	}
	return render(c, http.StatusOK, views.AccountChoose(p))
}
