package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"keybind/internal/auth"
)

// CookieName is the session cookie's name; the __Host- prefix makes browsers
// insist on Secure, Path=/ and no Domain.
const CookieName = "__Host-keybind"

// SessionBackend keeps session rows; the row, not the cookie, is the authority.
type SessionBackend interface {
	NewAnonymousSession(ctx context.Context, ip, userAgent string) (*auth.Session, error)
	LoadSession(ctx context.Context, rawID string) (*auth.Session, error)
	SaveSessionData(ctx context.Context, rawID string, data map[string]string) error
}

// dbStore is a gorilla/sessions Store whose cookie carries only the opaque
// session ID (signed and encrypted by securecookie); everything else lives in
// the database row.
type dbStore struct {
	backend SessionBackend
	codecs  []securecookie.Codec
	ip      func(*http.Request) string
}

func newDBStore(backend SessionBackend, keys [][]byte, ip func(*http.Request) string) *dbStore {
	codecs := securecookie.CodecsFromPairs(keys...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(0) // the row's idle and absolute timeouts are the only expiry
		}
	}
	return &dbStore{backend: backend, codecs: codecs, ip: ip}
}

// options overrides every gorilla default (SameSite=None, no HttpOnly, 30 days).
func cookieOptions() *sessions.Options {
	return &sessions.Options{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

func (s *dbStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or returns a fresh one (IsNew)
// when there is no cookie or its row is gone, expired or revoked.
func (s *dbStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = cookieOptions()
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var raw string
	if err := securecookie.DecodeMulti(name, c.Value, &raw, s.codecs...); err != nil {
		return sess, nil // a forged or stale cookie is just no session
	}
	row, err := s.backend.LoadSession(r.Context(), raw)
	if errors.Is(err, auth.ErrNoSession) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("web: load session: %w", err)
	}
	fill(sess, row)
	sess.ID = raw // a loaded row does not carry its token; the cookie does
	return sess, nil
}

// Save writes the session's values to its row (creating an anonymous row
// first if needed) and sets the cookie; MaxAge < 0 clears the cookie only —
// revoking the row is the job of auth.Logout. If the row is gone, Save
// clears the cookie.
func (s *dbStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	ctx := r.Context()
	if sess.ID == "" {
		row, err := s.backend.NewAnonymousSession(ctx, s.ip(r), r.UserAgent())
		if err != nil {
			return fmt.Errorf("web: create session: %w", err)
		}
		sess.ID = row.ID
	}
	err := s.backend.SaveSessionData(ctx, sess.ID, values(sess))
	if errors.Is(err, auth.ErrNoSession) {
		// The row ended during this request (the user ended their own
		// sessions, or disabled themselves): the cookie goes too.
		gone := *sess.Options
		gone.MaxAge = -1
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", &gone))
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
	return nil
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
