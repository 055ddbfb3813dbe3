package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keybind/internal/accounts"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/store"
)

// The key that seals cloud account secrets is generated into the data
// directory once and read back; a bad KEYBIND_SECRET_KEY stops the start
// without repeating the value.
func TestSecretKeyAtStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "keybind.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gw, err := cloud.New(cloud.Config{Endpoint: "http://127.0.0.1:9", AccessKeyID: "a", AccessKeySecret: "b"})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(st, auth.Config{})
	cl := &cloudConn{gateway: gw, hasDefault: true}
	cfg := serveConfig{DataDir: dir}
	sys, _, _ := sysFor(nil)
	if _, err := newAccounts(ctx, cfg, sys, st, a, cl); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(dir, accounts.SecretKeyFile))
	if err != nil {
		t.Fatalf("no generated key: %v", err)
	}
	if _, err := newAccounts(ctx, cfg, sys, st, a, cl); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, accounts.SecretKeyFile)); string(again) != string(first) {
		t.Error("a second start replaced the generated key")
	}
	bad, _, _ := sysFor(map[string]string{"KEYBIND_SECRET_KEY": "not-a-key-s3cret"})
	_, err = newAccounts(ctx, cfg, bad, st, a, cl)
	if err == nil || !strings.Contains(err.Error(), "KEYBIND_SECRET_KEY") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad KEYBIND_SECRET_KEY: %v, want an error naming it without its value", err)
	}
	// A shared database (PostgreSQL) needs the key given: every console
	// sharing it must seal with the same one.
	shared := serveConfig{DataDir: t.TempDir(), DatabaseURL: "postgres://db.example/keybind"}
	if _, err := newAccounts(ctx, shared, sys, st, a, cl); !errors.Is(err, accounts.ErrSecretKeyRequired) {
		t.Errorf("PostgreSQL without a secret key: %v, want ErrSecretKeyRequired", err)
	}
	if _, err := os.Stat(filepath.Join(shared.DataDir, accounts.SecretKeyFile)); !os.IsNotExist(err) {
		t.Errorf("a key was generated beside a shared database: %v", err)
	}
	given, _, _ := sysFor(map[string]string{"KEYBIND_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="})
	if _, err := newAccounts(ctx, shared, given, st, a, cl); err != nil {
		t.Errorf("PostgreSQL with KEYBIND_SECRET_KEY: %v", err)
	}
}

func TestServeEmbeddedSandboxAccounts(t *testing.T) {
	sys, _, _ := sysFor(map[string]string{"KEYBIND_SANDBOX_ROLES": "prod:keybind-operator"})
	c, err := parseServe([]string{"--sandbox-account", "prod:LTAIprod:s3cret:with:colons"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.sandboxAccounts) != 1 || c.sandboxAccounts[0].Name != "prod" || c.sandboxAccounts[0].AccessKeySecret != "s3cret:with:colons" ||
		len(c.sandboxRoles) != 1 || c.sandboxRoles[0].Name != "keybind-operator" {
		t.Errorf("embedded sandbox accounts %+v, roles %+v", c.sandboxAccounts, c.sandboxRoles)
	}
}
