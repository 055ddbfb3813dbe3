package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/accounts"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/jobs"
)

// usableKey is where cloudAccount leaves the accounts the person may use,
// for jobAccount.
const usableKey = "keybind.usable_accounts"

// accountSessionKey is where the session remembers the cloud account the
// person works in.
const accountSessionKey = "cloud_account"

// noAccount is the account of a request made before one was chosen: the
// gateway knows no account of that name, so a cloud call fails rather than
// work in the default account by accident.
const noAccount = "-"

// cloudAccount puts the cloud account the person works in on the request:
// the one asked for with ?account= on a GET (remembered), else the one the
// session remembers, else the only one they may use. Asking for one that is
// not granted is refused (403) and audited; a remembered one that is no
// longer granted is passed over. Without an account the request's cloud calls
// fail; needAccount sends the person to choose one first.
func (s *Server) cloudAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := request.Get(c)
		r := c.Request()
		ctx := r.Context()
		actor := request.Actor(c, auth.ViaWeb)
		want := ""
		if r.Method == http.MethodGet {
			want = c.QueryParam("account")
		}
		remembered, _ := st.Session.Values[accountSessionKey].(string)
		usable, err := s.deps.Accounts.Usable(ctx, actor)
		if err != nil {
			return err
		}
		c.Set(usableKey, usable)
		st.Usable = usable
		ctx = visibleJobs(ctx, actor, usable)
		name := want
		if name == "" {
			if i := slices.IndexFunc(usable, func(a accounts.Account) bool { return a.Name == remembered }); i < 0 {
				remembered = "" // no longer granted (or never chosen)
			}
			name = accounts.Pick(usable, remembered)
		}
		if name == "" {
			st.Account = ""
			c.SetRequest(r.WithContext(cloud.WithAccount(ctx, noAccount)))
			return next(c)
		}
		actx, err := s.use(ctx, actor, name, usable)
		if err != nil {
			return err
		}
		if want != "" && want != remembered { // only a choice is remembered, not the only account there was
			st.Session.Values[accountSessionKey] = name
			if err := st.Session.Save(r, c.Response()); err != nil {
				return err
			}
		}
		st.Account = name
		if i := slices.IndexFunc(usable, func(a accounts.Account) bool { return a.Name == name }); i >= 0 {
			st.AccountRegions = usable[i].DefaultRegions
		}
		c.SetRequest(r.WithContext(actx))
		return next(c)
	}
}

// visibleJobs keeps the job lists of a person who may not use every
// account to the jobs of the accounts they may use.
func visibleJobs(ctx context.Context, actor auth.Actor, usable []accounts.Account) context.Context {
	if actor.Can(auth.PermAllAccounts) {
		return ctx
	}
	names := make([]string, len(usable))
	for i, a := range usable {
		names[i] = a.Name
	}
	return jobs.OnlyAccounts(ctx, names)
}

// apiVisibleJobs is visibleJobs for the API's job list; ?account= keeps
// the jobs of that account, if the caller may use it (a refusal is audited).
func (s *Server) apiVisibleJobs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, actor := c.Request().Context(), request.Actor(c, auth.ViaAPI)
		if name := c.QueryParam("account"); name != "" {
			if _, err := s.deps.Accounts.Use(ctx, actor, name); err != nil {
				return err
			}
			c.SetRequest(c.Request().WithContext(jobs.OnlyAccounts(ctx, []string{name})))
			return next(c)
		}
		usable, err := s.deps.Accounts.Usable(ctx, actor)
		if err != nil {
			return err
		}
		c.SetRequest(c.Request().WithContext(visibleJobs(ctx, actor, usable)))
		return next(c)
	}
}

// needAccount sends a person who has not chosen a cloud account to choose
// one, and back afterwards.
func needAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if request.Get(c).Account != "" {
			return next(c)
		}
		r := c.Request()
		choose := "/accounts/choose?next=" + url.QueryEscape(r.URL.RequestURI())
		if r.Method != http.MethodGet {
			return apperr.Conflict("Choose a cloud account first.") // the edge words it in the person's language
		}
		if r.Header.Get(htmx.Request) == "true" {
			c.Response().Header().Set(htmx.Redirect, choose)
			return c.NoContent(http.StatusOK)
		}
		return c.Redirect(http.StatusSeeOther, choose)
	}
}

// jobAccount makes the request work in the account of the job in the path,
// whatever account the person has chosen, if they may use it: a job's
// grid, actions and rollback belong to its account. Refusals are audited.
func (s *Server) jobAccount(via string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := request.JobID(c)
			if err != nil {
				return err
			}
			ctx, actor := c.Request().Context(), request.Actor(c, via)
			account, err := s.deps.Jobs.JobAccount(ctx, id)
			if fault.KindOf(err) == fault.KindNotFound {
				return next(c) // the handler says so, after checking its input
			}
			if err != nil {
				return err
			}
			// The accounts cloudAccount read for this request answer most
			// asks (a grid polls every 2 s); Use decides, and audits, the rest.
			usable, _ := c.Get(usableKey).([]accounts.Account)
			actx, err := s.use(ctx, actor, account, usable)
			if err != nil {
				return err
			}
			request.Get(c).Account = account
			c.SetRequest(c.Request().WithContext(actx))
			return next(c)
		}
	}
}

// use is accounts.Service.Use answered from the accounts the request
// already knows the person may use; Use decides, and audits, the rest.
func (s *Server) use(ctx context.Context, actor auth.Actor, name string, usable []accounts.Account) (context.Context, error) {
	if slices.ContainsFunc(usable, func(a accounts.Account) bool { return a.Name == name }) {
		return accounts.Context(ctx, name, actor), nil
	}
	return s.deps.Accounts.Use(ctx, actor, name)
}

// chain runs the middleware in order, the first outermost.
func chain(ms ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		for i := len(ms) - 1; i >= 0; i-- {
			next = ms[i](next)
		}
		return next
	}
}

// accountRoutes are the account chooser, for everyone, and the
// administrators' cloud accounts page.
func (s *Server) accountRoutes(user *echo.Group) {
	user.GET("/accounts/choose", handlers.AccountChoose{}.Show)
	h := handlers.NewAccounts(s.deps.Accounts)
	manage := s.requirePerm(auth.PermManageAccounts)
	user.GET("/accounts", h.Show, manage)
	user.POST("/accounts", h.Create, manage)
	user.POST("/accounts/:name/test", h.Test, manage)
	user.POST("/accounts/:name/delete", h.Delete, manage)
	user.POST("/accounts/:name/grants", h.Grant, manage)
	user.POST("/accounts/:name/grants/remove", h.Revoke, manage)
}

// apiAccount makes an API request work in the cloud account ?account= names
// (default "default"), if the caller may use it; a refusal is audited.
func (s *Server) apiAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		name := c.QueryParam("account")
		if name == "" {
			name = accounts.Default
		}
		actx, err := s.deps.Accounts.Use(c.Request().Context(), request.Actor(c, auth.ViaAPI), name)
		if err != nil {
			return err
		}
		request.Get(c).Account = name
		c.SetRequest(c.Request().WithContext(actx))
		return next(c)
	}
}
