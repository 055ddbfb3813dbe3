package web

import (
	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/internal/auth"
	"keybind/internal/sso"
)

// routes is the console's route table. Every route needs a signed-in user
// except sign-in, health, readiness and metrics, and static assets (deny by default);
// routes that need more than that name their permission, checked on the
// server.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", healthz)
	e.GET("/readyz", s.readyz)
	if s.deps.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.deps.Metrics))
	}
	e.GET("/favicon.ico", favicon)
	e.GET(staticPrefix+"*", staticHandler())
	e.HEAD(staticPrefix+"*", staticHandler())

	// Pages and actions with a session and CSRF protection.
	app := e.Group("", s.loadSession, csrfProtect, noStore)
	login := handlers.NewLogin(s.deps.Auth, s.signInLimiter("sign-in:"), s.loginOptions())
	app.GET("/login", login.Show)
	app.POST("/login", login.Submit, s.knownDevice)
	app.POST("/logout", login.Logout)
	s.ssoRoutes(app)

	// Everything else: a signed-in user, and the permission named per route.
	// Every request works in one cloud account (web/cloudaccount.go); the
	// pages that call the cloud need one chosen (needAccount), a job's pages
	// and actions work in the job's (jobAccount).
	user := app.Group("", requireUser, mustChangePassword, s.cloudAccount)
	need := func(p auth.Permission) echo.MiddlewareFunc { return chain(s.requirePerm(p), needAccount) }
	gw, engine, sv := s.deps.Cloud, s.deps.Jobs, s.svc
	user.GET("/", handlers.NewDashboard(sv.regions, s.deps.Jobs).Show, needAccount)
	s.accountRoutes(user)

	account := handlers.NewAccount(s.deps.Auth, s.deps.Auth.Tokens())
	user.GET("/account", account.Show)
	user.POST("/account/password", account.ChangePassword)

	// Binding: region → key pair → instances → review → job.
	region := handlers.NewBindRegion(sv.regions, s.deps.Auth)
	keys := handlers.NewBindKeys(sv.regions, sv.keyPairs)
	inst := handlers.NewBindInstances(sv.regions, sv.instances, gw, s.deps.Selections, s.cfg.Clock)
	review := handlers.NewBindReview(sv.binding, s.deps.Selections)
	create := handlers.NewJobsCreate(sv.binding, s.deps.Selections)
	bind := need(auth.PermBind)
	user.GET("/bind", region.Show, bind)
	user.POST("/bind/region", region.Choose, bind)
	user.GET("/bind/key", keys.Show, bind)
	user.GET("/bind/instances", inst.Show, bind)
	user.POST("/bind/selection/toggle", inst.Toggle, bind)
	user.POST("/bind/selection/page", inst.Page, bind)
	user.POST("/bind/selection/matching", inst.Matching, bind)
	user.POST("/bind/selection/paste", inst.Paste, bind)
	user.POST("/bind/selection/clear", inst.Clear, bind)
	user.GET("/bind/review", review.Show, bind)
	user.POST("/jobs", create.Create, bind)
	user.GET("/unbind/review", review.ShowUnbind, bind)
	user.POST("/jobs/unbind", create.CreateUnbind, bind)

	// Jobs: history, result grid, and the grid's actions.
	show := handlers.NewJobShow(engine, engine)
	actions := handlers.NewJobActions(engine)
	list := handlers.NewJobsList(engine)
	user.GET("/jobs", list.Show, s.requirePerm(auth.PermViewJobs))
	user.GET("/jobs/export.csv", list.ExportCSV, s.requirePerm(auth.PermViewJobs))
	user.GET("/jobs/export.json", list.ExportJSON, s.requirePerm(auth.PermViewJobs))
	inJob := func(p auth.Permission) echo.MiddlewareFunc { return chain(s.requirePerm(p), s.jobAccount(auth.ViaWeb)) }
	view, restart, bind := inJob(auth.PermViewJobs), inJob(auth.PermRestart), inJob(auth.PermBind)
	user.GET("/jobs/:id/export.csv", show.ExportCSV, view)
	user.GET("/jobs/:id/export.json", show.ExportJSON, view)
	user.GET("/jobs/:id", show.Show, view)
	user.GET("/jobs/:id/grid", show.Grid, view, gzipFragment)       // holds no secret
	user.GET("/jobs/:id/changes", show.Changes, view, gzipFragment) // polled; holds no secret
	user.POST("/jobs/:id/items/:instance/reboot", actions.Reboot, restart)
	user.POST("/jobs/:id/items/:instance/start", actions.Start, restart)
	user.POST("/jobs/:id/items/:instance/resolve", actions.Resolve, restart)
	user.POST("/jobs/:id/reboot-all", actions.RebootAll, restart)
	user.POST("/jobs/:id/start-all", actions.StartAll, restart)
	user.POST("/jobs/:id/retry", actions.Retry, bind, restart)
	user.POST("/jobs/:id/pause", actions.Pause, restart)
	user.POST("/jobs/:id/resume", actions.Resume, restart)
	user.POST("/jobs/:id/cancel", actions.Cancel, restart)
	rollback := handlers.NewJobRollback(sv.binding)
	user.GET("/jobs/:id/rollback", rollback.Show, bind)
	user.POST("/jobs/:id/rollback", rollback.Create, bind)

	// Administration.
	need = s.requirePerm
	users := handlers.NewUsers(s.deps.Auth)
	manage := need(auth.PermManageUsers)
	user.GET("/users", users.Show, manage)
	user.POST("/users", users.Create, manage)
	user.POST("/users/:name/role", users.SetRole, manage)
	user.POST("/users/:name/password", users.ResetPassword, manage)
	user.POST("/users/:name/disable", users.Disable, manage)
	user.POST("/users/:name/enable", users.Enable, manage)
	user.POST("/users/:name/sessions/end", users.EndSessions, manage)

	sb := handlers.NewSandboxControls(s.deps.Sandbox, s.deps.Auth)
	sandboxCtl := need(auth.PermSandbox)
	user.GET("/sandbox", sb.Show, sandboxCtl)
	user.POST("/sandbox/advance", sb.Advance, sandboxCtl)
	user.POST("/sandbox/reset", sb.Reset, sandboxCtl)
	user.POST("/sandbox/faults", sb.AddFault, sandboxCtl)
	user.POST("/sandbox/faults/clear", sb.ClearFaults, sandboxCtl)

	audit := handlers.NewAudit(s.deps.Auth, engine)
	readAudit := need(auth.PermReadAudit)
	user.GET("/audit", audit.Show, readAudit)
	user.GET("/audit/export.csv", audit.ExportCSV, readAudit)
	user.GET("/audit/export.json", audit.ExportJSON, readAudit)
	s.keypairRoutes(user)
	s.tokenRoutes(user)
	s.apiRoutes()
}

// ssoRoutes are single sign-on's two steps (docs/SSO.md), when an identity
// provider is configured. Callbacks share a per-IP limiter of their own.
func (s *Server) ssoRoutes(app *echo.Group) {
	if s.deps.SSO == nil {
		return
	}
	h := handlers.NewSSO(s.deps.SSO, s.ssoFlows, s.signInLimiter("sso-callback:"))
	app.GET(sso.StartPath, h.Start)
	app.GET(sso.CallbackPath, h.Callback)
}

// loginOptions are the ways in the sign-in page offers.
func (s *Server) loginOptions() handlers.LoginOptions {
	o := handlers.LoginOptions{PasswordLogin: s.deps.Auth.PasswordLoginOn()}
	if s.deps.SSO != nil {
		o.SSOName, o.EndSession = s.deps.SSO.ProviderName(), s.deps.SSO
	}
	return o
}

const staticPrefix = "/static/"

// loginRate is the sustained sign-in attempts per second allowed per IP.
func (c Config) loginRate() float64 {
	if c.LoginRatePerSecond > 0 {
		return c.LoginRatePerSecond
	}
	return 0.2 // one attempt per 5 s after a burst of 10
}
