package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"keybind/internal/auth"
)

// CookieName is the session cookie's name; the __Host- prefix makes browsers
// insist on Secure, Path=/ and no Domain.
const CookieName = "__Host-keybind"

// PreLoginCookieName holds a visitor's session values before sign-in — the
// sign-in form's CSRF token (a signed double-submit cookie: the form field
// must match it) and any flash messages — signed and encrypted, with the
// session cookie's flags. No database row exists before sign-in, so
// anonymous requests cost the database nothing (issue #11).
const PreLoginCookieName = "__Host-keybind-pre"

// preLoginMaxAge bounds how old a pre-login cookie may be: a sign-in form
// left open longer must be reloaded.
const preLoginMaxAge = 24 * time.Hour

// SessionBackend keeps session rows; the row, not the cookie, is the authority.
type SessionBackend interface {
	LoadSession(ctx context.Context, rawID string) (*auth.Session, error)
	SaveSessionData(ctx context.Context, rawID string, data map[string]string) error
}

// dbStore is a gorilla/sessions Store whose cookie carries only the opaque
// session ID (signed and encrypted by securecookie); everything else lives in
// the database row. Before sign-in (no ID) the values live in the pre-login
// cookie instead.
type dbStore struct {
	backend SessionBackend
	codecs  []securecookie.Codec
	pre     []securecookie.Codec
}

func newDBStore(backend SessionBackend, keys [][]byte) *dbStore {
	// The session cookie carries the token as it is (tokenSerializer); a
	// cookie from before that carries it gob-encoded and is still read.
	codecs := securecookie.CodecsFromPairs(keys...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(0) // the row's idle and absolute timeouts are the only expiry
			sc.SetSerializer(tokenSerializer{})
		}
	}
	for _, c := range securecookie.CodecsFromPairs(keys...) {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(0)
			codecs = append(codecs, sc) // gob, securecookie's default
		}
	}
	pre := securecookie.CodecsFromPairs(keys...)
	for _, c := range pre {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(preLoginMaxAge.Seconds()))
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
	}
	return &dbStore{backend: backend, codecs: codecs, pre: pre}
}

// tokenSerializer writes a session token into the cookie as its own bytes:
// decoding gob on every request cost more than the rest of the cookie.
// It refuses anything but a token's characters, so a gob-encoded cookie
// from before falls through to the codec that reads it.
type tokenSerializer struct{}

func (tokenSerializer) Serialize(src any) ([]byte, error) {
	s, ok := src.(string)
	if !ok {
		return nil, fmt.Errorf("web: session cookie holds %T, not a token", src)
	}
	return []byte(s), nil
}

func (tokenSerializer) Deserialize(src []byte, dst any) error {
	p, ok := dst.(*string)
	if !ok {
		return fmt.Errorf("web: session cookie decodes into %T, not a token", dst)
	}
	for _, c := range src {
		if !tokenByte(c) {
			return errors.New("web: session cookie holds no token")
		}
	}
	*p = string(src)
	return nil
}

// tokenByte reports whether c may be in a token (base64url).
func tokenByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '='
}

// options overrides every gorilla default (SameSite=None, no HttpOnly, 30 days).
func cookieOptions() *sessions.Options {
	return &sessions.Options{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

func (s *dbStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or returns an anonymous one
// (IsNew, no ID) with the pre-login cookie's values when there is no cookie
// or its row is gone, expired or revoked.
func (s *dbStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = cookieOptions()
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil { // no cookie: no session yet, which is not an error
		s.readPreLogin(r, sess)
		return sess, nil //nolint:nilerr // a missing cookie is no session
	}
	var raw string
	if err := securecookie.DecodeMulti(name, c.Value, &raw, s.codecs...); err != nil {
		s.readPreLogin(r, sess)
		return sess, nil //nolint:nilerr // a forged or stale cookie is just no session
	}
	row, err := s.backend.LoadSession(r.Context(), raw)
	if errors.Is(err, auth.ErrNoSession) || err == nil && row.User == nil {
		// No session, or an anonymous row from before pre-login cookies:
		// such rows are never written to again and expire on their own.
		s.readPreLogin(r, sess)
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("web: load session: %w", err)
	}
	fill(sess, row)
	sess.ID = raw // a loaded row does not carry its token; the cookie does
	return sess, nil
}

// Save writes the session's values to its row and sets the cookie, or,
// before sign-in (no ID), writes them into the pre-login cookie; MaxAge < 0
// clears the cookie only — revoking the row is the job of auth.Logout. If
// the row is gone, Save clears the cookie.
func (s *dbStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	if sess.ID == "" {
		return s.savePreLogin(r, w, sess)
	}
	ctx := r.Context()
	err := s.backend.SaveSessionData(ctx, sess.ID, values(sess))
	if errors.Is(err, auth.ErrNoSession) {
		// The row ended during this request (the user ended their own
		// sessions, or disabled themselves): the cookie goes too.
		clearCookie(w, sess.Name(), sess.Options)
		return nil
	}
	if err != nil {
		return fmt.Errorf("web: save session: %w", err)
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("web: encode session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	sess.IsNew = false
	if _, err := r.Cookie(PreLoginCookieName); err == nil {
		clearCookie(w, PreLoginCookieName, sess.Options) // signed in: the pre-login state is over
	}
	return nil
}

// readPreLogin fills an anonymous session with the pre-login cookie's
// values; a missing, forged or expired cookie leaves it empty.
func (s *dbStore) readPreLogin(r *http.Request, sess *sessions.Session) {
	c, err := r.Cookie(PreLoginCookieName)
	if err != nil {
		return
	}
	var vals map[string]string
	if err := securecookie.DecodeMulti(PreLoginCookieName, c.Value, &vals, s.pre...); err != nil {
		return
	}
	for k, v := range vals {
		sess.Values[k] = v
	}
}

// savePreLogin writes an anonymous session's values into the pre-login
// cookie. A session cookie whose row has gone is cleared at the same time.
func (s *dbStore) savePreLogin(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	encoded, err := securecookie.EncodeMulti(PreLoginCookieName, values(sess), s.pre...)
	if err != nil {
		return fmt.Errorf("web: encode pre-login cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(PreLoginCookieName, encoded, sess.Options))
	if _, err := r.Cookie(sess.Name()); err == nil {
		clearCookie(w, sess.Name(), sess.Options)
	}
	return nil
}

// clearCookie deletes the named cookie, with the flags it was set with.
func clearCookie(w http.ResponseWriter, name string, opts *sessions.Options) {
	gone := *opts
	gone.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(name, "", &gone))
}

// fill copies a row into a gorilla session.
func fill(sess *sessions.Session, row *auth.Session) {
	sess.ID = row.ID
	sess.IsNew = false
	sess.Values = make(map[any]any, len(row.Data))
	for k, v := range row.Data {
		sess.Values[k] = v
	}
	if row.User != nil {
		sess.Values[userKey{}] = row.User // not a string key: never written to the row
	}
}

// userKey holds the session's user in gorilla's Values for this request only.
type userKey struct{}

// sessionUser returns the user a loaded session belongs to, or nil.
func sessionUser(sess *sessions.Session) *auth.User {
	u, _ := sess.Values[userKey{}].(*auth.User)
	return u
}

func values(sess *sessions.Session) map[string]string {
	out := make(map[string]string, len(sess.Values))
	for k, v := range sess.Values {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if ok1 && ok2 {
			out[ks] = vs
		}
	}
	return out
}
