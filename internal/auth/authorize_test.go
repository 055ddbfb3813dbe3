package auth

import (
	"context"
	"errors"
	"testing"

	"keybind/internal/store"
)

func TestRolePermissions(t *testing.T) {
	all := []Permission{PermBind, PermRestart, PermViewJobs, PermManageUsers, PermReadAudit, PermSandbox, PermManageKeys, PermDeleteKeys}
	allowed := map[Role][]Permission{
		RoleHelpdesk: {PermBind, PermRestart, PermViewJobs, PermManageKeys},
		RoleAdmin:    all,
		Role("root"): nil,
		Role(""):     nil,
	}
	for role, perms := range allowed {
		want := map[Permission]bool{}
		for _, p := range perms {
			want[p] = true
		}
		for _, p := range all {
			if got := role.Can(p); got != want[p] {
				t.Errorf("Role(%q).Can(%s) = %v, want %v", role, p, got, want[p])
			}
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, s := range []string{"admin", "helpdesk"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "Admin", "root", "helpdesk "} {
		var ve *ValidationError
		if _, err := ParseRole(s); !errors.As(err, &ve) {
			t.Errorf("ParseRole(%q) = %v, want a *ValidationError", s, err)
		}
	}
}

func TestAuthorize(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "alice", RoleAdmin, pwAlice)
	helpdesk := f.user(t, "bob", RoleHelpdesk, pwBob)
	disabled := admin
	disabled.Disabled = true
	tests := []struct {
		name  string
		actor Actor
		perm  Permission
		ok    bool
	}{
		{"admin manages users", WebActor(&admin, "192.0.2.1"), PermManageUsers, true},
		{"helpdesk binds", WebActor(&helpdesk, "192.0.2.2"), PermBind, true},
		{"helpdesk may not manage users", WebActor(&helpdesk, "192.0.2.2"), PermManageUsers, false},
		{"helpdesk may not read the audit", WebActor(&helpdesk, "192.0.2.2"), PermReadAudit, false},
		{"helpdesk may not use the sandbox controls", WebActor(&helpdesk, "192.0.2.2"), PermSandbox, false},
		{"helpdesk imports and creates key pairs", WebActor(&helpdesk, "192.0.2.2"), PermManageKeys, true},
		{"helpdesk may not delete key pairs", WebActor(&helpdesk, "192.0.2.2"), PermDeleteKeys, false},
		{"no user", Actor{Via: ViaWeb, IP: "192.0.2.3"}, PermViewJobs, false},
		{"disabled admin", WebActor(&disabled, "192.0.2.1"), PermBind, false},
		{"CLI", LocalActor(), PermManageUsers, true},
		{"forged CLI", Actor{Via: ViaCLI}, PermManageUsers, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.audit(t))
			err := f.s.Authorize(ctx, tt.actor, tt.perm)
			after := f.audit(t)
			if tt.ok {
				if err != nil || len(after) != before {
					t.Errorf("Authorize = %v with %d new audit entries, want nil and none", err, len(after)-before)
				}
				return
			}
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("Authorize = %v, want ErrForbidden", err)
			}
			if len(after) != before+1 {
				t.Fatalf("%d new audit entries, want 1", len(after)-before)
			}
			e := after[len(after)-1]
			wantUser := ""
			if tt.actor.User != nil {
				wantUser = tt.actor.User.Name
			}
			if e.Outcome != store.OutcomeDenied || e.Action != "perm."+string(tt.perm) || e.Username != wantUser || e.ClientIP != tt.actor.IP {
				t.Errorf("denied entry = %+v", e)
			}
		})
	}
}

func TestRecordDeniedAndRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.user(t, "bob", RoleHelpdesk, pwBob)
	if err := f.s.RecordDenied(ctx, WebActor(&bob, "192.0.2.2"), "page.users", "GET /users"); err != nil {
		t.Fatal(err)
	}
	e := f.lastAudit(t)
	if e.Action != "page.users" || e.Outcome != store.OutcomeDenied || e.Username != "bob" || e.Role != "helpdesk" || e.Detail != "GET /users" || !e.Time.Equal(t0) {
		t.Errorf("RecordDenied wrote %+v", e)
	}
	err := f.s.Record(ctx, WebActor(&bob, "192.0.2.2"), store.AuditEntry{
		Action: "instance.reboot", Outcome: store.OutcomeIntent, Region: "cn-hangzhou", InstanceIDs: []string{"i-abc"},
		Username: "spoofed", UserID: 999,
	})
	if err != nil {
		t.Fatal(err)
	}
	e = f.lastAudit(t)
	if e.Username != "bob" || e.UserID != bob.ID || e.Region != "cn-hangzhou" || len(e.InstanceIDs) != 1 {
		t.Errorf("Record wrote %+v; want the actor's identity, not the entry's", e)
	}
}

func TestReadingTheAuditNeedsThePermission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "alice", RoleAdmin, pwAlice)
	bob := f.user(t, "bob", RoleHelpdesk, pwBob)
	if _, _, err := f.s.ListAudit(ctx, WebActor(&bob, ""), store.AuditFilter{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("helpdesk ListAudit: %v, want ErrForbidden", err)
	}
	if err := f.s.EachAudit(ctx, WebActor(&bob, ""), store.AuditFilter{}, func(store.AuditEntry) error { return nil }); !errors.Is(err, ErrForbidden) {
		t.Errorf("helpdesk EachAudit: %v, want ErrForbidden", err)
	}
	page, total, err := f.s.ListAudit(ctx, WebActor(&admin, ""), store.AuditFilter{Outcome: store.OutcomeDenied})
	if err != nil || total != 2 || len(page) != 2 {
		t.Errorf("admin ListAudit of denials = %d rows, total %d, %v; want bob's 2 refusals", len(page), total, err)
	}
}
