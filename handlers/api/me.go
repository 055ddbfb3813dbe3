package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
)

// apiPermissions are the permissions GET /api/v1/me reports.
var apiPermissions = []auth.Permission{auth.PermBind, auth.PermRestart, auth.PermViewJobs, auth.PermManageKeys,
	auth.PermDeleteKeys, auth.PermReadAudit, auth.PermManageUsers, auth.PermSandbox, auth.PermManageAccounts, auth.PermAllAccounts}

// Me answers who the token acts for and what their role allows now.
func Me(c echo.Context) error {
	u := request.Get(c).User
	out := struct {
		User        string   `json:"user"`
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}{User: u.Name, Role: string(u.Role), Permissions: []string{}}
	for _, p := range apiPermissions {
		if u.Role.Can(p) {
			out.Permissions = append(out.Permissions, string(p))
		}
	}
	return c.JSON(http.StatusOK, out)
}
