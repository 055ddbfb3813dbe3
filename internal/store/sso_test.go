package store

import (
	"context"
	"errors"
	"testing"
)

// Issue #13: an account made by single sign-on is found by its provider's
// issuer and subject, one account per person; a session keeps the
// provider's ID token until it ends.
func TestSSOAccountsAndSessions(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	const iss = "https://idp.example.com"
	row := UserRow{Name: "alice@example.com", Role: "helpdesk", CreatedAt: t0, PasswordChangedAt: t0, UpdatedAt: t0,
		SSOIssuer: iss, SSOSubject: "sub-1"}
	id, err := st.CreateUser(ctx, row)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, st.Queries, "bob", "admin") // a local account: no issuer, no subject

	got, err := st.UserBySSO(ctx, iss, "sub-1")
	if err != nil || got.ID != id || got.SSOIssuer != iss || got.SSOSubject != "sub-1" || got.PasswordHash != "" {
		t.Errorf("UserBySSO = %+v, %v", got, err)
	}
	for _, tc := range []struct{ iss, sub string }{{iss, "sub-2"}, {"https://other.example.com", "sub-1"}, {"", ""}} {
		if _, err := st.UserBySSO(ctx, tc.iss, tc.sub); !errors.Is(err, ErrNotFound) {
			t.Errorf("UserBySSO(%q, %q): %v, want ErrNotFound", tc.iss, tc.sub, err)
		}
	}
	row.Name = "alice2"
	if _, err := st.CreateUser(ctx, row); !errors.Is(err, ErrConflict) {
		t.Errorf("a second account for the same person: %v, want ErrConflict", err)
	}

	if err := st.CreateSession(ctx, SessionRow{IDHash: "h1", UserID: id, CreatedAt: t0, LastSeenAt: t0, SSOIDToken: "eyJ.token"}); err != nil {
		t.Fatal(err)
	}
	_, u, err := st.SessionWithUser(ctx, "h1")
	if err != nil || u == nil || u.SSOSubject != "sub-1" {
		t.Errorf("SessionWithUser: user %+v, %v; want the SSO account", u, err)
	}
	tok, found, err := st.EndSession(ctx, "h1")
	if err != nil || !found || tok != "eyJ.token" {
		t.Errorf("EndSession = %q, %v, %v; want the kept token", tok, found, err)
	}
	if _, found, err := st.EndSession(ctx, "h1"); err != nil || found {
		t.Errorf("EndSession again = %v, %v; want not found", found, err)
	}
}
