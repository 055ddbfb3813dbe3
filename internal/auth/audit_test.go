package auth

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keybind/internal/store"
)

// TestNoSecretsReachTheDatabase signs in and out, fails, resets and changes
// passwords, then looks for every password and session token in the audit
// rows and in the raw bytes of the database and its WAL.
func TestNoSecretsReachTheDatabase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const (
		initial = "initial-Secret-Phrase-1"
		wrong   = "wrong-Secret-Phrase-2"
		reset   = "reset-Secret-Phrase-3"
		changed = "changed-Secret-Phrase-4"
	)
	alice := f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, initial)
	anon, _ := f.s.NewAnonymousSession(ctx, "192.0.2.9", "agent")
	f.s.Login(ctx, anon.ID, "bob", wrong, "192.0.2.9", "agent")
	f.login(t, "bob", initial)
	if err := f.s.SetPassword(ctx, WebActor(&alice, ""), "bob", reset); err != nil {
		t.Fatal(err)
	}
	bob := f.login(t, "bob", reset)
	if err := f.s.ChangeOwnPassword(ctx, WebActor(bob.User, ""), reset, changed); err != nil {
		t.Fatal(err)
	}
	bob = f.login(t, "bob", changed)
	f.s.Logout(ctx, bob.ID, bob.User, "")

	secrets := []string{initial, wrong, reset, changed, pwAlice, anon.ID, bob.ID}

	var rows strings.Builder
	for _, e := range f.audit(t) {
		rows.WriteString(strings.Join(append([]string{e.Username, e.Role, e.Via, e.ClientIP, e.Action, e.Region, e.KeyPair, e.Outcome, e.Detail}, e.InstanceIDs...), "|"))
		rows.WriteString("\n")
	}
	if !strings.Contains(rows.String(), ActionLogin) {
		t.Fatal("audit trail holds no sign-ins; the test exercised nothing")
	}
	for _, s := range secrets {
		if strings.Contains(rows.String(), s) {
			t.Errorf("audit rows contain a secret %q", s)
		}
	}

	for name, b := range f.databaseBytes(t) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains a secret %q", name, s)
			}
		}
	}
}

// databaseBytes is everything the database holds: on SQLite the files (the
// database and its WAL), on PostgreSQL every row of every table as text.
func (f *fixture) databaseBytes(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	if f.st.Dialect() == store.Postgres {
		tables, err := f.st.Tables(context.Background())
		if err != nil || len(tables) < 5 {
			t.Fatalf("tables %v, %v; want keybind's", tables, err)
		}
		for _, table := range tables {
			var rows sql.NullString
			if err := f.st.DB().QueryRow(`SELECT string_agg(x::text, E'\n') FROM "` + table + `" x`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			out[table] = []byte(rows.String)
		}
		return out
	}
	files, _ := filepath.Glob(filepath.Join(f.dir, "keybind.db*"))
	if len(files) < 2 {
		t.Fatalf("database files %v, want the database and its WAL", files)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(name)] = b
	}
	return out
}
