package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"
	"unicode/utf8"

	"keybind/internal/store"
)

// Session is a browser session. It is anonymous (User nil) before sign-in,
// holding the CSRF token and flashes in Data.
type Session struct {
	ID        string // the raw token for the cookie; set only by NewAnonymousSession and Login
	User      *User  // nil: anonymous
	CreatedAt time.Time
	LastSeen  time.Time
	Data      map[string]string
}

const (
	// touchInterval is how stale last_seen_at may get before LoadSession
	// writes it: a page view that changes nothing reads the row and writes
	// nothing, and the idle timeout is at most this much early (never late).
	touchInterval = time.Minute
	// maxSessionData bounds the JSON of Session.Data.
	maxSessionData = 16 << 10
	maxUserAgent   = 256
	maxClientIP    = 64
)

// truncate cuts s to at most n code points.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// expired reports whether a session row is past its idle or absolute timeout.
func (s *Service) expired(row store.SessionRow, now time.Time) bool {
	return now.Sub(row.LastSeenAt) >= s.idle || now.Sub(row.CreatedAt) >= s.absolute
}

// NewAnonymousSession starts a session row for a visitor who has not signed
// in. The console no longer makes such rows (before sign-in it keeps a signed
// pre-login cookie, so anonymous requests cost the database nothing); rows
// made before that expire with the idle timeout.
func (s *Service) NewAnonymousSession(ctx context.Context, ip, userAgent string) (*Session, error) {
	raw, idHash, err := newSessionID()
	if err != nil {
		return nil, fmt.Errorf("auth: new session: %w", err)
	}
	now := s.now()
	row := store.SessionRow{IDHash: idHash, CreatedAt: now, LastSeenAt: now,
		ClientIP: truncate(ip, maxClientIP), UserAgent: truncate(userAgent, maxUserAgent)}
	if err := s.st.CreateSession(ctx, row); err != nil {
		return nil, fmt.Errorf("auth: new session: %w", err)
	}
	return &Session{ID: raw, CreatedAt: now, LastSeen: now, Data: map[string]string{}}, nil
}

// LoadSession returns the session for the cookie's token, with its user's
// current role. It returns ErrNoSession if the token is malformed or unknown,
// the session has passed its idle or absolute timeout (the row is deleted),
// or its user has been disabled.
func (s *Service) LoadSession(ctx context.Context, rawID string) (*Session, error) {
	idHash, ok := sessionIDHash(rawID)
	if !ok {
		return nil, ErrNoSession
	}
	now := s.now()
	changes, counted := store.ChangesFrom(ctx)
	c, cached := cachedSession{}, false
	if counted {
		c, cached = s.sessions.Get(changes.Auth, idHash)
		// Another replica may have seen activity this one has not: a
		// session that looks idle here is read again before it ends.
		cached = cached && !s.expired(c.row, now)
	}
	if !cached {
		row, urow, err := s.st.SessionWithUser(ctx, idHash)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoSession
		}
		if err != nil {
			return nil, fmt.Errorf("auth: load session: %w", err)
		}
		c = cachedSession{row: row, user: urow}
	}
	row, urow := c.row, c.user
	if s.expired(row, now) || (row.UserID != 0 && (urow == nil || urow.Disabled)) {
		if _, err := s.st.DeleteSession(ctx, idHash); err != nil {
			s.log.WarnContext(ctx, "auth: delete ended session", "err", err)
		}
		return nil, ErrNoSession
	}
	touched := false
	if now.Sub(row.LastSeenAt) >= touchInterval && !isBackground(ctx) {
		if err := s.st.TouchSession(ctx, idHash, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("auth: load session: %w", err)
		}
		c.row.LastSeenAt, touched = now, true
	}
	if counted && (!cached || touched) {
		s.sessions.Put(changes.Auth, idHash, c)
	}
	sess := &Session{CreatedAt: c.row.CreatedAt, LastSeen: c.row.LastSeenAt, Data: maps.Clone(c.row.Data)}
	if urow != nil {
		u := userFromRow(*urow)
		sess.User = &u
	}
	return sess, nil
}

// cachedSession is a session row and its user as read from the database.
type cachedSession struct {
	row  store.SessionRow
	user *store.UserRow
}

// cacheSize bounds each of the caches of what signed-in requests read.
const cacheSize = 10_000

// ReadChanges returns ctx carrying the database's change counters, read
// now: LoadSession, Prefs (and other services' caches) then take what they
// read under the same counters from memory. Should the read fail, ctx comes
// back as it was and everything is read from the database, which reports
// the failure.
func (s *Service) ReadChanges(ctx context.Context) context.Context {
	c, err := s.st.Changes(ctx)
	if err != nil {
		return ctx
	}
	return store.WithChanges(ctx, c)
}

// SaveSessionData replaces the session's data (CSRF token, flashes, …).
func (s *Service) SaveSessionData(ctx context.Context, rawID string, data map[string]string) error {
	idHash, ok := sessionIDHash(rawID)
	if !ok {
		return ErrNoSession
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("auth: save session data: %w", err)
	}
	if len(b) > maxSessionData {
		return ErrSessionDataTooLarge
	}
	err = s.st.SetSessionData(ctx, idHash, data)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSession
	}
	return err
}

// Logout deletes the session, so its cookie is refused from now on, and
// records the sign-out of actor (nil for an anonymous session: nothing is
// recorded). It succeeds if the session is already gone.
func (s *Service) Logout(ctx context.Context, rawID string, actor *User, ip string) error {
	_, err := s.EndSession(ctx, rawID, actor, ip)
	return err
}

// EndSession is Logout that also returns the ID token a session made by
// single sign-on kept ("" for others), for the provider's end-session page.
func (s *Service) EndSession(ctx context.Context, rawID string, actor *User, ip string) (idToken string, err error) {
	if idHash, ok := sessionIDHash(rawID); ok {
		if idToken, _, err = s.st.EndSession(ctx, idHash); err != nil {
			return "", fmt.Errorf("auth: logout: %w", err)
		}
	}
	if actor != nil {
		detail := ""
		if actor.SSO {
			detail = "single sign-on session"
		}
		s.recordBestEffort(ctx, WebActor(actor, ip).entry(ActionLogout, store.OutcomeSuccess, detail))
	}
	return idToken, nil
}

// PurgeExpired deletes sessions past their idle or absolute timeout and
// sign-in failures older than a day, and returns how many sessions it deleted.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.now()
	n, err := s.st.PurgeSessions(ctx, now.Add(-s.idle), now.Add(-s.absolute))
	if err != nil {
		return 0, fmt.Errorf("auth: purge: %w", err)
	}
	if _, err := s.st.PurgeLoginFailures(ctx, now.Add(-throttleForget)); err != nil {
		return n, fmt.Errorf("auth: purge: %w", err)
	}
	return n, nil
}

// RunPurger calls PurgeExpired every interval until ctx is done.
func (s *Service) RunPurger(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.PurgeExpired(ctx); err != nil {
				s.log.ErrorContext(ctx, "auth: purge expired sessions", "err", err)
			} else if n > 0 {
				s.log.InfoContext(ctx, "auth: purged expired sessions", "count", n)
			}
		}
	}
}

type backgroundKey struct{}

// Background marks ctx as a request the browser made on its own (a page
// polling for updates): it reads the session but is not user activity, so
// it does not hold off the idle timeout.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

func isBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}
