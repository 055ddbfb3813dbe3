package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPrefs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice", RoleAdmin, pwAlice)
	bob := f.user(t, "bob", RoleHelpdesk, pwBob)
	if v, err := f.s.Pref(ctx, &alice, "region"); err != nil || v != "" {
		t.Errorf("unset pref = %q, %v", v, err)
	}
	if err := f.s.SetPref(ctx, &alice, "region", "cn-hangzhou"); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.s.Pref(ctx, &alice, "region"); v != "cn-hangzhou" {
		t.Errorf("pref = %q, want cn-hangzhou", v)
	}
	if v, _ := f.s.Pref(ctx, &bob, "region"); v != "" {
		t.Errorf("bob sees alice's pref %q", v)
	}
	var ve *ValidationError
	for _, tt := range []struct{ name, value string }{{"Region", "x"}, {"", "x"}, {"region", strings.Repeat("x", 1025)}} {
		if err := f.s.SetPref(ctx, &alice, tt.name, tt.value); !errors.As(err, &ve) {
			t.Errorf("SetPref(%q, %d bytes) = %v, want a *ValidationError", tt.name, len(tt.value), err)
		}
	}
	if err := f.s.SetPref(ctx, nil, "region", "x"); !errors.Is(err, ErrForbidden) {
		t.Errorf("SetPref without a user = %v, want ErrForbidden", err)
	}
}
