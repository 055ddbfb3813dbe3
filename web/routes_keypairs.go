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

	add := handlers.NewKeyPairAdd(sv.regions, sv.keys)
	user.GET("/keypairs", handlers.NewKeyPairsList(sv.regions, sv.keyPairs, sv.keys, s.deps.Auth, s.cfg.Clock).Show, view)
	user.GET("/keypairs/key", handlers.NewKeyPairShow(sv.keys).Show, view)
	user.GET("/keypairs/import", add.ShowImport, manage)
	user.POST("/keypairs/import", add.Import, manage)
	user.GET("/keypairs/create", add.ShowCreate, manage)
	user.POST("/keypairs/create", add.Create, manage)
	user.POST("/keypairs/delete", handlers.NewKeyPairDelete(sv.keys).Delete, del)
}
