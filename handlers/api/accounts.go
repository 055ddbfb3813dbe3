package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/accounts"
	"keybind/internal/auth"
)

// UsableAccounts lists the cloud accounts an actor may work in;
// *accounts.Service provides it.
type UsableAccounts interface {
	Usable(ctx context.Context, actor auth.Actor) ([]accounts.Account, error)
}

// Accounts lists the cloud accounts the caller may work in.
type Accounts struct{ accounts UsableAccounts }

// NewAccounts builds GET /api/v1/accounts.
func NewAccounts(a UsableAccounts) *Accounts { return &Accounts{accounts: a} }

// List answers the accounts the caller may name in ?account= and in a job's "account".
func (h *Accounts) List(c echo.Context) error {
	if err := onlyQuery(c); err != nil {
		return err
	}
	usable, err := h.accounts.Usable(c.Request().Context(), request.Actor(c, auth.ViaAPI))
	if err != nil {
		return err
	}
	out := struct {
		Items []accounts.Account `json:"items"`
	}{Items: usable}
	if out.Items == nil {
		out.Items = []accounts.Account{}
	}
	return c.JSON(http.StatusOK, out)
}
