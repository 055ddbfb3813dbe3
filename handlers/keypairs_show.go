package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/views"
)

// KeyPairShow is a key pair's own page: type, both fingerprints, the
// instances that use it, and (for administrators) deleting it.
type KeyPairShow struct{ keys KeyPairReader }

// NewKeyPairShow builds the key pair page.
func NewKeyPairShow(k KeyPairReader) *KeyPairShow { return &KeyPairShow{keys: k} }

// Show renders the key pair named by the query.
func (h *KeyPairShow) Show(c echo.Context) error {
	d, err := h.keys.Detail(c.Request().Context(), c.QueryParam("region"), c.QueryParam("name"))
	if err != nil {
		return notAKeyPairName(c, err)
	}
	p := views.KeyPairShowPage{Page: page(c, request.T(c, "kps2.title", "Key", d.KeyPair.Name), "keypairs"), Key: keyPairDetail(c, d),
		CanDelete: request.Get(c).User.Role.Can(auth.PermDeleteKeys)}
	return render(c, http.StatusOK, views.KeyPairShow(p))
}
