package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/export"
	"keybind/internal/store"
)

// AuditReader reads the audit trail for someone allowed to; *auth.Service
// provides it.
type AuditReader interface {
	ListAudit(ctx context.Context, actor auth.Actor, f store.AuditFilter) ([]store.AuditEntry, int, error)
}

// Audit reads the audit trail (administrators only).
type Audit struct{ audit AuditReader }

// NewAudit builds GET /api/v1/audit.
func NewAudit(a AuditReader) *Audit { return &Audit{audit: a} }

const (
	auditPageSize   = 50
	apiAuditMaxPage = 500
)

// List answers one page of the trail, newest first, with the audit page's
// filters: user, action, instance, from and to (dates, to inclusive).
func (h *Audit) List(c echo.Context) error {
	if err := onlyQuery(c, "user", "action", "account", "instance", "from", "to", "page", "page_size"); err != nil {
		return err
	}
	page, size, err := apiPaging(c, auditPageSize, apiAuditMaxPage)
	if err != nil {
		return err
	}
	q := auth.AuditQuery{User: strings.TrimSpace(c.QueryParam("user")), Action: strings.TrimSpace(c.QueryParam("action")),
		Instance: strings.TrimSpace(c.QueryParam("instance")), From: c.QueryParam("from"), To: c.QueryParam("to")}
	sf, err := q.Filter()
	if err != nil {
		return err
	}
	sf.Page, sf.PageSize = page, size
	if sf.Account = strings.TrimSpace(c.QueryParam("account")); len(sf.Account) > 64 {
		return apperr.Invalid("Check the filter.", map[string]string{"account": "At most 64 characters."})
	}
	rows, total, err := h.audit.ListAudit(c.Request().Context(), request.Actor(c, auth.ViaAPI), sf)
	if err != nil {
		return err
	}
	out := apiPage[export.AuditEntry]{Page: page, PageSize: size, Total: total, Items: make([]export.AuditEntry, 0, len(rows))}
	for _, e := range rows {
		out.Items = append(out.Items, export.Audit(e))
	}
	return c.JSON(http.StatusOK, out)
}
