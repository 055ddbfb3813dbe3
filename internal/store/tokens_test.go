package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	alice := mustUser(t, st.Queries, "alice", "admin")
	bob := mustUser(t, st.Queries, "bob", "helpdesk")

	expires := t0.Add(24 * time.Hour)
	id, err := st.CreateAPIToken(ctx, APITokenRow{UserID: alice, Name: "ci", TokenHash: "h1", Hint: "kb_abcd", CreatedAt: t0, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAPIToken(ctx, APITokenRow{UserID: bob, Name: "dup", TokenHash: "h1", CreatedAt: t0}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate hash: err = %v, want ErrConflict", err)
	}
	if _, err := st.CreateAPIToken(ctx, APITokenRow{UserID: alice, Name: "forever", TokenHash: "h2", CreatedAt: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}

	tok, u, err := st.APITokenWithUser(ctx, "h1")
	if err != nil || tok.ID != id || tok.Name != "ci" || tok.Hint != "kb_abcd" || !tok.ExpiresAt.Equal(expires) ||
		!tok.LastUsedAt.IsZero() || !tok.RevokedAt.IsZero() || u.Name != "alice" || u.Role != "admin" {
		t.Errorf("APITokenWithUser(h1) = %+v, %+v, %v", tok, u, err)
	}
	if _, _, err := st.APITokenWithUser(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown hash: err = %v, want ErrNotFound", err)
	}

	used := t0.Add(time.Hour)
	if err := st.TouchAPIToken(ctx, id, used); err != nil {
		t.Fatal(err)
	}
	list, err := st.ListAPITokens(ctx, alice)
	if err != nil || len(list) != 2 || list[0].Name != "forever" || !list[0].ExpiresAt.IsZero() || !list[1].LastUsedAt.Equal(used) {
		t.Errorf("ListAPITokens(alice) = %+v, %v; want forever then ci (used at %v)", list, err, used)
	}
	if n, err := st.CountActiveAPITokens(ctx, alice, expires); err != nil || n != 1 {
		t.Errorf("active at expiry = %d, %v; want 1 (ci has expired)", n, err)
	}

	if _, err := st.RevokeAPIToken(ctx, bob, id, used); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob revokes alice's token: err = %v, want ErrNotFound", err)
	}
	got, err := st.RevokeAPIToken(ctx, alice, id, used)
	if err != nil || got.Name != "ci" || !got.RevokedAt.Equal(used) {
		t.Errorf("RevokeAPIToken = %+v, %v", got, err)
	}
	if _, err := st.RevokeAPIToken(ctx, alice, id, used); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: err = %v, want ErrNotFound", err)
	}
	if list, _ := st.ListAPITokens(ctx, alice); len(list) != 1 || list[0].Name != "forever" {
		t.Errorf("after revoke: %+v, want only forever", list)
	}
	if tok, _, err := st.APITokenWithUser(ctx, "h1"); err != nil || tok.RevokedAt.IsZero() {
		t.Errorf("revoked token reads back %+v, %v; want it with RevokedAt set", tok, err)
	}
}
