package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	uid := mustUser(t, st.Queries, "alice", "admin")

	anon := SessionRow{IDHash: "aa", CreatedAt: t0, LastSeenAt: t0, Data: map[string]string{"csrf": "tok"}, ClientIP: "192.0.2.1", UserAgent: "test"}
	if err := st.CreateSession(ctx, anon); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, anon); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate CreateSession: err = %v, want ErrConflict", err)
	}
	got, user, err := st.SessionWithUser(ctx, "aa")
	if err != nil || user != nil || got.UserID != 0 || got.Data["csrf"] != "tok" || got.ClientIP != "192.0.2.1" {
		t.Errorf("anonymous SessionWithUser = %+v, %v, %v", got, user, err)
	}

	if err := st.CreateSession(ctx, SessionRow{IDHash: "bb", UserID: uid, CreatedAt: t0, LastSeenAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, SessionRow{IDHash: "cc", UserID: uid, CreatedAt: t0, LastSeenAt: t0}); err != nil {
		t.Fatal(err)
	}
	got, user, err = st.SessionWithUser(ctx, "bb")
	if err != nil || user == nil || user.Name != "alice" || got.UserID != uid || len(got.Data) != 0 {
		t.Errorf("signed-in SessionWithUser = %+v, %+v, %v", got, user, err)
	}

	later := t0.Add(time.Minute)
	if err := st.TouchSession(ctx, "bb", later); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSessionData(ctx, "bb", map[string]string{"flash": "hi"}); err != nil {
		t.Fatal(err)
	}
	got, _, _ = st.SessionWithUser(ctx, "bb")
	if !got.LastSeenAt.Equal(later) || got.Data["flash"] != "hi" {
		t.Errorf("after touch and data: %+v", got)
	}
	if err := st.SetSessionData(ctx, "zz", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetSessionData on a missing session: err = %v, want ErrNotFound", err)
	}

	if n, err := st.CountUserSessions(ctx, uid); err != nil || n != 2 {
		t.Errorf("CountUserSessions = %d, %v; want 2", n, err)
	}
	if n, err := st.DeleteUserSessions(ctx, uid); err != nil || n != 2 {
		t.Errorf("DeleteUserSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := st.SessionWithUser(ctx, "bb"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after DeleteUserSessions: err = %v, want ErrNotFound", err)
	}
	if ok, err := st.DeleteSession(ctx, "aa"); err != nil || !ok {
		t.Errorf("DeleteSession(aa) = %v, %v; want true", ok, err)
	}
	if ok, err := st.DeleteSession(ctx, "aa"); err != nil || ok {
		t.Errorf("second DeleteSession(aa) = %v, %v; want false", ok, err)
	}
}

func TestPurgeSessions(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	rows := []SessionRow{
		{IDHash: "fresh", CreatedAt: t0.Add(-time.Hour), LastSeenAt: t0},
		{IDHash: "idle", CreatedAt: t0.Add(-time.Hour), LastSeenAt: t0.Add(-31 * time.Minute)},
		{IDHash: "old", CreatedAt: t0.Add(-13 * time.Hour), LastSeenAt: t0},
	}
	for _, r := range rows {
		if err := st.CreateSession(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.PurgeSessions(ctx, t0.Add(-30*time.Minute), t0.Add(-12*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := st.SessionWithUser(ctx, "fresh"); err != nil {
		t.Errorf("fresh session purged: %v", err)
	}
}

func TestDeletingUserCascadesToSessionsAndPrefs(t *testing.T) {
	// Users are never deleted by keybind, but the foreign keys must hold if
	// an operator does it by hand: this proves foreign_keys is on.
	ctx := context.Background()
	st := openTest(t)
	uid := mustUser(t, st.Queries, "alice", "admin")
	if err := st.CreateSession(ctx, SessionRow{IDHash: "s", UserID: uid, CreatedAt: t0, LastSeenAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, SessionRow{IDHash: "t", UserID: 424242, CreatedAt: t0, LastSeenAt: t0}); err == nil {
		t.Error("session for a missing user accepted; want a foreign key error")
	}
	if _, err := st.DB().ExecContext(ctx, `DELETE FROM users WHERE id = $1`, uid); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionWithUser(ctx, "s"); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of a deleted user: err = %v, want ErrNotFound", err)
	}
}
