package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/keypairs"
	"keybind/internal/text"
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
			return apperr.BadRequest("The confirmation is not a number of instances.")
		}
	}
	name := c.FormValue("name")
	d, err := h.keys.Delete(c.Request().Context(), request.Actor(c, auth.ViaWeb), c.FormValue("region"), name, confirmed)
	var inUse *keypairs.InUseError
	var we *keypairs.WriteError
	switch {
	case errors.As(err, &inUse):
		p := views.KeyPairDeleteRefusedPage{Page: page(c, "Key pair "+name+" is in use", "keypairs"), Key: keyPairDetail(c, inUse.Detail)}
		return render(c, http.StatusConflict, views.KeyPairDeleteRefused(p))
	case errors.Is(err, keypairs.ErrUsageUnknown):
		return apperr.Unavailable("keybind could not count the instances that use " + name + ", so it did not delete it. Try again in a moment.").Wrap(err)
	case errors.As(err, &we) && we.Reason == keypairs.ReasonUnknown:
		return apperr.Unavailable("It is not known whether " + name + " was deleted: " + apperr.CloudMessage(we.Err) + " Look at the key pair list before you try again.").Wrap(err)
	case errors.As(err, &we):
		return apperr.New(http.StatusBadGateway, "cloud_error", name+" was not deleted: "+apperr.CloudMessage(we.Err)).Wrap(err)
	case err != nil:
		return notAKeyPairName(err)
	}
	msg := "Deleted key pair " + name + "."
	if d.InUse > 0 {
		msg += fmt.Sprintf(" The %s that use it keep the key until it is replaced.", text.Plural(d.InUse, "instance", "instances"))
	}
	if err := addFlash(c, "success", msg); err != nil {
		return err
	}
	return redirect(c, keyListURL(d.Region.ID))
}
