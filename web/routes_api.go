package web

import (
	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/handlers/api"
	"keybind/internal/auth"
)

// The API's budgets. A user's calls: a script polling a job a few times a
// second stays far below it; a runaway loop is slowed before it uses up the
// cloud API's quota. A client address's failed authentications: a script
// with a wrong token gets its 401s, a guesser is slowed to a crawl.
const (
	apiCallsPerSecond    = 20
	apiCallsBurst        = 200
	apiFailuresPerSecond = 5
	apiFailuresBurst     = 300
)

// apiRoutes is the JSON API for automation, /api/v1 (docs/API.md). It has
// its own group, outside the session and CSRF group: a personal API token
// authenticates every call, and each route names its permission as the
// pages do. The global middleware (request ID,
// security headers, body limit, timeout) applies as everywhere.
func (s *Server) apiRoutes() {
	gw, engine, sv := s.deps.Cloud, s.deps.Jobs, s.svc
	failures, calls := s.apiLimiters()
	v1 := s.echo.Group("/api/v1", noStore, s.apiAuth(s.deps.Auth.Tokens(), failures, calls))
	need := s.apiPerm
	bind, view := need(auth.PermBind), need(auth.PermViewJobs)
	// The document needs a token like everything else: SECURITY.md keeps the
	// public routes to sign-in, health and static assets, and the same
	// document is in the repository (handlers/api/openapi.json) for tools.
	v1.GET("/openapi.json", api.OpenAPI)
	v1.GET("/me", api.Me)

	// The cloud accounts the caller may use; the cloud's reads work in the
	// one ?account= names (default "default"), refused and audited when it
	// is not granted.
	v1.GET("/accounts", api.NewAccounts(s.deps.Accounts).List)
	inAccount := func(p auth.Permission) echo.MiddlewareFunc { return chain(need(p), s.apiAccount) }

	// The cloud: regions, key pairs, instances.
	keys := api.NewKeyPairs(sv.regions, gw, sv.keys)
	v1.GET("/regions", api.NewRegions(sv.regions).List, inAccount(auth.PermBind))
	v1.GET("/regions/:region/keypairs", keys.List, inAccount(auth.PermBind))
	v1.GET("/regions/:region/keypairs/:name", keys.Show, inAccount(auth.PermBind))
	v1.POST("/regions/:region/keypairs", api.NewKeyPairImport(sv.regions, sv.keys).Import, inAccount(auth.PermManageKeys))
	v1.GET("/regions/:region/instances", api.NewInstances(sv.regions, sv.instances).List, inAccount(auth.PermBind))

	// Jobs: create, read, and the result grid's actions. Creating names the
	// account in the body; a job's routes work in the job's account.
	create := api.NewJobsCreate(sv.binding, engine, s.deps.Accounts)
	actions := api.NewJobActions(engine)
	v1.GET("/jobs", api.NewJobsList(engine).List, view, s.apiVisibleJobs)
	v1.POST("/jobs/bind", create.Bind, bind)
	v1.POST("/jobs/unbind", create.Unbind, bind)
	inJob := func(p auth.Permission) echo.MiddlewareFunc { return chain(need(p), s.jobAccount(auth.ViaAPI)) }
	bind, restart, view := inJob(auth.PermBind), inJob(auth.PermRestart), inJob(auth.PermViewJobs)
	v1.GET("/jobs/:id", api.NewJobShow(engine).Show, view)
	v1.POST("/jobs/:id/rollback", create.Rollback, bind)
	v1.POST("/jobs/:id/reboot", actions.Reboot, restart)
	v1.POST("/jobs/:id/start", actions.Start, restart)
	v1.POST("/jobs/:id/reboot-running", actions.RebootRunning, restart)
	v1.POST("/jobs/:id/start-stopped", actions.StartStopped, restart)
	v1.POST("/jobs/:id/retry-failed", actions.RetryFailed, bind, restart)
	v1.POST("/jobs/:id/items/:instance/resolve", actions.Resolve, restart)
	v1.POST("/jobs/:id/pause", actions.Pause, restart)
	v1.POST("/jobs/:id/resume", actions.Resume, restart)
	v1.POST("/jobs/:id/cancel", actions.Cancel, restart)

	// Administration.
	v1.GET("/audit", api.NewAudit(s.deps.Auth).List, need(auth.PermReadAudit))
}

// tokenRoutes are the personal API token actions of the account page.
func (s *Server) tokenRoutes(user *echo.Group) {
	t := handlers.NewTokens(s.deps.Auth.Tokens())
	user.POST("/account/tokens", t.Create)
	user.POST("/account/tokens/:id/revoke", t.Revoke)
}
