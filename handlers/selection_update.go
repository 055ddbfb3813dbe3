package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/selection"
	"keybind/views"
)

// Toggle selects or unselects one instance (a row's checkbox) and answers
// with the selection summary only, so keyboard focus stays on the row.
func (h *BindInstances) Toggle(c echo.Context) error {
	lr, err := h.parseList(c)
	if err != nil {
		return err
	}
	id := c.FormValue("id")
	if !cloud.ValidInstanceID(id) {
		return apperr.BadRequest("That is not an instance ID.")
	}
	ctx := c.Request().Context()
	userID := request.Get(c).User.ID
	if c.FormValue("on") == "1" {
		_, err = h.sel.Add(ctx, userID, lr.selKey(), []string{id})
	} else {
		_, err = h.sel.Remove(ctx, userID, lr.selKey(), []string{id})
	}
	if err != nil {
		return selectionError(err)
	}
	n, err := h.sel.Count(ctx, userID, lr.selKey())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SelectionSummary(views.InstanceList{Region: lr.region.ID, Key: lr.key, Selected: n, Mode: lr.mode}))
}

// Page selects or unselects every selectable instance on the current page.
func (h *BindInstances) Page(c echo.Context) error {
	lr, err := h.parseList(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.BadRequest("The form could not be read.")
	}
	ids := form["id"]
	if len(ids) > 100 {
		return apperr.BadRequest(request.T(c, "sel.page_max"))
	}
	for _, id := range ids {
		if !cloud.ValidInstanceID(id) {
			return apperr.BadRequest("That is not an instance ID.")
		}
	}
	lr.filter.ID = "" // the form's "id" fields are the page's instances, not a filter
	ctx := c.Request().Context()
	userID := request.Get(c).User.ID
	var msg string
	if c.FormValue("op") == "remove" {
		n, err := h.sel.Remove(ctx, userID, lr.selKey(), ids)
		if err != nil {
			return selectionError(err)
		}
		msg = request.T(c, "sel.unselected_page", "Count", n)
	} else {
		n, err := h.sel.Add(ctx, userID, lr.selKey(), ids)
		if err != nil {
			return selectionError(err)
		}
		msg = request.T(c, "sel.selected_page", "Count", n)
	}
	return h.redraw(c, lr, msg, "success")
}

// Matching selects every instance that matches the filter, across all
// pages. Those that cannot take a key pair are selected too, and the
// message and the review count them with the reason, so nothing the filter
// matched is left out silently.
func (h *BindInstances) Matching(c echo.Context) error {
	lr, err := h.parseList(c)
	if err != nil {
		return err
	}
	cf, err := lr.cloudFilter()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	all, err := h.search.All(ctx, lr.region.ID, cf, selection.Max)
	var tooMany *cloud.TooManyError
	if errors.As(err, &tooMany) {
		return h.redrawStatus(c, http.StatusUnprocessableEntity, lr,
			request.T(c, "sel.too_many", "Count", tooMany.Total, "Max", selection.Max), "error")
	}
	if err != nil {
		return err
	}
	ids := make([]string, len(all))
	for i, in := range all {
		ids[i] = in.ID
	}
	n, err := h.sel.Add(ctx, request.Get(c).User.ID, lr.selKey(), ids)
	if err != nil {
		return selectionError(err)
	}
	msg := []string{request.T(c, "sel.selected_matching", "Count", n)}
	kind := "success"
	if left := leftOutWords(c, lr.plan(ids, all)); left != "" {
		msg = append(msg, left)
		kind = "warning"
	}
	return h.redraw(c, lr, sentences(c, msg), kind)
}

