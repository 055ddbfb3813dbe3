package sso

import (
	"encoding/json"
	"testing"

	"keybind/internal/auth"
)

// Issue #13, item 2: the role comes from one claim of the ID token.
func TestRoleMapping(t *testing.T) {
	m := RoleMapping{Admin: []string{"kb-admins", "/ops/root"}, Helpdesk: []string{"kb-helpdesk", "42"}}
	tests := []struct {
		name   string
		claims string
		m      RoleMapping
		role   auth.Role
		desc   string
	}{
		{"helpdesk group", `{"groups":["staff","kb-helpdesk"]}`, m, auth.RoleHelpdesk, `groups ["staff" "kb-helpdesk"]`},
		{"admin wins over helpdesk", `{"groups":["kb-helpdesk","kb-admins"]}`, m, auth.RoleAdmin, `groups ["kb-helpdesk" "kb-admins"]`},
		{"no mapped group", `{"groups":["staff"]}`, m, "", `groups ["staff"]`},
		{"empty list", `{"groups":[]}`, m, "", `groups []`},
		{"no claim", `{"sub":"x"}`, m, "", `no groups claim in the ID token`},
		{"null claim", `{"groups":null}`, m, "", `no groups claim in the ID token`},
		{"compared exactly", `{"groups":["KB-Admins","kb-admins "]}`, m, "", `groups ["KB-Admins" "kb-admins "]`},
		{"a single string", `{"groups":"kb-admins"}`, m, auth.RoleAdmin, `groups ["kb-admins"]`},
		{"numbers", `{"groups":[42]}`, m, auth.RoleHelpdesk, `groups ["42"]`},
		{"Keycloak full path", `{"groups":["/ops/root"]}`, m, auth.RoleAdmin, `groups ["/ops/root"]`},
		{"other claim", `{"roles":["kb-admins"],"groups":["kb-helpdesk"]}`, RoleMapping{Claim: "roles", Admin: m.Admin}, auth.RoleAdmin, `roles ["kb-admins"]`},
		{"nested path", `{"realm_access":{"roles":["kb-helpdesk"]}}`, RoleMapping{Claim: "realm_access.roles", Helpdesk: m.Helpdesk}, auth.RoleHelpdesk, `realm_access.roles ["kb-helpdesk"]`},
		{"dotted name is a claim first", `{"https://kb.example/roles":["kb-admins"]}`, RoleMapping{Claim: "https://kb.example/roles", Admin: m.Admin}, auth.RoleAdmin, `https://kb.example/roles ["kb-admins"]`},
		{"Entra overage", `{"_claim_names":{"groups":"src1"},"_claim_sources":{"src1":{"endpoint":"https://graph"}}}`, m, "", "no groups in the ID token: the provider sent a reference instead (too many to include); map the role through fewer groups or app roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var claims map[string]any
			if err := json.Unmarshal([]byte(tt.claims), &claims); err != nil {
				t.Fatal(err)
			}
			role, desc := tt.m.Role(claims)
			if role != tt.role || desc != tt.desc {
				t.Errorf("Role(%s) = %q, %q; want %q, %q", tt.claims, role, desc, tt.role, tt.desc)
			}
		})
	}
}

func TestRoleDescriptionIsBounded(t *testing.T) {
	var groups []any
	for range 30 {
		groups = append(groups, "group-with-a-rather-long-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on")
	}
	_, desc := RoleMapping{Admin: []string{"x"}}.Role(map[string]any{"groups": groups})
	if len(desc) > 2000 {
		t.Errorf("description of 30 long groups is %d bytes, want it bounded", len(desc))
	}
	if want := "…10 more]"; desc[len(desc)-len(want):] != want {
		t.Errorf("description ends %q, want %q", desc[len(desc)-20:], want)
	}
}
