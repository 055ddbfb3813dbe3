package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/accounts"
	"keybind/internal/auth"
	"keybind/views"
)

// UsableAccounts lists the cloud accounts a person may work in;
// *accounts.Service provides it.
type UsableAccounts interface {
	Usable(ctx context.Context, actor auth.Actor) ([]accounts.Account, error)
}

// AccountChoose lets a person choose the cloud account they work in; the
// choice itself is a GET with ?account=, which the web layer checks and
// remembers.
type AccountChoose struct{ accounts UsableAccounts }

// NewAccountChoose builds the chooser.
func NewAccountChoose(a UsableAccounts) *AccountChoose { return &AccountChoose{accounts: a} }

// Show lists the accounts the person may use, each leading to next.
func (h *AccountChoose) Show(c echo.Context) error {
	usable, err := h.accounts.Usable(c.Request().Context(), request.Actor(c, auth.ViaWeb))
	if err != nil {
		return err
	}
	// The account is the one query parameter the choice adds: what the
	// page asked in another account (a region) may not exist in this one.
	next, _, _ := strings.Cut(safeNext(c.QueryParam("next")), "?")
	p := views.AccountChoosePage{Page: page(c, "Choose a cloud account", "accounts-choose"), Next: next}
	cur := request.Get(c).Account
	for _, a := range usable {
		p.Choices = append(p.Choices, views.AccountChoice{Name: a.Name, Kind: kindWords[a.Kind], Current: a.Name == cur})
	}
	return render(c, http.StatusOK, views.AccountChoose(p))
}
