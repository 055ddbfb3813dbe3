package web

import (
	"net/http"

	"github.com/gorilla/securecookie"

	"keybind/internal/sso"
)

// SSOFlowCookieName keeps a single sign-on in progress (sso.Flow: state,
// nonce, PKCE verifier, where to go next) between the redirect to the
// identity provider and its callback: signed and encrypted, with the
// session cookie's flags, at most sso.DefaultFlowTTL old, and cleared by the
// callback that reads it, so each flow is used once, by this browser. No
// database row exists before sign-in.
const SSOFlowCookieName = "__Host-keybind-sso"

// ssoFlows reads and writes the flow cookie.
type ssoFlows struct{ codecs []securecookie.Codec }

func newSSOFlows(keys [][]byte) ssoFlows {
	codecs := securecookie.CodecsFromPairs(keys...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(sso.DefaultFlowTTL.Seconds()))
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
	}
	return ssoFlows{codecs: codecs}
}

// Put sets the flow cookie (a newer sign-in replaces an older one).
func (f ssoFlows) Put(w http.ResponseWriter, flow sso.Flow) error {
	encoded, err := securecookie.EncodeMulti(SSOFlowCookieName, flow, f.codecs...)
	if err != nil {
		return err
	}
	opts := cookieOptions()
	opts.MaxAge = int(sso.DefaultFlowTTL.Seconds())
	http.SetCookie(w, &http.Cookie{Name: SSOFlowCookieName, Value: encoded, Path: opts.Path, MaxAge: opts.MaxAge,
		Secure: opts.Secure, HttpOnly: opts.HttpOnly, SameSite: opts.SameSite})
	return nil
}

// Take returns the request's flow, or nil if there is none or it is forged
// or too old, and clears the cookie either way.
func (f ssoFlows) Take(r *http.Request, w http.ResponseWriter) *sso.Flow {
	c, err := r.Cookie(SSOFlowCookieName)
	if err != nil {
		return nil
	}
	clearCookie(w, SSOFlowCookieName, cookieOptions())
	var flow sso.Flow
	if err := securecookie.DecodeMulti(SSOFlowCookieName, c.Value, &flow, f.codecs...); err != nil {
		return nil
	}
	return &flow
}
