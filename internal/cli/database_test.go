package cli

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"keybind/internal/store/pgtest"
)

// A database URL that cannot be used ends `keybind serve` (and the user
// commands) with exit status 1 and one line saying so, within 15 seconds,
// and without repeating the password.
func TestUnusableDatabaseURLFailsFastWithOneLine(t *testing.T) {
	// A port that refuses connections, and one that accepts them but never answers.
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().String()
	refused.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	tests := []struct {
		name, url, want string
	}{
		{"bad URL", "postgres://keybind:s3cret@[::1/keybind", "not valid"},
		{"bad parameter", "postgres://keybind:s3cret@127.0.0.1/keybind?sslmode=sometimes", "not valid"},
		{"bad port", "postgres://keybind:s3cret@127.0.0.1:99999/keybind", "invalid port"},
		{"nothing listening", "postgres://keybind:s3cret@" + refusedAddr + "/keybind?sslmode=disable", "cannot reach the database"},
		{"server never answers", "postgres://keybind:s3cret@" + silent.Addr().String() + "/keybind?sslmode=disable", "cannot reach the database"},
	}
	for _, tt := range tests {
		for _, args := range [][]string{{"serve", "--data-dir", t.TempDir()}, {"user", "list"}} {
			t.Run(tt.name+"/"+args[0], func(t *testing.T) {
				sys, _, _ := sysFor(map[string]string{"KEYBIND_DATABASE_URL": tt.url})
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				err := Run(ctx, args, sys)
				if ctx.Err() != nil {
					t.Fatalf("still running after 15 s (err %v)", err)
				}
				if code := ExitCode(err); code != 1 {
					t.Fatalf("exit code %d (err %v), want 1", code, err)
				}
				msg := err.Error()
				if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
					t.Errorf("error %q: want one line containing %q", msg, tt.want)
				}
				if strings.Contains(msg, "s3cret") {
					t.Errorf("error %q repeats the password", msg)
				}
			})
		}
	}
}

// The user commands work on a PostgreSQL database as they do on SQLite.
func TestUserCommandsOnPostgres(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL tests run with " + pgtest.Env + "=postgres (scripts/test.sh runs them)")
	}
	u := pgtest.NewDatabase(t)
	run := func(stdin string, args ...string) (string, error) {
		sys, out, _ := sysFor(map[string]string{"KEYBIND_DATABASE_URL": u})
		sys.Stdin = strings.NewReader(stdin)
		err := Run(context.Background(), args, sys)
		return out.String(), err
	}
	if _, err := run("Lantern-Copper-Quartz-91\n", "user", "add", "bob", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatalf("add bob: %v", err)
	}
	out, err := run("", "user", "list")
	if err != nil || !strings.Contains(out, "bob") {
		t.Errorf("list: %q, %v; want bob", out, err)
	}
}
