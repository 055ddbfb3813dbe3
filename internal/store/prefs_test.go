package store

import (
	"context"
	"testing"
)

func TestPrefs(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	alice := mustUser(t, st.Queries, "alice", "admin")
	bob := mustUser(t, st.Queries, "bob", "helpdesk")

	if v, ok, err := st.Pref(ctx, alice, "region"); err != nil || ok || v != "" {
		t.Errorf("unset Pref = %q, %v, %v; want \"\", false", v, ok, err)
	}
	for _, v := range []string{"cn-hangzhou", "cn-shanghai"} {
		if err := st.SetPref(ctx, alice, "region", v, t0); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := st.Pref(ctx, alice, "region"); err != nil || !ok || got != v {
			t.Errorf("Pref after SetPref(%q) = %q, %v, %v", v, got, ok, err)
		}
	}
	if _, ok, _ := st.Pref(ctx, bob, "region"); ok {
		t.Error("bob sees alice's preference")
	}
	all, err := st.Prefs(ctx, alice)
	if err != nil || len(all) != 1 || all["region"] != "cn-shanghai" {
		t.Errorf("Prefs = %v, %v", all, err)
	}
}
