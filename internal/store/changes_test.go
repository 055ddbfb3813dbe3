package store_test

import (
	"context"
	"testing"
	"time"

	"keybind/internal/store"
	"keybind/internal/store/storetest"
)

// The change counters move with every write that could change what a
// signed-in request keeps in memory, and with nothing else; the console
// sees its own writes at once, on either store.
func TestChangeCounters(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now()
	read := func() store.Changes {
		t.Helper()
		c, err := st.Changes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	id, err := st.CreateUser(ctx, store.UserRow{Name: "carol", Role: "helpdesk", PasswordHash: "x", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, store.SessionRow{IDHash: "h1", UserID: id, CreatedAt: now, LastSeenAt: now}); err != nil {
		t.Fatal(err)
	}
	// Long enough after the writes above that the SQLite console trusts
	// what it read: what follows proves it notices its own writes.
	time.Sleep(1100 * time.Millisecond)
	before := read()

	if err := st.TouchSession(ctx, "h1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != before {
		t.Errorf("touching a session moved the counters: %+v → %+v", before, got)
	}
	if err := st.SetSessionData(ctx, "h1", map[string]string{"flash": "hi"}); err != nil {
		t.Fatal(err)
	}
	afterData := read()
	if afterData.Auth <= before.Auth {
		t.Errorf("a session's data changed, auth counter %d → %d", before.Auth, afterData.Auth)
	}
	if err := st.SetPref(ctx, id, "lang", "zh-CN", now); err != nil {
		t.Fatal(err)
	}
	afterPref := read()
	if afterPref.Auth <= afterData.Auth {
		t.Errorf("a preference changed, auth counter %d → %d", afterData.Auth, afterPref.Auth)
	}
	if _, err := st.DeleteSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Auth <= afterPref.Auth || got.Jobs != before.Jobs {
		t.Errorf("a session ended: counters %+v → %+v; want auth up, jobs as they were", afterPref, got)
	}
}

// BenchmarkChanges is what every signed-in request pays to know whether
// what it keeps in memory is still right.
func BenchmarkChanges(b *testing.B) {
	st := storetest.Open(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := st.Changes(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
