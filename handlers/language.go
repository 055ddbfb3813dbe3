package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/i18n"
)

// LangCookie remembers the language chosen with the switch, before and
// without sign-in.
const LangCookie = "keybind-lang"

// The preferences (auth.Service.SetPref) that hold a person's language and
// time zone.
const (
	PrefLanguage = "language"
	PrefTimeZone = "time_zone"
)

// langCookieAge keeps the language chosen for a year.
const langCookieAge = 365 * 24 * 60 * 60

// Preferences reads and saves a person's preferences; *auth.Service
// provides it.
type Preferences interface {
	Prefs(ctx context.Context, u *auth.User) (map[string]string, error)
	SetPref(ctx context.Context, u *auth.User, name, value string) error
}

// Language is the language switch every page offers.
type Language struct{ prefs Preferences }

// NewLanguage builds the language switch's handler.
func NewLanguage(p Preferences) *Language { return &Language{prefs: p} }

// Switch sets the lang cookie, saves the choice for a signed-in person and
// goes back to the page the switch was on.
func (h *Language) Switch(c echo.Context) error {
	code, ok := i18n.Normalize(c.FormValue("lang"))
	if !ok {
		return apperr.BadRequest(request.T(c, "lang.unknown"))
	}
	setLangCookie(c, code)
	if u := request.Get(c).User; u != nil {
		if err := h.prefs.SetPref(c.Request().Context(), u, PrefLanguage, code); err != nil {
			return err
		}
	}
	return redirect(c, safeNext(c.FormValue("back")))
}

// setLangCookie remembers the language in the browser, with the session
// cookie's flags (it is read by the server only).
func setLangCookie(c echo.Context, code string) {
	c.SetCookie(&http.Cookie{Name: LangCookie, Value: code, Path: "/", MaxAge: langCookieAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// rememberFirstSignIn saves, for a person who has not chosen them yet, the
// language they were using before signing in and their browser's time zone
// tz (the sign-in form's tz field or the single sign-on link's, set by
// static/app.js).
func rememberFirstSignIn(c echo.Context, prefs Preferences, u *auth.User, tz string) {
	if prefs == nil || u == nil {
		return
	}
	ctx := c.Request().Context()
	saved, err := prefs.Prefs(ctx, u)
	if err != nil {
		request.Get(c).Logger.Warn("read preferences", "err", err)
		return
	}
	keep := func(name, value string) {
		if err := prefs.SetPref(ctx, u, name, value); err != nil { // the sign-in stands; the default is lost
			request.Get(c).Logger.Warn("save preference at first sign-in", "pref", name, "err", err)
		}
	}
	if _, ok := i18n.Normalize(saved[PrefLanguage]); !ok {
		if ck, err := c.Cookie(LangCookie); err == nil {
			if code, ok := i18n.Normalize(ck.Value); ok {
				keep(PrefLanguage, code)
			}
		}
	}
	if _, ok := i18n.LoadZone(saved[PrefTimeZone]); !ok {
		if _, ok := i18n.LoadZone(tz); ok {
			keep(PrefTimeZone, tz)
		}
	}
}
