package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/views"
)

// KeyPairDeleter deletes key pairs. ECS does not unbind them: instances
// keep the key and keep reporting its name.
type KeyPairDeleter interface {
	DeleteKeyPairs(ctx context.Context, region string, names []string) error
}

// KeyPairDelete deletes a key pair (administrators only). While instances
// use it, it is refused with the count unless the administrator confirms
// for at least that many instances.
type KeyPairDelete struct {
	show  *KeyPairShow
	cloud KeyPairDeleter
	audit KeyAudit
}

// NewKeyPairDelete builds the delete action; show reads the key pair and its usage.
func NewKeyPairDelete(show *KeyPairShow, d KeyPairDeleter, a KeyAudit) *KeyPairDelete {
	return &KeyPairDelete{show: show, cloud: d, audit: a}
}

// Delete deletes the key pair named in the form.
func (h *KeyPairDelete) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	if err := h.audit.Authorize(ctx, a, auth.PermDeleteKeys); err != nil {
		return err
	}
	region, err := h.show.regions.lookup(ctx, c.FormValue("region"))
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	if !existingKeyName(name) {
		return apperr.BadRequest("That is not a key pair name.")
	}
	confirmed := -1
	if s := c.FormValue("confirm_in_use"); s != "" {
		if confirmed, err = strconv.Atoi(s); err != nil || confirmed < 0 {
			return apperr.BadRequest("The confirmation is not a number of instances.")
		}
	}
	d, err := h.show.detail(c, region, name)
	if err != nil {
		return err
	}
	if d.InUse < 0 {
		return apperr.Unavailable("keybind could not count the instances that use " + name + ", so it did not delete it. Try again in a moment.")
	}
	if d.InUse > 0 && confirmed < d.InUse {
		p := views.KeyPairDeleteRefusedPage{Page: page(c, "Key pair "+name+" is in use", "keypairs"), Key: d}
		return render(c, http.StatusConflict, views.KeyPairDeleteRefused(p))
	}

	w := keyWrite{audit: h.audit, actor: a, action: "DeleteKeyPairs", region: region.ID, name: name}
	detail := fmt.Sprintf("MD5 %s; used by %d instances", d.MD5, d.InUse)
	if d.InUse > 0 {
		detail += " (confirmed: they keep the key until it is replaced)"
	}
	if err := w.intent(ctx, detail); err != nil {
		return err
	}
	callErr := h.cloud.DeleteKeyPairs(ctx, region.ID, []string{name})
	if err := w.outcome(ctx, callErr, detail); err != nil {
		State(c).Logger.Error("audit key pair deletion", "region", region.ID, "err", err)
	}
	if callErr != nil {
		State(c).Logger.Warn("delete key pair", "region", region.ID, "err", callErr)
		if maybeDone(callErr) {
			return apperr.Unavailable("It is not known whether " + name + " was deleted: " + cloudMessage(callErr) + " Look at the key pair list before you try again.").Wrap(callErr)
		}
		return apperr.New(http.StatusBadGateway, "cloud_error", name+" was not deleted: "+cloudMessage(callErr)).Wrap(callErr)
	}
	msg := "Deleted key pair " + name + "."
	if d.InUse > 0 {
		msg += fmt.Sprintf(" The %s that use it keep the key until it is replaced.", plural(d.InUse, "instance", "instances"))
	}
	if err := addFlash(c, "success", msg); err != nil {
		return err
	}
	return redirect(c, keyListURL(region.ID))
}
