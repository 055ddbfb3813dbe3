package store

import (
	"context"
	"errors"
	"testing"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)

	id := mustUser(t, st.Queries, "alice", "admin")
	mustUser(t, st.Queries, "bob", "helpdesk")

	if _, err := st.CreateUser(ctx, UserRow{Name: "alice", Role: "helpdesk", PasswordHash: "x", CreatedAt: t0, PasswordChangedAt: t0, UpdatedAt: t0}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate CreateUser: err = %v, want ErrConflict", err)
	}
	if _, err := st.UserByName(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByName(nobody): err = %v, want ErrNotFound", err)
	}

	later := t0.Add(time40)
	if err := st.SetPasswordHash(ctx, id, "$argon2id$new", true, later); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserRole(ctx, id, "helpdesk", later); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserDisabled(ctx, id, true, later); err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := UserRow{ID: id, Name: "alice", Role: "helpdesk", PasswordHash: "$argon2id$new", Disabled: true,
		MustChangePassword: true, CreatedAt: t0, PasswordChangedAt: later, UpdatedAt: later}
	if u != want {
		t.Errorf("UserByID = %+v\nwant %+v", u, want)
	}

	if ok, err := st.RehashPassword(ctx, id, "$argon2id$stale", "$argon2id$rehashed"); err != nil || ok {
		t.Errorf("RehashPassword with a stale old hash = %v, %v; want false (no change)", ok, err)
	}
	if ok, err := st.RehashPassword(ctx, id, "$argon2id$new", "$argon2id$rehashed"); err != nil || !ok {
		t.Errorf("RehashPassword = %v, %v; want true", ok, err)
	}

	for _, err := range []error{
		st.SetPasswordHash(ctx, 999, "x", false, later),
		st.SetUserRole(ctx, 999, "admin", later),
		st.SetUserDisabled(ctx, 999, true, later),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("update of a missing user: err = %v, want ErrNotFound", err)
		}
	}

	list, err := st.ListUsers(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
		t.Errorf("ListUsers = %v, %v; want alice, bob", list, err)
	}
	if n, err := st.CountEnabledWithRole(ctx, "helpdesk"); err != nil || n != 1 {
		t.Errorf("CountEnabledWithRole(helpdesk) = %d, %v; want 1 (alice is disabled)", n, err)
	}
}

const time40 = 40 * 60 * 1e9
