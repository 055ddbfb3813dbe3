package auth

import "fmt"

// Role is a user's role.
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"
	RoleHelpdesk Role = "helpdesk"
)

// Roles lists every role, for forms.
var Roles = []Role{RoleAdmin, RoleHelpdesk}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleHelpdesk:
		return r, nil
	}
	return "", &ValidationError{Field: "role", Message: fmt.Sprintf("must be %q or %q", RoleAdmin, RoleHelpdesk)}
}

// Permission is something a role may be allowed to do.
type Permission string

// Permissions.
const (
	PermBind        Permission = "bind"         // bind key pairs to instances
	PermRestart     Permission = "restart"      // reboot and start instances
	PermViewJobs    Permission = "view_jobs"    // see jobs
	PermManageUsers Permission = "manage_users" // create, change and disable users, end sessions
	PermReadAudit   Permission = "read_audit"   // read and export the audit trail
	PermSandbox     Permission = "sandbox"      // sandbox controls (sandbox mode only)
	PermManageKeys  Permission = "manage_keys"  // create and import key pairs
	PermDeleteKeys  Permission = "delete_keys"  // delete key pairs
	// PermAllAccounts: work in every cloud account; others only in the accounts granted to them.
	PermAllAccounts    Permission = "all_accounts"
	PermManageAccounts Permission = "manage_accounts" // add, test and delete cloud accounts, grant them
)

// grants is the whole policy: what is not listed is denied.
var grants = map[Role]map[Permission]bool{
	// Helpdesk staff import and create key pairs (a user sends a public key;
	// helpdesk imports and binds it). Deleting stays with administrators.
	RoleHelpdesk: {PermBind: true, PermRestart: true, PermViewJobs: true, PermManageKeys: true},
	RoleAdmin: {PermBind: true, PermRestart: true, PermViewJobs: true,
		PermManageUsers: true, PermReadAudit: true, PermSandbox: true, PermManageKeys: true, PermDeleteKeys: true,
		PermAllAccounts: true, PermManageAccounts: true},
}

// Can reports whether role r has permission p. Unknown roles have none.
func (r Role) Can(p Permission) bool { return grants[r][p] }
