package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"keybind/internal/store"
)

const issuer = "https://idp.example.com"

func ident(sub, name string, role Role) ExternalIdentity {
	return ExternalIdentity{Issuer: issuer, Subject: sub, Username: name, Role: role, Claims: `groups ["x"]`, IDToken: "id-token-" + sub}
}

func (f *fixture) loginSSO(t *testing.T, id ExternalIdentity) (*Session, error) {
	t.Helper()
	return f.s.LoginSSO(context.Background(), "", id, "192.0.2.7", "agent")
}

func (f *fixture) lastOf(t *testing.T, action string) store.AuditEntry {
	t.Helper()
	var last store.AuditEntry
	for _, e := range f.audit(t) {
		if e.Action == action {
			last = e
		}
	}
	if last.Action == "" {
		t.Fatalf("no %s audit entry", action)
	}
	return last
}

func TestValidateSSOUsername(t *testing.T) {
	for name, ok := range map[string]bool{
		"alice": true, "alice@example.com": true, "a.b-c_d@corp.example.cn": true,
		"@alice": false, "alice smith": false, "álice": false, "": false, strings.Repeat("a", 65): false,
	} {
		if err := ValidateSSOUsername(name); (err == nil) != ok {
			t.Errorf("ValidateSSOUsername(%q) = %v, want ok %v", name, err, ok)
		}
	}
	if err := ValidateUsername("alice@example.com"); err == nil {
		t.Error("a local account may not hold an e-mail-like name (so an e-mail claim never collides with one)")
	}
}

// Issue #13, item 2: an account is made at the first sign-in, found by
// issuer and subject afterwards, and its role re-read every time.
func TestLoginSSOMakesAndFindsTheAccount(t *testing.T) {
	f := newFixture(t)
	s1, err := f.loginSSO(t, ident("sub-1", "Alice@Example.com", RoleHelpdesk))
	if err != nil {
		t.Fatal(err)
	}
	if s1.User.Name != "alice@example.com" || s1.User.Role != RoleHelpdesk || !s1.User.SSO || s1.User.MustChangePassword {
		t.Errorf("first sign-in: user %+v", s1.User)
	}
	if e := f.lastOf(t, ActionUserCreate); !strings.Contains(e.Detail, "created by single sign-on with role helpdesk") {
		t.Errorf("user.create audit %+v", e)
	}

	// Same person, another name in the claim now: the same account.
	s2, err := f.loginSSO(t, ident("sub-1", "alice.renamed", RoleHelpdesk))
	if err != nil || s2.User.ID != s1.User.ID || s2.User.Name != "alice@example.com" {
		t.Fatalf("second sign-in: %+v, %v; want the same account", s2.User, err)
	}
	if n, _ := f.st.CountUserSessions(context.Background(), s1.User.ID); n != 2 {
		t.Errorf("sessions %d, want 2 (same role: nothing ends)", n)
	}

	// A changed role is stored and ends the other sessions.
	s3, err := f.loginSSO(t, ident("sub-1", "alice", RoleAdmin))
	if err != nil || s3.User.Role != RoleAdmin {
		t.Fatalf("role change: %+v, %v", s3.User, err)
	}
	if n, _ := f.st.CountUserSessions(context.Background(), s1.User.ID); n != 1 {
		t.Errorf("sessions after the role change %d, want only the new one", n)
	}
	if _, err := f.s.LoadSession(context.Background(), s1.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("an old session after the role change: %v, want ErrNoSession", err)
	}
	if e := f.lastOf(t, ActionUserSSORole); !strings.Contains(e.Detail, "role helpdesk → admin") || !strings.Contains(e.Detail, "2 sessions ended") {
		t.Errorf("role audit %+v", e)
	}
	if e := f.lastOf(t, ActionLogin); e.Outcome != store.OutcomeSuccess || e.Role != "admin" || e.Username != "alice@example.com" {
		t.Errorf("login audit %+v", e)
	}
}

func TestLoginSSORefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "helen", RoleHelpdesk, pwBob)
	if _, err := f.loginSSO(t, ident("sub-bob", "bob", RoleHelpdesk)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		id     ExternalIdentity
		want   error
		detail string
	}{
		{"no role, new person", ident("sub-new", "newbie", ""), ErrNoRole, `no role for groups ["x"]`},
		{"local account of that name", ident("sub-helen", "helen", RoleAdmin), ErrNameTaken, `not linked to subject "sub-helen"`},
		{"another person's account of that name", ident("sub-bob-2", "bob", RoleAdmin), ErrNameTaken, "belongs to another account"},
		{"unusable name", ident("sub-x", "Bob Smith", RoleAdmin), ErrBadUsername, "may only contain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.loginSSO(t, tt.id)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if e := f.lastOf(t, ActionLogin); e.Outcome != store.OutcomeFailure || !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("audit %+v, want a failure with %q", e, tt.detail)
			}
		})
	}
	if h, _ := f.s.User(ctx, "helen"); h.SSO || h.Role != RoleHelpdesk {
		t.Errorf("the local helen after the attempt: %+v", h)
	}
	if _, err := f.s.User(ctx, "newbie"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a person without a role got an account: %v", err)
	}

	// No role any more: refused, and every session of the account ends.
	bob, _ := f.s.User(ctx, "bob")
	if _, err := f.loginSSO(t, ident("sub-bob", "bob", "")); !errors.Is(err, ErrNoRole) {
		t.Fatalf("bob without a role: %v", err)
	}
	if n, _ := f.st.CountUserSessions(ctx, bob.ID); n != 0 {
		t.Errorf("bob's sessions after a sign-in without a role: %d, want 0", n)
	}
	var fe interface{ FaultCode() string }
	if _, err := f.loginSSO(t, ident("sub-bob", "bob", "")); !errors.As(err, &fe) || !strings.Contains(err.Error(), "sso_no_role") {
		t.Errorf("err %v", err)
	}

	// A disabled account stays out, whatever the provider says.
	if err := f.s.Disable(ctx, LocalActor(), "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.loginSSO(t, ident("sub-bob", "bob", RoleAdmin)); !errors.Is(err, ErrAccountDisabled) {
		t.Errorf("disabled bob: %v, want ErrAccountDisabled", err)
	}
}

// An SSO account has no password: none to sign in with, reset or change.
func TestSSOAccountsHaveNoPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sess, err := f.loginSSO(t, ident("sub-1", "carol", RoleHelpdesk))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Login(ctx, "", "carol", "", "192.0.2.7", "agent"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("password sign-in with an empty password: %v, want ErrInvalidCredentials", err)
	}
	if e := f.lastOf(t, ActionLogin); !strings.Contains(e.Detail, "single sign-on account") {
		t.Errorf("audit %+v", e)
	}
	if err := f.s.SetPassword(ctx, LocalActor(), "carol", "a-Brand-New-Passphrase-9"); !errors.Is(err, ErrSSOAccount) {
		t.Errorf("SetPassword: %v, want ErrSSOAccount", err)
	}
	if err := f.s.ChangeOwnPassword(ctx, WebActor(sess.User, ""), "", "a-Brand-New-Passphrase-9"); !errors.Is(err, ErrSSOAccount) {
		t.Errorf("ChangeOwnPassword: %v, want ErrSSOAccount", err)
	}
	if tok, err := f.s.EndSession(ctx, sess.ID, sess.User, ""); err != nil || tok != "id-token-sub-1" {
		t.Errorf("EndSession = %q, %v; want the kept ID token", tok, err)
	}
}

// Issue #13, item 3: with password sign-in off, only break-glass
// administrators sign in with a password; the rest are refused and audited.
func TestPasswordLoginOff(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	off := New(f.st, Config{Clock: f.clock, Params: fastParams, PasswordLogin: PasswordLogin{Off: true, BreakGlass: []string{" Alice "}}})
	ctx := context.Background()
	if off.PasswordLoginOn() || !f.s.PasswordLoginOn() {
		t.Error("PasswordLoginOn does not follow the configuration")
	}
	if _, err := off.Login(ctx, "", "bob", pwBob, "192.0.2.7", "agent"); !errors.Is(err, ErrPasswordLoginOff) {
		t.Errorf("bob: %v, want ErrPasswordLoginOff", err)
	}
	if e := f.lastOf(t, ActionLogin); e.Username != "bob" || e.Role != "helpdesk" || !strings.Contains(e.Detail, "password sign-in is off") {
		t.Errorf("audit %+v", e)
	}
	if _, err := off.Login(ctx, "", "mallory", pwBob, "192.0.2.7", "agent"); !errors.Is(err, ErrPasswordLoginOff) {
		t.Errorf("unknown: %v, want ErrPasswordLoginOff", err)
	}
	if e := f.lastOf(t, ActionLogin); !strings.Contains(e.Username, "no such user") {
		t.Errorf("an unknown name is recorded unmasked: %+v", e)
	}
	if _, err := off.Login(ctx, "", "alice", pwAlice, "192.0.2.7", "agent"); err != nil {
		t.Errorf("break-glass alice: %v", err)
	}
	if _, err := off.Login(ctx, "", "alice", pwBob, "192.0.2.7", "agent"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("break-glass alice, wrong password: %v", err)
	}
}

// The groups of a person's last single sign-on are kept, for the cloud
// accounts granted to a group.
func TestLoginSSOKeepsTheGroups(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := ident("sub-g", "gina", RoleHelpdesk)
	id.Groups = []string{"ops", "keybind-helpdesk"}
	s, err := f.loginSSO(t, id)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.st.UserSSOGroups(ctx, s.User.ID); err != nil || strings.Join(got, ",") != "keybind-helpdesk,ops" {
		t.Errorf("groups after the first sign-in: %v (%v)", got, err)
	}
	id.Groups = []string{"keybind-helpdesk"}
	if _, err := f.loginSSO(t, id); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.st.UserSSOGroups(ctx, s.User.ID); strings.Join(got, ",") != "keybind-helpdesk" {
		t.Errorf("groups after leaving ops: %v, want only keybind-helpdesk", got)
	}
}
