package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/store"
)

// APIAudit reads the audit trail (administrators only).
type APIAudit struct{ audit AuditReader }

// NewAPIAudit builds GET /api/v1/audit.
func NewAPIAudit(a AuditReader) *APIAudit { return &APIAudit{audit: a} }

const apiAuditMaxPage = 500

type apiAuditEntry struct {
	ID          int64    `json:"id"`
	Time        string   `json:"time"`
	User        string   `json:"user"`
	Role        string   `json:"role"`
	Via         string   `json:"via"`
	ClientIP    string   `json:"client_ip"`
	Action      string   `json:"action"`
	Outcome     string   `json:"outcome"`
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
	Detail      string   `json:"detail"`
	RequestIDs  []string `json:"request_ids"`
	JobID       *int64   `json:"job_id"`
}

// List answers one page of the trail, newest first, with the audit page's
// filters: user, action, instance, from and to (dates, to inclusive).
func (h *APIAudit) List(c echo.Context) error {
	if err := onlyQuery(c, "user", "action", "instance", "from", "to", "page", "page_size"); err != nil {
		return err
	}
	page, size, err := apiPaging(c, auditPageSize, apiAuditMaxPage)
	if err != nil {
		return err
	}
	_, sf, errs := parseAuditFilter(c)
	if len(errs) > 0 {
		if msg, ok := errs["filter"]; ok { // the page's shared message for user and action
			delete(errs, "filter")
			errs["user"], errs["action"] = msg, msg
		}
		return apperr.Invalid("Check the filter.", errs)
	}
	sf.Page, sf.PageSize = page, size
	rows, total, err := h.audit.ListAudit(c.Request().Context(), apiActor(c), sf)
	if err != nil {
		return err
	}
	out := struct {
		Page     int             `json:"page"`
		PageSize int             `json:"page_size"`
		Total    int             `json:"total"`
		Items    []apiAuditEntry `json:"items"`
	}{Page: page, PageSize: size, Total: total, Items: make([]apiAuditEntry, 0, len(rows))}
	for _, e := range rows {
		out.Items = append(out.Items, toAPIAudit(e))
	}
	return c.JSON(http.StatusOK, out)
}

func toAPIAudit(e store.AuditEntry) apiAuditEntry {
	a := apiAuditEntry{ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), User: e.Username, Role: e.Role, Via: e.Via, ClientIP: e.ClientIP,
		Action: e.Action, Outcome: e.Outcome, Region: e.Region, KeyPair: e.KeyPair, InstanceIDs: nonNil(e.InstanceIDs),
		Detail: e.Detail, RequestIDs: nonNil(e.RequestIDs)}
	if e.JobID != 0 {
		id := e.JobID
		a.JobID = &id
	}
	return a
}
