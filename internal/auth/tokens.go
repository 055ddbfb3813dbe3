package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"keybind/internal/store"
)

// TokenPrefix starts every personal API token, so that people and secret
// scanners recognise one.
const TokenPrefix = "kb_"

// Limits of personal API tokens.
const (
	MaxTokenNameLen  = 64
	MaxTokensPerUser = 20
	MaxTokenLifetime = 366 * 24 * time.Hour

	tokenBytes = 32 // 256 random bits
	// tokenHintLen is how much of a token the list shows: the prefix and 4
	// random characters (24 of its 256 bits).
	tokenHintLen = len(TokenPrefix) + 4
	// tokenTouchInterval is how stale last_used_at may get before a call
	// writes it, so a polling script does not cost a write per request.
	tokenTouchInterval = time.Minute
)

// Audit actions of API tokens.
const (
	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"
)

var (
	// ErrInvalidToken is the one error for a malformed, unknown, expired or
	// revoked token and for a token whose user is disabled or must first
	// choose a new password.
	ErrInvalidToken = errors.New("auth: invalid API token")
	// ErrTokenNotFound means the user has no active token with that ID.
	ErrTokenNotFound = errors.New("auth: API token not found")
	// ErrTooManyTokens refuses a token past MaxTokensPerUser active ones.
	ErrTooManyTokens = fmt.Errorf("auth: at most %d active API tokens per user", MaxTokensPerUser)
)

// Token describes a personal API token; the token itself is shown once, by
// Create, and never kept.
type Token struct {
	ID         int64
	Name       string
	Hint       string // the first characters, e.g. "kb_Qx3f"
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
}

// Expired reports whether the token no longer works at now.
func (t Token) Expired(now time.Time) bool { return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) }

func tokenFromRow(r store.APITokenRow) Token {
	return Token{ID: r.ID, Name: r.Name, Hint: r.Hint, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt}
}

// Tokens manages personal API tokens: a signed-in user creates, lists and
// revokes their own; the API authenticates calls with them. A token acts
// with its user's current role.
type Tokens struct{ s *Service }

// Tokens returns the service's API token manager.
func (s *Service) Tokens() *Tokens { return &Tokens{s: s} }

// Now is the service clock's time, for callers that compute expiry dates.
func (t *Tokens) Now() time.Time { return t.s.now() }

// Create makes a token for the actor's own account, named name, that stops
// working at expiresAt (zero: never). It returns the token, to be shown
// once: only its SHA-256 is stored.
func (t *Tokens) Create(ctx context.Context, actor Actor, name string, expiresAt time.Time) (string, Token, error) {
	u := actor.User
	if u == nil || u.Disabled {
		return "", Token{}, ErrForbidden
	}
	name = strings.TrimSpace(name)
	if err := validateTokenName(name); err != nil {
		return "", Token{}, err
	}
	now := t.s.now()
	if !expiresAt.IsZero() {
		expiresAt = expiresAt.UTC()
		if !expiresAt.After(now) {
			return "", Token{}, &ValidationError{Field: "expires", Message: "must be in the future"}
		}
		if expiresAt.Sub(now) > MaxTokenLifetime {
			return "", Token{}, &ValidationError{Field: "expires", Message: "must be at most a year away"}
		}
	}
	raw, hash, err := newAPIToken()
	if err != nil {
		return "", Token{}, fmt.Errorf("auth: create API token: %w", err)
	}
	row := store.APITokenRow{UserID: u.ID, Name: name, TokenHash: hash, Hint: raw[:tokenHintLen], CreatedAt: now, ExpiresAt: expiresAt}
	err = t.s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := t.s.st.With(tx)
		if err := q.Serialize(ctx, "auth.tokens:"+strconv.FormatInt(u.ID, 10)); err != nil { // the count holds on every replica
			return err
		}
		n, err := q.CountActiveAPITokens(ctx, u.ID, now)
		if err != nil {
			return err
		}
		if n >= MaxTokensPerUser {
			return ErrTooManyTokens
		}
		if row.ID, err = q.CreateAPIToken(ctx, row); err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionTokenCreate, store.OutcomeSuccess,
			fmt.Sprintf("token %d %q (%s…), %s", row.ID, name, row.Hint, expiryText(expiresAt))), now)
	})
	if errors.Is(err, ErrTooManyTokens) {
		return "", Token{}, err
	}
	if err != nil {
		return "", Token{}, fmt.Errorf("auth: create API token: %w", err)
	}
	return raw, tokenFromRow(row), nil
}

