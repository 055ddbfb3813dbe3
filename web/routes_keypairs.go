package web

import (
	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/internal/auth"
)

// keypairRoutes is the key pairs page: list and details for everyone who
// binds, import and create for key managers (helpdesk included), delete for
// administrators. The handlers check the permission again before acting.
func (s *Server) keypairRoutes(user *echo.Group) {
	need := func(p auth.Permission) echo.MiddlewareFunc { return chain(s.requirePerm(p), needAccount) } // per account and region
	sv := s.svc
	view, manage, del := need(auth.PermBind), need(auth.PermManageKeys), need(auth.PermDeleteKeys)

	imp := handlers.NewKeyPairImport(sv.regions, sv.keys)
	create := handlers.NewKeyPairCreate(sv.regions, sv.keys)
	user.GET("/keypairs", handlers.NewKeyPairsList(sv.regions, sv.keyPairs, sv.keys, s.deps.Auth, s.cfg.Clock).Show, view)
	user.GET("/keypairs/key", handlers.NewKeyPairShow(sv.keys).Show, view)
	user.GET("/keypairs/import", imp.Show, manage)
	user.POST("/keypairs/import", imp.Import, manage)
	user.GET("/keypairs/create", create.Show, manage)
	user.POST("/keypairs/create", create.Create, manage)
	user.POST("/keypairs/delete", handlers.NewKeyPairDelete(sv.keys).Delete, del)
}
