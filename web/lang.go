package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/handlers/request"
	"keybind/internal/cloud"
	"keybind/internal/i18n"
)

// requestLang is the language of a request before anyone is known: the language
// cookie, else Accept-Language. The JSON API follows Accept-Language only.
func requestLang(c echo.Context) string {
	r := c.Request()
	cookie := ""
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		if ck, err := r.Cookie(handlers.LangCookie); err == nil {
			cookie = ck.Value
		}
	}
	return i18n.Choose("", cookie, r.Header.Get("Accept-Language"))
}

// personalise sets the request's Localizer from the signed-in person's saved
// language and time zone (docs/I18N.md); without them the request keeps
// the language baseState chose, and times stay in UTC.
func (s *Server) personalise(c echo.Context) {
	st := request.Get(c)
	if st.User == nil {
		return
	}
	prefs, err := s.deps.Auth.Prefs(c.Request().Context(), st.User)
	if err != nil {
		st.Logger.Warn("read preferences", "err", err)
		return
	}
	code, ok := i18n.Normalize(prefs[handlers.PrefLanguage])
	if !ok {
		code = st.Loc.Lang()
	}
	zone, _ := i18n.LoadZone(prefs[handlers.PrefTimeZone])
	st.Loc = i18n.New(code).InZone(zone)
	cloudNames(c, code)
}

// cloudNames asks the cloud for names (regions') in the page's language;
// the JSON API keeps English names.
func cloudNames(c echo.Context, code string) {
	r := c.Request()
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return
	}
	lang := cloud.LangEnglish
	if code == i18n.Chinese {
		lang = cloud.LangChinese
	}
	c.SetRequest(r.WithContext(cloud.WithLanguage(r.Context(), lang)))
}
