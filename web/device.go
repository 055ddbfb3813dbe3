package web

import (
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
)

// DeviceCookieName is the device cookie (OWASP's "device cookies"): the
// accounts that have signed in successfully in this browser, signed and
// encrypted. It lets the browser past the per-account sign-in backstop
// (auth.Device), so that failures from elsewhere never keep a person out of
// the browser they use.
const DeviceCookieName = "__Host-keybind-device"

const (
	deviceMaxAge      = 365 * 24 * time.Hour // renewed by every sign-in
	maxDeviceAccounts = 5                    // most recent first
)

// deviceCookie is what the device cookie carries.
type deviceCookie struct {
	Accounts []string `json:"a"`
}

// devices reads and writes the device cookie.
type devices struct{ codecs []securecookie.Codec }

func newDevices(keys [][]byte) devices {
	codecs := securecookie.CodecsFromPairs(keys...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(deviceMaxAge.Seconds()))
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
	}
	return devices{codecs: codecs}
}

// read returns the accounts the request's device cookie names; none if it
// is missing, forged or older than deviceMaxAge.
func (d devices) read(r *http.Request) []string {
	c, err := r.Cookie(DeviceCookieName)
	if err != nil {
		return nil
	}
	var v deviceCookie
	if err := securecookie.DecodeMulti(DeviceCookieName, c.Value, &v, d.codecs...); err != nil {
		return nil
	}
	return v.Accounts
}

// write sets the device cookie to name account first, then up to
// maxDeviceAccounts-1 of known.
func (d devices) write(w http.ResponseWriter, account string, known []string) error {
	accounts := []string{account}
	for _, a := range known {
		if a != account && len(accounts) < maxDeviceAccounts {
			accounts = append(accounts, a)
		}
	}
	encoded, err := securecookie.EncodeMulti(DeviceCookieName, deviceCookie{Accounts: accounts}, d.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: DeviceCookieName, Value: encoded, Path: "/", MaxAge: int(deviceMaxAge.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return nil
}

// knownDevice hands the device cookie's accounts to the sign-in that
// follows (auth.WithDevice) and, once it has succeeded, names the account in
// the cookie, before the response goes out.
func (s *Server) knownDevice(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		dev := &auth.Device{Known: s.devices.read(r)}
		c.SetRequest(r.WithContext(auth.WithDevice(r.Context(), dev)))
		c.Response().Before(func() {
			if dev.SignedIn == "" {
				return
			}
			if err := s.devices.write(c.Response(), dev.SignedIn, dev.Known); err != nil {
				request.Get(c).Logger.Error("set the device cookie", "err", err)
			}
		})
		return next(c)
	}
}