func expiryText(at time.Time) string {
	if at.IsZero() {
		return "never expires"
	}
	return "expires " + at.Format(time.RFC3339)
}

func validateTokenName(name string) error {
	switch {
	case name == "":
		return &ValidationError{Field: "name", Message: "is required"}
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return &ValidationError{Field: "name", Message: "must not contain control characters"}
	case utf8.RuneCountInString(name) > MaxTokenNameLen:
		return &ValidationError{Field: "name", Message: fmt.Sprintf("must be at most %d characters", MaxTokenNameLen)}
	}
	return nil
}

// List returns the actor's own tokens that are not revoked (expired ones
// included), newest first.
func (t *Tokens) List(ctx context.Context, actor Actor) ([]Token, error) {
	if actor.User == nil {
		return nil, ErrForbidden
	}
	rows, err := t.s.st.ListAPITokens(ctx, actor.User.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: list API tokens: %w", err)
	}
	out := make([]Token, len(rows))
	for i, r := range rows {
		out[i] = tokenFromRow(r)
	}
	return out, nil
}

// Revoke ends the actor's own token id at once. Another user's token, or
// one already revoked, is ErrTokenNotFound.
func (t *Tokens) Revoke(ctx context.Context, actor Actor, id int64) (Token, error) {
	if actor.User == nil {
		return Token{}, ErrForbidden
	}
	now := t.s.now()
	var row store.APITokenRow
	err := t.s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := t.s.st.With(tx)
		var err error
		if row, err = q.RevokeAPIToken(ctx, actor.User.ID, id, now); err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionTokenRevoke, store.OutcomeSuccess,
			fmt.Sprintf("token %d %q (%s…)", row.ID, row.Name, row.Hint)), now)
	})
	if errors.Is(err, store.ErrNotFound) {
		return Token{}, ErrTokenNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("auth: revoke API token: %w", err)
	}
	return tokenFromRow(row), nil
}

// Authenticate returns the user a token acts for, with the role the users
// table gives them now. Every refusal is ErrInvalidToken. The token is
// found by its SHA-256, which an attacker cannot steer towards a stored
// hash, and the hashes are then compared in constant time.
func (t *Tokens) Authenticate(ctx context.Context, raw string) (*User, error) {
	hash, ok := apiTokenHash(raw)
	if !ok {
		return nil, ErrInvalidToken
	}
	row, urow, err := t.s.st.APITokenWithUser(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		subtle.ConstantTimeCompare([]byte(hash), []byte(hash)) // the same work as a found row
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate API token: %w", err)
	}
	now := t.s.now()
	match := subtle.ConstantTimeCompare([]byte(row.TokenHash), []byte(hash)) == 1
	if !match || !row.RevokedAt.IsZero() || tokenFromRow(row).Expired(now) || urow.Disabled || urow.MustChangePassword {
		return nil, ErrInvalidToken
	}
	if now.Sub(row.LastUsedAt) >= tokenTouchInterval {
		if err := t.s.st.TouchAPIToken(ctx, row.ID, now); err != nil {
			t.s.log.WarnContext(ctx, "auth: record API token use", "token", row.ID, "err", err)
		}
	}
	u := userFromRow(urow)
	return &u, nil
}

// newAPIToken returns a fresh token and the SHA-256 (hex) that is stored.
func newAPIToken() (raw, hash string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	raw = TokenPrefix + tokenEncoding.EncodeToString(b)
	h, _ := apiTokenHash(raw)
	return raw, h, nil
}

// apiTokenHash returns the database key of a token; ok is false if raw is
// not a well-formed token.
func apiTokenHash(raw string) (string, bool) {
	body, found := strings.CutPrefix(raw, TokenPrefix)
	if !found || len(body) != tokenEncoding.EncodedLen(tokenBytes) {
		return "", false
	}
	if b, err := tokenEncoding.DecodeString(body); err != nil || len(b) != tokenBytes {
		return "", false
	}
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:]), true
}
