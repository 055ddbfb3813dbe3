package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokensLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	alice := f.user(t, "alice", RoleHelpdesk, pwAlice)
	bob := f.user(t, "bob", RoleAdmin, pwBob)
	clear := func(name string) {
		if _, err := f.st.DB().Exec(`UPDATE users SET must_change_password = 0 WHERE name = $1`, name); err != nil {
			t.Fatal(err)
		}
	}
	clear("alice")
	clear("bob")
	tokens := f.s.Tokens()
	actor := WebActor(&alice, "192.0.2.1")

	raw, tok, err := tokens.Create(ctx, actor, "  ci deploy  ", t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, TokenPrefix) || len(raw) != len(TokenPrefix)+43 || tok.Name != "ci deploy" || tok.Hint != raw[:7] {
		t.Errorf("Create = %q, %+v; want kb_ and 43 characters, name trimmed, hint the first 7", raw, tok)
	}
	var stored int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR hint = $1`, raw).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the raw token is stored in %d rows (%v)", stored, err)
	}
	if e := f.lastAudit(t); e.Action != ActionTokenCreate || e.Username != "alice" || strings.Contains(e.Detail, raw) {
		t.Errorf("audit %+v: want token.create by alice without the token", e)
	}

	u, err := tokens.Authenticate(ctx, raw)
	if err != nil || u.Name != "alice" || u.Role != RoleHelpdesk {
		t.Fatalf("Authenticate = %+v, %v", u, err)
	}
	list, _ := tokens.List(ctx, actor)
	if len(list) != 1 || !list[0].LastUsedAt.Equal(t0) {
		t.Errorf("List = %+v; want one token used at %v", list, t0)
	}

	// The role is read on every call.
	if err := f.s.SetRole(ctx, LocalActor(), "alice", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if u, err := tokens.Authenticate(ctx, raw); err != nil || u.Role != RoleAdmin {
		t.Errorf("after promotion: %+v, %v; want role admin", u, err)
	}

	refused := map[string]string{
		"empty":         "",
		"no prefix":     raw[len(TokenPrefix):],
		"one char off":  flip(raw, 10),
		"truncated":     raw[:len(raw)-1],
		"padded":        raw + "=",
		"other prefix":  "gh_" + raw[len(TokenPrefix):],
		"session-sized": strings.Repeat("A", 43),
	}
	for name, bad := range refused {
		if _, err := tokens.Authenticate(ctx, bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v, want ErrInvalidToken", name, err)
		}
	}

	// Bob cannot see or revoke alice's token.
	bobActor := WebActor(&bob, "192.0.2.2")
	if l, _ := tokens.List(ctx, bobActor); len(l) != 0 {
		t.Errorf("bob lists %d tokens, want 0", len(l))
	}
	if _, err := tokens.Revoke(ctx, bobActor, tok.ID); !errors.Is(err, ErrTokenNotFound) {
		t.Errorf("bob revokes alice's token: %v, want ErrTokenNotFound", err)
	}

	// Disabled: refused; enabled again: works.
	if err := f.s.Disable(ctx, LocalActor(), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, raw); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("disabled user: %v, want ErrInvalidToken", err)
	}
	if err := f.s.Enable(ctx, LocalActor(), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, raw); err != nil {
		t.Errorf("enabled again: %v", err)
	}

	// A password set by someone else: refused until the user chooses their own.
	if err := f.s.SetPassword(ctx, LocalActor(), "alice", pwCarol); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, raw); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("must change password: %v, want ErrInvalidToken", err)
	}
	clear("alice")

	// Expiry.
	f.clock.Advance(48 * time.Hour)
	if _, err := tokens.Authenticate(ctx, raw); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired: %v, want ErrInvalidToken", err)
	}

	// Revocation.
	raw2, tok2, err := tokens.Create(ctx, actor, "second", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Revoke(ctx, actor, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, raw2); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("revoked: %v, want ErrInvalidToken", err)
	}
	if e := f.lastAudit(t); e.Action != ActionTokenRevoke || e.Username != "alice" {
		t.Errorf("audit %+v: want token.revoke by alice", e)
	}
}

// flip changes the character at i to another base64url character.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func TestTokenCreateValidation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	alice := f.user(t, "alice", RoleHelpdesk, pwAlice)
	actor := WebActor(&alice, "192.0.2.1")
	tokens := f.s.Tokens()
	cases := []struct {
		name    string
		expires time.Time
		field   string
	}{
		{"", time.Time{}, "name"},
		{"   ", time.Time{}, "name"},
		{strings.Repeat("x", MaxTokenNameLen+1), time.Time{}, "name"},
		{"tab\there", time.Time{}, "name"},
		{"past", t0.Add(-time.Second), "expires"},
		{"now", t0, "expires"},
		{"too far", t0.Add(MaxTokenLifetime + time.Hour), "expires"},
	}
	for _, c := range cases {
		_, _, err := tokens.Create(ctx, actor, c.name, c.expires)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("Create(%q, %v) = %v, want a validation error on %s", c.name, c.expires, err, c.field)
		}
	}
	if _, _, err := tokens.Create(ctx, Actor{Via: ViaWeb}, "anon", time.Time{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("no user: %v, want ErrForbidden", err)
	}
	for i := range MaxTokensPerUser {
		if _, _, err := tokens.Create(ctx, actor, "t", t0.Add(time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := tokens.Create(ctx, actor, "one too many", time.Time{}); !errors.Is(err, ErrTooManyTokens) {
		t.Errorf("token %d: %v, want ErrTooManyTokens", MaxTokensPerUser+1, err)
	}
	// Expired tokens do not count against the limit.
	f.clock.Advance(time.Hour)
	if _, _, err := tokens.Create(ctx, actor, "after one expired", time.Time{}); err != nil {
		t.Errorf("after one expired: %v", err)
	}
}
