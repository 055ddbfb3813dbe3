package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keybind/internal/auth"
)

// Issue #13: single sign-on's settings, from flags or KEYBIND_OIDC_*; an
// inconsistent configuration refuses to start with status 2 and one line.
func TestSSOConfigurationErrors(t *testing.T) {
	ok := []string{"--oidc-issuer", "https://idp.example.com/realms/corp", "--oidc-client-id", "keybind",
		"--oidc-redirect-url", "https://keybind.example.com/login/sso/callback", "--oidc-admin-values", "keybind-admins"}
	with := func(extra ...string) []string { return append(append([]string{"serve"}, ok...), extra...) }
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"password off without SSO", []string{"serve", "--password-login=false"}, nil, "--password-login=false needs single sign-on"},
		{"password off from env without SSO", []string{"serve"}, map[string]string{"KEYBIND_PASSWORD_LOGIN": "false"}, "needs single sign-on"},
		{"bad boolean env", []string{"serve"}, map[string]string{"KEYBIND_PASSWORD_LOGIN": "nope"}, "KEYBIND_PASSWORD_LOGIN"},
		{"client ID without issuer", []string{"serve", "--oidc-client-id", "x"}, nil, "--oidc-client-id needs --oidc-issuer"},
		{"secret env without issuer", []string{"serve"}, map[string]string{"KEYBIND_OIDC_CLIENT_SECRET": "x"}, "--oidc-client-secret needs --oidc-issuer"},
		{"issuer over http", []string{"serve", "--oidc-issuer", "http://idp.example.com", "--oidc-client-id", "k"}, nil, "must be an https:// URL"},
		{"issuer with a query", with("--oidc-issuer", "https://idp.example.com/?x=1"), nil, "--oidc-issuer"},
		{"no client ID", []string{"serve", "--oidc-issuer", "https://idp.example.com"}, nil, "needs --oidc-client-id"},
		{"no redirect URL", []string{"serve", "--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "k"}, nil, "needs --oidc-redirect-url"},
		{"redirect URL elsewhere", with("--oidc-redirect-url", "https://keybind.example.com/callback"), nil, "must end in /login/sso/callback"},
		{"no role values", []string{"serve", "--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "k",
			"--oidc-redirect-url", "https://keybind.example.com/login/sso/callback"}, nil, "nobody gets a role"},
		{"secret twice", with("--oidc-client-secret-file", secretFile), map[string]string{"KEYBIND_OIDC_CLIENT_SECRET": "x"}, "give the client secret once"},
		{"secret file missing", with("--oidc-client-secret-file", secretFile+".nope"), nil, "--oidc-client-secret-file"},
		{"break-glass with password on", with("--break-glass-admins", "admin"), nil, "only with --password-login=false"},
		{"break-glass bad name", with("--password-login=false", "--break-glass-admins", "Admin One"), nil, "--break-glass-admins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, _, _ := sysFor(tt.env)
			err := Run(context.Background(), tt.args, sys)
			if code := ExitCode(err); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q: want one line containing %q", msg, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Error("the error shows the secret")
			}
		})
	}
}

// The client secret from the environment never shows in --help (as a
// flag's default) or in an error.
func TestSSOClientSecretIsNotShown(t *testing.T) {
	sys, out, errOut := sysFor(map[string]string{"KEYBIND_OIDC_CLIENT_SECRET": "env-s3cret"})
	_ = Run(context.Background(), []string{"serve", "--help"}, sys)
	if !strings.Contains(out.String(), "-oidc-client-secret") || strings.Contains(out.String()+errOut.String(), "env-s3cret") {
		t.Errorf("serve --help shows the secret or lacks the flag:\n%s", out)
	}
	c, err := parseServe([]string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "k",
		"--oidc-redirect-url", "https://k.example.com/login/sso/callback", "--oidc-helpdesk-values", "staff"},
		IO{Getenv: func(k string) string { return map[string]string{"KEYBIND_OIDC_CLIENT_SECRET": "env-s3cret"}[k] }})
	if err != nil || c.sso.ClientSecret != "env-s3cret" {
		t.Errorf("secret from the environment: %v", err)
	}
}

func TestSSOConfigurationFromEnvironmentAndFile(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"KEYBIND_OIDC_ISSUER":             "https://login.microsoftonline.com/tenant/v2.0",
		"KEYBIND_OIDC_CLIENT_ID":          "app-id",
		"KEYBIND_OIDC_CLIENT_SECRET_FILE": secretFile,
		"KEYBIND_OIDC_REDIRECT_URL":       "https://keybind.example.com/login/sso/callback",
		"KEYBIND_OIDC_ROLES_CLAIM":        "roles",
		"KEYBIND_OIDC_ADMIN_VALUES":       "Keybind.Admin",
		"KEYBIND_OIDC_HELPDESK_VALUES":    "Keybind.Helpdesk, Keybind.Support",
		"KEYBIND_OIDC_USERNAME_CLAIM":     "email",
		"KEYBIND_OIDC_PROVIDER_NAME":      "Contoso",
		"KEYBIND_PASSWORD_LOGIN":          "false",
		"KEYBIND_BREAK_GLASS_ADMINS":      "admin, root-admin",
	}
	c, err := parseServe(nil, IO{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	s := c.sso
	if s == nil || s.Issuer != env["KEYBIND_OIDC_ISSUER"] || s.ClientID != "app-id" || s.ClientSecret != "file-secret" ||
		s.UsernameClaim != "email" || s.ProviderName != "Contoso" || s.Roles.Claim != "roles" ||
		strings.Join(s.Roles.Admin, "|") != "Keybind.Admin" || strings.Join(s.Roles.Helpdesk, "|") != "Keybind.Helpdesk|Keybind.Support" ||
		strings.Join(s.Scopes, " ") != "openid profile email" {
		t.Errorf("sso config = %+v", s)
	}
	want := auth.PasswordLogin{Off: true, BreakGlass: []string{"admin", "root-admin"}}
	if c.passwordLogin.Off != want.Off || strings.Join(c.passwordLogin.BreakGlass, ",") != "admin,root-admin" {
		t.Errorf("password login = %+v, want %+v", c.passwordLogin, want)
	}

	// Without any of it, single sign-on is off and passwords are on.
	c, err = parseServe(nil, IO{Getenv: func(string) string { return "" }})
	if err != nil || c.sso != nil || c.passwordLogin.Off {
		t.Errorf("defaults: sso %+v, password %+v, %v", c.sso, c.passwordLogin, err)
	}
	// The flag wins over the environment, as for every flag.
	c, err = parseServe([]string{"--oidc-provider-name", "Keycloak"}, IO{Getenv: func(k string) string { return env[k] }})
	if err != nil || c.sso.ProviderName != "Keycloak" {
		t.Errorf("flag over env: %+v, %v", c.sso, err)
	}
}
