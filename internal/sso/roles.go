package sso

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"keybind/internal/auth"
)

// RoleMapping turns the values of one claim of the ID token into a role.
type RoleMapping struct {
	// Claim names the claim (default "groups"). A name with dots that is
	// not itself a claim is a path into nested objects, such as Keycloak's
	// "realm_access.roles".
	Claim string
	// Admin and Helpdesk are the claim values that give each role; a value
	// in both gives admin. Values are compared exactly.
	Admin, Helpdesk []string
}

// DefaultRolesClaim is RoleMapping.Claim's default.
const DefaultRolesClaim = "groups"

// maxDescribed bounds how many of a claim's values the audit trail lists.
const maxDescribed = 20

// Role returns the role the claims map to ("" for none) and, for the audit
// trail, what it was read from, such as `groups ["keybind-admins" "staff"]`.
func (m RoleMapping) Role(claims map[string]any) (auth.Role, string) {
	name := m.claim()
	values, found := claimValues(claims, name)
	switch {
	case !found && overage(claims, name):
		return "", fmt.Sprintf("no %s in the ID token: the provider sent a reference instead (too many to include); map the role through fewer groups or app roles", name)
	case !found:
		return "", fmt.Sprintf("no %s claim in the ID token", name)
	}
	desc := name + " " + describe(values)
	switch {
	case intersects(values, m.Admin):
		return auth.RoleAdmin, desc
	case intersects(values, m.Helpdesk):
		return auth.RoleHelpdesk, desc
	}
	return "", desc
}

func (m RoleMapping) claim() string {
	if m.Claim == "" {
		return DefaultRolesClaim
	}
	return m.Claim
}

func intersects(values, wanted []string) bool {
	for _, v := range values {
		if slices.Contains(wanted, v) {
			return true
		}
	}
	return false
}

// claimValues reads a claim as a list of strings: an array (of strings or
// numbers), or a single string or number as a list of one. found is false
// when the claim is absent or null.
func claimValues(claims map[string]any, name string) (values []string, found bool) {
	v, ok := lookup(claims, name)
	if !ok || v == nil {
		return nil, false
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if s, ok := scalar(e); ok {
				values = append(values, s)
			}
		}
		return values, true
	default:
		if s, ok := scalar(t); ok {
			return []string{s}, true
		}
	}
	return nil, true
}

// lookup finds a claim by its name, or else by a dotted path into nested
// objects.
func lookup(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	var cur any = claims
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func scalar(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// overage reports a claim the provider left out and pointed to instead
// (_claim_names), as Microsoft Entra ID does past 200 groups.
func overage(claims map[string]any, name string) bool {
	names, ok := claims["_claim_names"].(map[string]any)
	if !ok {
		return false
	}
	_, ok = names[name]
	return ok
}

// describe quotes up to maxDescribed values for the audit trail.
func describe(values []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range values {
		if i == maxDescribed {
			fmt.Fprintf(&b, " …%d more", len(values)-maxDescribed)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		if r := []rune(v); len(r) > 80 {
			v = string(r[:80]) + "…"
		}
		b.WriteString(strconv.Quote(v))
	}
	b.WriteByte(']')
	return b.String()
}
