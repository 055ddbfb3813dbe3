package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/accounts"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/views"
)

// AccountAdmin is the cloud account administration the accounts page
// needs; *accounts.Service provides it.
type AccountAdmin interface {
	All(ctx context.Context, actor auth.Actor) ([]accounts.Account, error)
	Grants(ctx context.Context, actor auth.Actor) ([]accounts.Grant, error)
	Create(ctx context.Context, actor auth.Actor, in accounts.Input) (accounts.Account, error)
	Delete(ctx context.Context, actor auth.Actor, name string) error
	Test(ctx context.Context, actor auth.Actor, name string) ([]cloud.Region, error)
	AddGrant(ctx context.Context, actor auth.Actor, account, subject string) error
	RemoveGrant(ctx context.Context, actor auth.Actor, account, subject string) error
}

// Accounts is the administrators' cloud accounts page.
type Accounts struct{ svc AccountAdmin }

// NewAccounts builds the cloud accounts page handlers.
func NewAccounts(s AccountAdmin) *Accounts { return &Accounts{svc: s} }

// Show lists the accounts and who may use each.
func (h *Accounts) Show(c echo.Context) error {
	return h.render(c, http.StatusOK, views.CloudAccountForm{}, nil, nil)
}

// kindWords names a kind of cloud account in the person's language.
func kindWords(c echo.Context, kind string) string {
	return request.T(c, "acct.kind_"+strings.ReplaceAll(kind, "-", "_"))
}

func (h *Accounts) render(c echo.Context, status int, form views.CloudAccountForm, errs map[string]string, test *views.AccountTest) error {
	ctx, actor := c.Request().Context(), request.Actor(c, auth.ViaWeb)
	all, err := h.svc.All(ctx, actor)
	if err != nil {
		return err
	}
	grants, err := h.svc.Grants(ctx, actor)
	if err != nil {
		return err
	}
	p := views.AccountsPage{Page: page(c, request.T(c, "acct_cols.nav_accounts"), "accounts"), Form: form, Errors: errs, Test: test}
	for _, a := range all {
		row := views.CloudAccountRow{Name: a.Name, Kind: kindWords(c, a.Kind), Credential: a.AccessKeyID + a.RoleARN,
			DefaultRegions: strings.Join(a.DefaultRegions, ", "), Builtin: a.Kind == accounts.KindBuiltin}
		if !a.CreatedAt.IsZero() {
			row.Created = formatTime(c, a.CreatedAt)
		}
		for _, g := range grants {
			if g.Account == a.Name {
				row.Grants = append(row.Grants, g.Subject)
			}
		}
		p.Accounts = append(p.Accounts, row)
	}
	return render(c, status, views.Accounts(p))
}

// Create adds an account; the secret is never shown again, not even on a
// form with errors.
func (h *Accounts) Create(c echo.Context) error {
	in := accounts.Input{Name: c.FormValue("name"), AccessKeyID: c.FormValue("access_key_id"), AccessKeySecret: c.FormValue("access_key_secret"),
		RoleARN: c.FormValue("role_arn"), ExternalID: c.FormValue("external_id"), DefaultRegions: c.FormValue("default_regions")}
	form := views.CloudAccountForm{Name: in.Name, AccessKeyID: in.AccessKeyID, RoleARN: in.RoleARN, ExternalID: in.ExternalID, DefaultRegions: in.DefaultRegions}
	_, err := h.svc.Create(c.Request().Context(), request.Actor(c, auth.ViaWeb), in)
	var fe *fault.Error
	if errors.As(err, &fe) && (fe.Kind == fault.KindInvalid || fe.Code == accounts.ErrExists.Code || fe.Code == accounts.ErrBuiltin.Code) {
		errs := apperr.FieldWords(err)
		for k, v := range errs {
			errs[k] = request.Loc(c).English(v)
		}
		if errs == nil {
			e, _ := apperr.FromFault(err)
			errs = map[string]string{cmpOr(fe.Field, "name"): localMessage(c, e)}
		}
		return h.render(c, http.StatusUnprocessableEntity, form, errs, nil)
	}
	if err != nil {
		return err
	}
	if err := addFlash(c, "success", request.T(c, "acct.added", "Name", in.Name)); err != nil {
		return err
	}
	return redirect(c, "/accounts")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Test calls DescribeRegions in the account and shows what it answered.
func (h *Accounts) Test(c echo.Context) error {
	name := c.Param("name")
	regions, err := h.svc.Test(c.Request().Context(), request.Actor(c, auth.ViaWeb), name)
	if fault.KindOf(err) == fault.KindNotFound {
		return err
	}
	t := &views.AccountTest{Account: name, OK: err == nil}
	var ce *cloud.Error
	switch {
	case errors.As(err, &ce):
		t.Error = request.T(c, "acct.test_error", "Message", cloudCodeWords(c, ce.Code, apperr.CloudMessage(err)), "Code", ce.Code)
	case err != nil:
		return err
	}
	for _, r := range regions {
		t.Regions = append(t.Regions, r.ID)
	}
	return h.render(c, http.StatusOK, views.CloudAccountForm{}, nil, t)
}

// Delete removes an account and its grants.
func (h *Accounts) Delete(c echo.Context) error {
	return h.act(c, "acct.deleted", h.svc.Delete)
}

// Grant lets a user, an SSO group or everyone work in the account.
func (h *Accounts) Grant(c echo.Context) error {
	return h.act(c, "acct.granted", func(ctx context.Context, a auth.Actor, name string) error {
		return h.svc.AddGrant(ctx, a, name, c.FormValue("subject"))
	})
}

// Revoke takes a grant back.
func (h *Accounts) Revoke(c echo.Context) error {
	return h.act(c, "acct.revoked", func(ctx context.Context, a auth.Actor, name string) error {
		return h.svc.RemoveGrant(ctx, a, name, c.FormValue("subject"))
	})
}

// act does one change to the account the path names and goes back to the
// accounts page with a flash that says so (msgID, worded with the name).
func (h *Accounts) act(c echo.Context, msgID string, change func(ctx context.Context, a auth.Actor, name string) error) error {
	name := c.Param("name")
	if err := change(c.Request().Context(), request.Actor(c, auth.ViaWeb), name); err != nil {
		return err
	}
	if err := addFlash(c, "success", request.T(c, msgID, "Name", name)); err != nil {
		return err
	}
	return redirect(c, "/accounts")
}
