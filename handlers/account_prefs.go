package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/i18n"
)

// commonZones are offered first in the time zone field; any IANA name is
// accepted.
var commonZones = []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
	"Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"}

// SavePreferences keeps the person's language and time zone (POST
// /account/preferences); the language cookie follows.
func (h *Account) SavePreferences(c echo.Context) error {
	code, ok := i18n.Normalize(c.FormValue("language"))
	if !ok {
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"language": request.T(c, "lang.unknown")})
	}
	zone := c.FormValue("time_zone")
	if _, ok := i18n.LoadZone(zone); !ok {
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"time_zone": request.T(c, "account.zone_invalid")})
	}
	ctx, u := c.Request().Context(), request.Get(c).User
	if err := h.prefs.SetPref(ctx, u, PrefLanguage, code); err != nil {
		return err
	}
	if err := h.prefs.SetPref(ctx, u, PrefTimeZone, zone); err != nil {
		return err
	}
	setLangCookie(c, code)
	z, _ := i18n.LoadZone(zone)
	request.Get(c).Loc = i18n.New(code).InZone(z) // the flash speaks the new language
	if err := addFlash(c, "success", request.T(c, "account.prefs_saved")); err != nil {
		return err
	}
	return redirect(c, "/account")
}
