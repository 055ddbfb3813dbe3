package cli

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"keybind/internal/auth"
	"keybind/internal/sso"
)

// ssoFlags are the single sign-on settings of `keybind serve` (docs/SSO.md).
type ssoFlags struct {
	Issuer, ClientID, ClientSecret, ClientSecretFile, RedirectURL string
	Scopes, UsernameClaim, RolesClaim                             string
	AdminValues, HelpdeskValues, ProviderName                     string
	PasswordLogin                                                 bool
	BreakGlassAdmins                                              string
	envSecret                                                     string // KEYBIND_OIDC_CLIENT_SECRET
}

const envClientSecret = "KEYBIND_OIDC_CLIENT_SECRET"

func (e *envFlags) ssoFlags(c *ssoFlags) {
	e.String(&c.Issuer, "oidc-issuer", "KEYBIND_OIDC_ISSUER", "", "single sign-on: the OpenID Provider's issuer URL (turns single sign-on on)")
	e.String(&c.ClientID, "oidc-client-id", "KEYBIND_OIDC_CLIENT_ID", "", "single sign-on: keybind's client ID at the provider")
	// Not f.String: its default (shown by --help) would be the secret.
	e.fs.StringVar(&c.ClientSecret, "oidc-client-secret", "", "single sign-on: the client secret; prefer the environment or --oidc-client-secret-file, a flag shows in the process list"+envNote(envClientSecret))
	c.envSecret = e.sys.Getenv(envClientSecret)
	e.String(&c.ClientSecretFile, "oidc-client-secret-file", "KEYBIND_OIDC_CLIENT_SECRET_FILE", "", "single sign-on: a file holding the client secret")
	e.String(&c.RedirectURL, "oidc-redirect-url", "KEYBIND_OIDC_REDIRECT_URL", "", "single sign-on: this console's callback as the provider knows it, https://<host>"+sso.CallbackPath)
	e.String(&c.Scopes, "oidc-scopes", "KEYBIND_OIDC_SCOPES", "openid,profile,email", "single sign-on: comma-separated scopes to ask for")
	e.String(&c.UsernameClaim, "oidc-username-claim", "KEYBIND_OIDC_USERNAME_CLAIM", sso.DefaultUsernameClaim, "single sign-on: the ID token claim that names a new account (preferred_username or email)")
	e.String(&c.RolesClaim, "oidc-roles-claim", "KEYBIND_OIDC_ROLES_CLAIM", sso.DefaultRolesClaim, "single sign-on: the ID token claim whose values give the role")
	e.String(&c.AdminValues, "oidc-admin-values", "KEYBIND_OIDC_ADMIN_VALUES", "", "single sign-on: comma-separated values of the roles claim that make an admin")
	e.String(&c.HelpdeskValues, "oidc-helpdesk-values", "KEYBIND_OIDC_HELPDESK_VALUES", "", "single sign-on: comma-separated values of the roles claim that make a helpdesk user")
	e.String(&c.ProviderName, "oidc-provider-name", "KEYBIND_OIDC_PROVIDER_NAME", sso.DefaultProviderName, "single sign-on: the provider's name on the sign-in button")
	e.Bool(&c.PasswordLogin, "password-login", "KEYBIND_PASSWORD_LOGIN", true, "offer password sign-in; false leaves only single sign-on and --break-glass-admins")
	e.String(&c.BreakGlassAdmins, "break-glass-admins", "KEYBIND_BREAK_GLASS_ADMINS", "", "comma-separated local administrators who may still sign in with a password when --password-login=false")
}

