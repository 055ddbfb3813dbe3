package auth

import (
	"context"
	"errors"
	"sync"
	"testing"

	"keybind/internal/store"
	"keybind/internal/store/storetest"
)

func TestEnsureFirstAdminGeneratesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pw, created, err := f.s.EnsureFirstAdmin(ctx, "")
	if err != nil || !created || len(pw) < 20 {
		t.Fatalf("EnsureFirstAdmin = %q, %v, %v; want a generated password of 20+ characters", pw, created, err)
	}
	sess := f.login(t, FirstAdminName, pw)
	if sess.User.Role != RoleAdmin || !sess.User.MustChangePassword {
		t.Errorf("first admin = %+v, want an admin who must change the generated password", sess.User)
	}
	again, created, err := f.s.EnsureFirstAdmin(ctx, "")
	if err != nil || created || again != "" {
		t.Errorf("second EnsureFirstAdmin = %q, %v, %v; want nothing done", again, created, err)
	}
	users, _ := f.s.Users(ctx)
	if len(users) != 1 {
		t.Errorf("%d users, want 1", len(users))
	}
	e := f.audit(t)[0]
	if e.Action != ActionUserBootstrap || e.Username != FirstAdminName || e.Via != ViaSystem {
		t.Errorf("bootstrap audit = %+v", e)
	}
}

func TestEnsureFirstAdminUsesTheEnvironmentPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const env = "automation-supplied-secret"
	pw, created, err := f.s.EnsureFirstAdmin(ctx, env)
	if err != nil || !created || pw != "" {
		t.Fatalf("EnsureFirstAdmin(env) = %q, %v, %v; want created, nothing generated", pw, created, err)
	}
	sess := f.login(t, FirstAdminName, env)
	if sess.User.MustChangePassword {
		t.Error("an operator-chosen password is marked must-change")
	}
	if _, created, _ := f.s.EnsureFirstAdmin(ctx, "another-automation-secret"); created {
		t.Error("second call with another env password created a user")
	}
	f.login(t, FirstAdminName, env) // unchanged
}

func TestEnsureFirstAdminRefusesAWeakEnvironmentPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, weak := range []string{"short", "password1234", "admin-admin-admin"} {
		_, created, err := f.s.EnsureFirstAdmin(ctx, weak)
		var ve *ValidationError
		if created || !errors.As(err, &ve) {
			t.Errorf("EnsureFirstAdmin(%q) = %v, %v; want a *ValidationError", weak, created, err)
		}
	}
	if n, _ := f.st.CountUsers(ctx); n != 0 {
		t.Errorf("%d users after refused env passwords, want 0", n)
	}
}

func TestEnsureFirstAdminConcurrently(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]bool, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created, err := f.s.EnsureFirstAdmin(ctx, "")
			if err != nil {
				t.Error(err)
			}
			results[i] = created
		}()
	}
	wg.Wait()
	n := 0
	for _, c := range results {
		if c {
			n++
		}
	}
	if users, _ := f.st.CountUsers(ctx); n != 1 || users != 1 {
		t.Errorf("%d calls reported creating, %d users; want exactly 1 of each", n, users)
	}
}

func TestCreateUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "alice", RoleAdmin, pwAlice)
	helpdesk := f.user(t, "bob", RoleHelpdesk, pwBob)

	u, err := f.s.CreateUser(ctx, WebActor(&admin, "192.0.2.1"), " Carol ", RoleHelpdesk, pwCarol)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "carol" || u.Role != RoleHelpdesk || !u.MustChangePassword || u.ID == 0 || !u.CreatedAt.Equal(t0) {
		t.Errorf("created %+v", u)
	}
	e := f.lastAudit(t)
	if e.Action != ActionUserCreate || e.Username != "alice" || e.ClientIP != "192.0.2.1" || e.Outcome != store.OutcomeSuccess {
		t.Errorf("audit = %+v", e)
	}

	tests := []struct {
		name              string
		actor             Actor
		user, role, pw    string
		wantErr           error
		wantValidationErr string
	}{
		{"helpdesk may not", WebActor(&helpdesk, ""), "dave", "helpdesk", pwCarol, ErrForbidden, ""},
		{"anonymous may not", Actor{Via: ViaWeb}, "dave", "helpdesk", pwCarol, ErrForbidden, ""},
		{"a literal CLI actor is not trusted", Actor{Via: ViaCLI}, "dave", "helpdesk", pwCarol, ErrForbidden, ""},
		{"name taken", LocalActor(), "CAROL", "admin", pwCarol, ErrExists, ""},
		{"bad name", LocalActor(), "9lives", "admin", pwCarol, nil, "username"},
		{"bad role", LocalActor(), "dave", "root", pwCarol, nil, "role"},
		{"weak password", LocalActor(), "dave", "admin", "password1234", nil, "password"},
		{"password built on the name", LocalActor(), "dave", "admin", "dave-dave-dave-dave", nil, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.CreateUser(ctx, tt.actor, tt.user, Role(tt.role), tt.pw)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			var ve *ValidationError
			if tt.wantValidationErr != "" && (!errors.As(err, &ve) || ve.Field != tt.wantValidationErr) {
				t.Errorf("err = %v, want a *ValidationError on %s", err, tt.wantValidationErr)
			}
		})
	}
	if _, err := f.s.User(ctx, "dave"); !errors.Is(err, ErrNotFound) {
		t.Errorf("dave exists after refused creations: %v", err)
	}
	denied := f.audit(t)
	if e := denied[len(denied)-1]; e.Outcome != store.OutcomeDenied || e.Action != ActionUserCreate {
		t.Errorf("last audit after forbidden attempts = %+v, want a denied %s", e, ActionUserCreate)
	}
}

func TestAdminUserChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	a := WebActor(&admin, "192.0.2.1")

	if err := f.s.SetRole(ctx, a, "bob", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.s.User(ctx, "bob"); u.Role != RoleAdmin {
		t.Errorf("role = %s, want admin", u.Role)
	}
	if err := f.s.Disable(ctx, a, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Login(ctx, "", "bob", pwBob, "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("disabled bob signs in: %v", err)
	}
	if err := f.s.Enable(ctx, a, "bob"); err != nil {
		t.Fatal(err)
	}
	const reset = "handed-over-temporary-pass"
	if err := f.s.SetPassword(ctx, a, "bob", reset); err != nil {
		t.Fatal(err)
	}
	sess := f.login(t, "bob", reset)
	if !sess.User.MustChangePassword {
		t.Error("password set by an admin is not marked must-change")
	}
	if _, err := f.s.Login(ctx, "", "bob", pwBob, "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Error("old password still works after reset")
	}

	var actions []string
	for _, e := range f.audit(t) {
		if e.Username == "alice" && e.Outcome == store.OutcomeSuccess {
			actions = append(actions, e.Action)
		}
	}
	want := []string{ActionUserRole, ActionUserDisable, ActionUserEnable, ActionUserPasswordReset}
	if len(actions) != len(want) {
		t.Fatalf("alice's audited actions = %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("alice's audited actions = %v, want %v", actions, want)
			break
		}
	}

	for _, err := range []error{
		f.s.SetRole(ctx, a, "nobody", RoleAdmin),
		f.s.Disable(ctx, a, "nobody"),
		f.s.Enable(ctx, a, "nobody"),
		f.s.EndSessions(ctx, a, "nobody"),
		f.s.SetPassword(ctx, a, "nobody", "handed-over-temporary-pass"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("change to a missing user: %v, want ErrNotFound", err)
		}
	}
}

func TestTheLastAdminStays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	cli := LocalActor()
	if err := f.s.Disable(ctx, cli, "alice"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("disable the only admin: %v, want ErrLastAdmin", err)
	}
	if err := f.s.SetRole(ctx, cli, "alice", RoleHelpdesk); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote the only admin: %v, want ErrLastAdmin", err)
	}
	if err := f.s.SetRole(ctx, cli, "bob", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Disable(ctx, cli, "alice"); err != nil {
		t.Errorf("disable one of two admins: %v", err)
	}
	if err := f.s.SetRole(ctx, cli, "bob", RoleHelpdesk); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote the last enabled admin: %v, want ErrLastAdmin", err)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice) // created by the CLI: must change
	sess := f.login(t, "alice", pwAlice)
	actor := WebActor(sess.User, "192.0.2.1")
	const next = "fresh-mountain-spring-air"

	if err := f.s.ChangeOwnPassword(ctx, actor, "not-my-password-at-all", next); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("wrong current password: %v, want ErrInvalidCredentials", err)
	}
	var ve *ValidationError
	if err := f.s.ChangeOwnPassword(ctx, actor, pwAlice, pwAlice); !errors.As(err, &ve) {
		t.Errorf("same password again: %v, want a *ValidationError", err)
	}
	if err := f.s.ChangeOwnPassword(ctx, actor, pwAlice, "qwertyuiop123"); !errors.As(err, &ve) {
		t.Errorf("weak new password: %v, want a *ValidationError", err)
	}
	if err := f.s.ChangeOwnPassword(ctx, Actor{Via: ViaWeb}, pwAlice, next); !errors.Is(err, ErrForbidden) {
		t.Errorf("no user: %v, want ErrForbidden", err)
	}
	if err := f.s.ChangeOwnPassword(ctx, actor, pwAlice, next); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LoadSession(ctx, sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("session after own password change: %v, want ErrNoSession", err)
	}
	if got := f.login(t, "alice", next); got.User.MustChangePassword {
		t.Error("MustChangePassword still set after the user chose a password")
	}
	if _, err := f.s.Login(ctx, "", "alice", pwAlice, "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Error("old password still works")
	}
	e := f.audit(t)
	var ok, failed bool
	for _, x := range e {
		if x.Action == ActionChangeOwnPassword {
			ok = ok || x.Outcome == store.OutcomeSuccess
			failed = failed || x.Outcome == store.OutcomeFailure
		}
	}
	if !ok || !failed {
		t.Errorf("own password change audit: success %v, failure %v; want both", ok, failed)
	}
}

// Replicas starting together on one new database: one creates the first
// admin, the others find it made and start without an error.
func TestEnsureFirstAdminByReplicasStartingTogether(t *testing.T) {
	f := newFixture(t)
	const replicas = 12
	var wg sync.WaitGroup
	created := make([]bool, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		st := storetest.Reopen(t, f.st)
		s := New(st, Config{Clock: f.clock, Params: fastParams})
		wg.Go(func() {
			_, created[i], errs[i] = s.EnsureFirstAdmin(context.Background(), "automation-supplied-secret")
		})
	}
	wg.Wait()
	n := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i, errs[i])
		}
		if created[i] {
			n++
		}
	}
	users, _ := f.s.Users(context.Background())
	if n != 1 || len(users) != 1 {
		t.Errorf("%d replicas say they created the admin and there are %d users; want 1 and 1", n, len(users))
	}
}
