// Package request is what the web layer learns about a request before a
// handler runs (the user, the session, the CSRF token, a logger), and the
// small readings of a request that the page handlers and the API handlers
// share: who is acting, and the IDs in the path.
package request

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strconv"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"keybind/internal/accounts"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/i18n"
	"keybind/internal/jobs"
)

// State is what the web layer's middleware learns about a request.
type State struct {
	User      *auth.User        // nil when signed out
	Session   *sessions.Session // the gorilla session; its ID is the raw session token
	CSRFToken string
	Sandbox   bool         // the cloud is a keybind sandbox: show the banner
	Controls  bool         // the sandbox is embedded: its controls page exists
	Logger    *slog.Logger // carries the request ID
	Account   string       // the cloud account the request works in; "" when none is chosen
	// AccountRegions are the account's default regions, if it has some.
	AccountRegions []string
	// Usable are the cloud accounts the person may work in, as the web
	// layer read them for this request.
	Usable []accounts.Account
	// Loc speaks the person's language and shows times in their time zone;
	// the web layer sets it from their saved choice, the lang cookie or
	// Accept-Language.
	Loc *i18n.Localizer
}

const stateKey = "keybind.request"

// Set stores the request state; the web layer calls it.
func Set(c echo.Context, s *State) { c.Set(stateKey, s) }

// Get returns the request state; never nil.
func Get(c echo.Context) *State {
	if s, ok := c.Get(stateKey).(*State); ok && s != nil {
		return s
	}
	return &State{Logger: slog.Default(), Loc: i18n.New(i18n.English)}
}

// T returns the message id in the person's language (see i18n.Localizer.T).
func T(c echo.Context, id string, kv ...any) string { return Loc(c).T(id, kv...) }

// Loc returns the request's Localizer; never nil.
func Loc(c echo.Context) *i18n.Localizer {
	if l := Get(c).Loc; l != nil {
		return l
	}
	return i18n.New(i18n.English)
}

// Actor is who is asking, for the audit trail; via is auth.ViaWeb or auth.ViaAPI.
func Actor(c echo.Context, via string) auth.Actor {
	return auth.Actor{User: Get(c).User, IP: c.RealIP(), Via: via}
}

// JobActor is who is asking, as the job engine records it.
func JobActor(c echo.Context, via string) jobs.Actor {
	u := Get(c).User
	return jobs.Actor{UserID: u.ID, Username: u.Name, Role: string(u.Role), IP: c.RealIP(), Via: via}
}

// JobID reads the :id path parameter; a malformed one is a job not found.
func JobID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.NotFound("The job")
	}
	return id, nil
}

// InstanceID reads the :instance path parameter; a malformed one is an
// instance not found in the job.
func InstanceID(c echo.Context) (string, error) {
	id := c.Param("instance")
	if !cloud.ValidInstanceID(id) {
		return "", apperr.NotFound("The instance in this job")
	}
	return id, nil
}

// NewToken returns 256 random bits, URL-safe.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CSRFSessionKey is where the session keeps its CSRF token.
const CSRFSessionKey = "csrf"
