package handlers

import (
	"errors"
	"fmt"
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
	"keybind/internal/text"
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
		return apperr.BadRequest("A page holds at most 100 instances.")
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
		msg = fmt.Sprintf("Unselected %s on this page.", text.Plural(n, "instance", "instances"))
	} else {
		n, err := h.sel.Add(ctx, userID, lr.selKey(), ids)
		if err != nil {
			return selectionError(err)
		}
		msg = fmt.Sprintf("Selected %s on this page.", text.Plural(n, "more instance", "more instances"))
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
		return h.redrawStatus(c, http.StatusUnprocessableEntity, lr, fmt.Sprintf("Nothing was selected: %s match the filter, "+
			"and a selection holds at most %d. Narrow the filter (a name, a tag, a status) and select again.",
			text.Plural(tooMany.Total, "instance", "instances"), selection.Max), "error")
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
	msg := fmt.Sprintf("Selected %s matching the filter.", text.Plural(n, "more instance", "more instances"))
	kind := "success"
	if left := leftOutWords(lr.plan(ids, all)); left != "" {
		msg += " " + left + "."
		kind = "warning"
	}
	return h.redraw(c, lr, msg, kind)
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
		return h.redrawStatus(c, http.StatusUnprocessableEntity, lr, "Nothing was selected: "+pe.Error()+".", "error")
	case err != nil:
		return err
	case len(p.IDs) == 0:
		return h.redrawStatus(c, http.StatusUnprocessableEntity, lr, "Nothing was selected: the paste holds no instance ID (i- followed by lowercase letters and digits)"+ignoredWords(p)+".", "error")
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
	msg := fmt.Sprintf("Pasted %s: %s selected", text.Plural(len(p.IDs), "ID", "IDs"), text.Plural(n, "more instance", "more instances"))
	if dup := len(p.IDs) - n; dup > 0 {
		msg += fmt.Sprintf(", %d already selected", dup)
	}
	kind := "success"
	if left := leftOutWords(lr.plan(p.IDs, found)); left != "" {
		kind = "warning"
		msg += ". " + left
	}
	if len(missing) > 0 {
		kind = "warning"
		msg += fmt.Sprintf(". %s not in %s: %s; the review counts %s as not found", text.Plural(len(missing), "ID is", "IDs are"), lr.region.ID,
			strings.Join(text.FirstFew(missing, 5), ", "), text.Noun(len(missing), "it", "them"))
	}
	if p.IgnoredCount > 0 {
		kind = "warning"
		msg += ignoredWords(p)
	}
	return h.redraw(c, lr, msg+".", kind)
}

// leftOutWords says how many found instances of a plan cannot take a key
// pair, and why; "" when all can.
func leftOutWords(plan jobs.Plan) string {
	var reasons []string
	n := 0
	for _, reason := range jobs.ExcludeReasons {
		if k := plan.Counts.ExcludedBy[reason]; k > 0 && reason != jobs.ExcludedNotFound {
			reasons = append(reasons, fmt.Sprintf("%s: %d", reason.Label(), k))
			n += k
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%s); the review counts %s as not changing, with the reason", text.Plural(n, "instance cannot take a key pair", "instances cannot take a key pair"),
		strings.Join(reasons, "; "), text.Noun(n, "it", "them"))
}

// ignoredWords lists the pasted lines that held no instance ID.
func ignoredWords(p selection.Paste) string {
	if p.IgnoredCount == 0 {
		return ""
	}
	quoted := make([]string, len(p.Ignored))
	for i, l := range p.Ignored {
		quoted[i] = strconv.Quote(l)
	}
	if more := p.IgnoredCount - len(p.Ignored); more > 0 {
		quoted = append(quoted, fmt.Sprintf("and %d more", more))
	}
	return fmt.Sprintf(". Ignored %s without an instance ID: %s", text.Plural(p.IgnoredCount, "line", "lines"), strings.Join(quoted, ", "))
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
	return h.redraw(c, lr, "The selection is empty.", "info")
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
