package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/keypairs"
	"keybind/views"
)

// KeyPairDeleter deletes a key pair, guarded while instances use it;
// *keypairs.Service provides it.
type KeyPairDeleter interface {
	Delete(ctx context.Context, actor auth.Actor, regionID, name string, confirmed int) (keypairs.Detail, error)
}

// KeyPairDelete deletes a key pair (administrators only). While instances
// use it, it is refused with the count unless the administrator confirms
// for at least that many instances.
type KeyPairDelete struct{ keys KeyPairDeleter }

// NewKeyPairDelete builds the delete action.
func NewKeyPairDelete(k KeyPairDeleter) *KeyPairDelete { return &KeyPairDelete{keys: k} }

// Delete deletes the key pair named in the form.
func (h *KeyPairDelete) Delete(c echo.Context) error {
	confirmed := -1
	if s := c.FormValue("confirm_in_use"); s != "" {
		var err error
		if confirmed, err = strconv.Atoi(s); err != nil || confirmed < 0 {
			return apperr.BadRequest(request.T(c, "kpw.confirm_nan"))
		}
	}
	name := c.FormValue("name")
	d, err := h.keys.Delete(c.Request().Context(), request.Actor(c, auth.ViaWeb), c.FormValue("region"), name, confirmed)
	var inUse *keypairs.InUseError
	var we *keypairs.WriteError
	switch {
	case errors.As(err, &inUse):
		p := views.KeyPairDeleteRefusedPage{Page: page(c, request.T(c, "kps.not_deleted", "Key", name), "keypairs"), Key: keyPairDetail(c, inUse.Detail)}
		return render(c, http.StatusConflict, views.KeyPairDeleteRefused(p))
	case errors.Is(err, keypairs.ErrUsageUnknown):
		return apperr.Unavailable(request.T(c, "kpw.usage_unknown", "Key", name)).Wrap(err)
	case errors.As(err, &we) && we.Reason == keypairs.ReasonUnknown:
		return apperr.Unavailable(request.T(c, "kpw.delete_unknown", "Key", name, "Reason", cloudMessage(c, we.Err))).Wrap(err)
	case errors.As(err, &we):
		return apperr.New(http.StatusBadGateway, "cloud_error", request.T(c, "kpw.not_deleted", "Key", name, "Reason", cloudMessage(c, we.Err))).Wrap(err)
	case err != nil:
		return notAKeyPairName(c, err)
	}
	msg := request.T(c, "kpw.deleted", "Key", name)
	if d.InUse > 0 {
		msg = request.T(c, "kpw.deleted_in_use", "Key", name, "Count", d.InUse)
	}
	if err := addFlash(c, "success", msg); err != nil {
		return err
	}
	return redirect(c, keyListURL(d.Region.ID))
}
