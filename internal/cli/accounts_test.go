package cli

import (
	"context"
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