// Paste selects a pasted list of instance IDs. Every pasted ID is
// selected, even one that cannot take a key pair or that the cloud does not
// know: the review counts them at the top with the reason, so a list from
// elsewhere is accounted for line by line. Lines without an instance ID (a
// spreadsheet's header) are ignored and listed; the IDs around them count.
func (h *BindInstances) Paste(c echo.Context) error {
	lr, err := h.parseList(c)
	if err != nil {
		return err
	}
	p, err := selection.ParsePaste(c.FormValue("ids"))
	var pe *selection.ParseError
	switch {
	case errors.As(err, &pe):
		return h.redrawStatus(c, http.StatusUnprocessableEntity, lr, request.T(c, "sel.parse_error", "Reason", pe.Error()), "error")
	case err != nil:
		return err
	case len(p.IDs) == 0:
		return h.redrawStatus(c, http.StatusUnprocessableEntity, lr,
			sentences(c, []string{request.T(c, "sel.no_ids"), ignoredWords(c, p)}), "error")
	}
	ctx := c.Request().Context()
	found, missing, err := h.instances.InstancesByID(ctx, lr.region.ID, p.IDs)
	if err != nil {
		return err
	}
	n, err := h.sel.Add(ctx, request.Get(c).User.ID, lr.selKey(), p.IDs)
	if err != nil {
		return selectionError(err)
	}
	msg := []string{request.T(c, "sel.pasted", "Count", len(p.IDs), "Selected", n)}
	if dup := len(p.IDs) - n; dup > 0 {
		msg = append(msg, request.T(c, "sel.already_selected", "Count", dup))
	}
	kind := "success"
	if left := leftOutWords(c, lr.plan(p.IDs, found)); left != "" {
		kind = "warning"
		msg = append(msg, left)
	}
	if len(missing) > 0 {
		kind = "warning"
		msg = append(msg, request.T(c, "sel.missing", "Count", len(missing), "Region", lr.region.ID,
			"IDs", strings.Join(firstFew(c, missing, 5), request.T(c, "list.separator"))))
	}
	if p.IgnoredCount > 0 {
		kind = "warning"
		msg = append(msg, ignoredWords(c, p))
	}
	return h.redraw(c, lr, sentences(c, msg), kind)
}

// leftOutWords says how many found instances of a plan cannot take a key
// pair, and why; "" when all can.
func leftOutWords(c echo.Context, plan jobs.Plan) string {
	var reasons []string
	n := 0
	for _, reason := range jobs.ExcludeReasons {
		if k := plan.Counts.ExcludedBy[reason]; k > 0 && reason != jobs.ExcludedNotFound {
			reasons = append(reasons, request.T(c, "sel.reason_count", "Reason", excludeLabel(c, reason), "N", request.Loc(c).Number(k)))
			n += k
		}
	}
	if n == 0 {
		return ""
	}
	return request.T(c, "sel.left_out", "Count", n, "Reasons", strings.Join(reasons, request.T(c, "list.semicolon")))
}

// ignoredWords lists the pasted lines that held no instance ID.
func ignoredWords(c echo.Context, p selection.Paste) string {
	if p.IgnoredCount == 0 {
		return ""
	}
	quoted := make([]string, len(p.Ignored))
	for i, l := range p.Ignored {
		quoted[i] = strconv.Quote(l)
	}
	if more := p.IgnoredCount - len(p.Ignored); more > 0 {
		quoted = append(quoted, request.T(c, "list.more", "Count", more))
	}
	return request.T(c, "sel.ignored", "Count", p.IgnoredCount, "Lines", strings.Join(quoted, request.T(c, "list.separator")))
}

// Clear empties the selection.
func (h *BindInstances) Clear(c echo.Context) error {
	lr, err := h.parseList(c)
	if err != nil {
		return err
	}
	if err := h.sel.Clear(c.Request().Context(), request.Get(c).User.ID, lr.selKey()); err != nil {
		return err
	}
	return h.redraw(c, lr, request.T(c, "sel.empty"), "info")
}

// redraw answers a selection action with the list fragment (htmx) or a
// redirect back to the list (plain form post).
func (h *BindInstances) redraw(c echo.Context, lr listRequest, msg, kind string) error {
	return h.redrawStatus(c, http.StatusOK, lr, msg, kind)
}

func (h *BindInstances) redrawStatus(c echo.Context, status int, lr listRequest, msg, kind string) error {
	if !htmx.Is(c) {
		if err := addFlash(c, kind, msg); err != nil {
			return err
		}
		return redirect(c, lr.url())
	}
	l, err := h.list(c, lr)
	if err != nil {
		return err
	}
	l.Message, l.MessageKind = msg, kind
	return render(c, status, views.InstanceListFragment(l, request.Get(c).CSRFToken))
}

// selectionError explains a full selection; other errors pass through.
func selectionError(err error) error {
	var full *selection.FullError
	if errors.As(err, &full) {
		return apperr.Conflict(full.Error() + ". Review and bind these first, or clear the selection.")
	}
	return err
}