// ssoConfig checks the single sign-on settings and returns the service's
// configuration (nil when single sign-on is off) and who may still sign in
// with a password. The client secret file is read here.
func (c ssoFlags) ssoConfig() (*sso.Config, auth.PasswordLogin, error) {
	if c.ClientSecret == "" {
		c.ClientSecret = c.envSecret
	}
	pw := auth.PasswordLogin{Off: !c.PasswordLogin, BreakGlass: splitList(c.BreakGlassAdmins)}
	for _, name := range pw.BreakGlass {
		if err := auth.ValidateUsername(name); err != nil {
			return nil, pw, fmt.Errorf("--break-glass-admins: %q is not a user name", name)
		}
	}
	if len(pw.BreakGlass) > 0 && !pw.Off {
		return nil, pw, fmt.Errorf("--break-glass-admins applies only with --password-login=false")
	}
	if c.Issuer == "" {
		if pw.Off {
			return nil, pw, fmt.Errorf("--password-login=false needs single sign-on (--oidc-issuer)")
		}
		for _, set := range []struct{ name, value string }{{"--oidc-client-id", c.ClientID}, {"--oidc-client-secret", c.ClientSecret},
			{"--oidc-client-secret-file", c.ClientSecretFile}, {"--oidc-redirect-url", c.RedirectURL},
			{"--oidc-admin-values", c.AdminValues}, {"--oidc-helpdesk-values", c.HelpdeskValues}} {
			if set.value != "" {
				return nil, pw, fmt.Errorf("%s needs --oidc-issuer", set.name)
			}
		}
		return nil, pw, nil
	}
	if err := checkURL(c.Issuer, ""); err != nil {
		return nil, pw, fmt.Errorf("--oidc-issuer %q %w", c.Issuer, err)
	}
	if c.ClientID == "" {
		return nil, pw, fmt.Errorf("--oidc-issuer needs --oidc-client-id")
	}
	if c.RedirectURL == "" {
		return nil, pw, fmt.Errorf("--oidc-issuer needs --oidc-redirect-url (https://<this console>%s)", sso.CallbackPath)
	}
	if err := checkURL(c.RedirectURL, sso.CallbackPath); err != nil {
		return nil, pw, fmt.Errorf("--oidc-redirect-url %q %w", c.RedirectURL, err)
	}
	secret, err := c.secret()
	if err != nil {
		return nil, pw, err
	}
	roles := sso.RoleMapping{Claim: c.RolesClaim, Admin: splitList(c.AdminValues), Helpdesk: splitList(c.HelpdeskValues)}
	if len(roles.Admin) == 0 && len(roles.Helpdesk) == 0 {
		return nil, pw, fmt.Errorf("--oidc-admin-values or --oidc-helpdesk-values must name a value of the %s claim, or nobody gets a role", roles.Claim)
	}
	if c.UsernameClaim == "" || c.RolesClaim == "" {
		return nil, pw, fmt.Errorf("--oidc-username-claim and --oidc-roles-claim must not be empty")
	}
	scopes := strings.FieldsFunc(c.Scopes, func(r rune) bool { return r == ',' || r == ' ' })
	return &sso.Config{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: c.RedirectURL,
		Scopes: scopes, UsernameClaim: c.UsernameClaim, Roles: roles, ProviderName: c.ProviderName}, pw, nil
}

// secret is the client secret from the environment, the flag or the file
// (exactly one of them, or none for a public client).
func (c ssoFlags) secret() (string, error) {
	if c.ClientSecretFile == "" {
		return c.ClientSecret, nil
	}
	if c.ClientSecret != "" {
		return "", fmt.Errorf("give the client secret once: KEYBIND_OIDC_CLIENT_SECRET or --oidc-client-secret-file")
	}
	b, err := os.ReadFile(c.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("--oidc-client-secret-file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("--oidc-client-secret-file %q must hold the secret on one line", c.ClientSecretFile)
	}
	return s, nil
}

// checkURL accepts an https:// URL (http:// only for a loopback host) with
// no query or fragment, and with the given path when path is not "".
func checkURL(s, path string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("must be an https:// URL without a query")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !loopback(u.Hostname())) {
		return fmt.Errorf("must be an https:// URL (http:// only on a loopback address)")
	}
	if path != "" && u.Path != path {
		return fmt.Errorf("must end in %s", path)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
