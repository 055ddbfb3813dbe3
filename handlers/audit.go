package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/export"
	"keybind/internal/store"
	"keybind/views"
	"keybind/views/components"
)

// AuditReader reads the audit trail for someone allowed to.
type AuditReader interface {
	ListAudit(ctx context.Context, actor auth.Actor, f store.AuditFilter) ([]store.AuditEntry, int, error)
	EachAudit(ctx context.Context, actor auth.Actor, f store.AuditFilter, fn func(store.AuditEntry) error) error
}

// JobReasons reads the reasons people gave for jobs; *jobs.Engine provides it.
type JobReasons interface {
	Reasons(ctx context.Context, ids []int64) (map[int64]string, error)
}

// Audit is the administrators' audit log page and its exports.
type Audit struct {
	audit   AuditReader
	reasons JobReasons
}

// NewAudit builds the audit handlers.
func NewAudit(a AuditReader, r JobReasons) *Audit { return &Audit{audit: a, reasons: r} }

const auditPageSize = 50

// parseAuditFilter reads the filter form; bad values are field errors
// (user and action share the "filter" message).
func parseAuditFilter(c echo.Context) (views.AuditFilter, store.AuditFilter, map[string]string) {
	vf := views.AuditFilter{
		User: strings.TrimSpace(c.QueryParam("user")), Action: strings.TrimSpace(c.QueryParam("action")),
		Instance: strings.TrimSpace(c.QueryParam("instance")), From: c.QueryParam("from"), To: c.QueryParam("to"),
	}
	sf, err := auth.AuditQuery(vf).Filter()
	errs := apperr.FieldWords(err)
	for _, k := range []string{"user", "action"} {
		if msg, ok := errs[k]; ok {
			delete(errs, k)
			errs["filter"] = msg
		}
	}
	return vf, sf, errs
}

func (f auditQuery) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"user": f.User, "action": f.Action, "instance": f.Instance, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

type auditQuery views.AuditFilter

// Show renders one page of the filtered audit trail, newest first.
func (h *Audit) Show(c echo.Context) error {
	vf, sf, errs := parseAuditFilter(c)
	q := auditQuery(vf).values()
	p := views.AuditPage{Page: page(c, "Audit log", "audit"), Filter: vf, Errors: errs,
		ExportCSV: "/audit/export.csv?" + q.Encode(), ExportJSON: "/audit/export.json?" + q.Encode()}
	pageNo := pageParam(c.QueryParam("page"))
	p.Pager = components.PagerProps{Page: pageNo, PageSize: auditPageSize, BaseURL: "/audit", Query: q, Label: "entries"}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		return render(c, status, views.Audit(p))
	}
	sf.Page, sf.PageSize = pageNo, auditPageSize
	rows, total, err := h.audit.ListAudit(c.Request().Context(), request.Actor(c, auth.ViaWeb), sf)
	if err != nil {
		return err
	}
	p.Pager.Total = total
	var jobIDs []int64
	for _, e := range rows {
		p.Rows = append(p.Rows, auditRow(e))
		if e.JobID != 0 {
			jobIDs = append(jobIDs, e.JobID)
		}
	}
	// Entries about a job show the reason given for it.
	reasons, err := h.reasons.Reasons(c.Request().Context(), slices.Compact(slices.Sorted(slices.Values(jobIDs))))
	if err != nil {
		return err
	}
	for i := range p.Rows {
		p.Rows[i].JobReason = reasons[p.Rows[i].JobID]
	}
	return render(c, status, views.Audit(p))
}

func auditRow(e store.AuditEntry) views.AuditRow {
	r := views.AuditRow{Time: e.Time.UTC().Format("2006-01-02 15:04:05"), User: e.Username, Role: e.Role, IP: e.ClientIP,
		Action: e.Action, Account: e.Account, Region: e.Region, KeyPair: e.KeyPair, Instances: strings.Join(e.InstanceIDs, " "),
		InstanceCount: len(e.InstanceIDs), Outcome: e.Outcome, OutcomeTone: outcomeTone(e.Outcome), Detail: e.Detail,
		RequestIDs: strings.Join(e.RequestIDs, " "), JobID: e.JobID}
	if r.User == "" {
		r.User = "—"
	}
	return r
}

var auditHeader = []string{"time_utc", "user", "role", "via", "client_ip", "action", "outcome", "account", "region", "key_pair", "instance_ids", "detail", "request_ids", "job_id"}

// ExportCSV writes every entry the filter selects as CSV.
func (h *Audit) ExportCSV(c echo.Context) error {
	_, sf, errs := parseAuditFilter(c)
	if len(errs) > 0 {
		return apperr.Invalid("Check the filter.", errs)
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="keybind-audit.csv"`)
	out := export.NewCSV(w)
	started := false
	err := h.audit.EachAudit(c.Request().Context(), request.Actor(c, auth.ViaWeb), sf, func(e store.AuditEntry) error {
		if !started {
			started = true
			w.WriteHeader(http.StatusOK)
			if err := out.Row(auditHeader...); err != nil {
				return err
			}
		}
		return out.Row(e.Time.UTC().Format(time.RFC3339), e.Username, e.Role, e.Via, e.ClientIP, e.Action, e.Outcome,
			e.Account, e.Region, e.KeyPair, export.Join(e.InstanceIDs), e.Detail, export.Join(e.RequestIDs), jobIDText(e.JobID))
	})
	if err != nil {
		return err
	}
	if !started {
		if err := out.Row(auditHeader...); err != nil {
			return err
		}
	}
	return out.Flush()
}

// ExportJSON writes every entry the filter selects as a JSON array.
func (h *Audit) ExportJSON(c echo.Context) error {
	_, sf, errs := parseAuditFilter(c)
	if len(errs) > 0 {
		return apperr.Invalid("Check the filter.", errs)
	}
	list := []export.AuditEntry{} // the same shape as GET /api/v1/audit
	err := h.audit.EachAudit(c.Request().Context(), request.Actor(c, auth.ViaWeb), sf, func(e store.AuditEntry) error {
		list = append(list, export.Audit(e))
		return nil
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="keybind-audit.json"`)
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}

func jobIDText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
