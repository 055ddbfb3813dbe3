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
	need := s.requirePerm
	gw := s.deps.Cloud
	view, manage, del := need(auth.PermBind), need(auth.PermManageKeys), need(auth.PermDeleteKeys)

	show := handlers.NewKeyPairShow(gw, gw, gw)
	imp := handlers.NewKeyPairImport(gw, gw, s.deps.Auth)
	create := handlers.NewKeyPairCreate(gw, gw, s.deps.Auth)
	user.GET("/keypairs", handlers.NewKeyPairsList(gw, gw, gw, s.deps.Auth).Show, view)
	user.GET("/keypairs/key", show.Show, view)
	user.GET("/keypairs/import", imp.Show, manage)
	user.POST("/keypairs/import", imp.Import, manage)
	user.GET("/keypairs/create", create.Show, manage)
	user.POST("/keypairs/create", create.Create, manage)
	user.POST("/keypairs/delete", handlers.NewKeyPairDelete(show, gw, s.deps.Auth).Delete, del)
}
