package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/binding"
	"keybind/internal/cloud"
	"keybind/internal/inventory"
	"keybind/internal/jobs"
	"keybind/internal/sshkey"
	"keybind/views"
	"keybind/views/components"
)

// InstanceSearch reads instances with the picker's rules;
// *inventory.Instances provides it.
type InstanceSearch interface {
	Page(ctx context.Context, region string, f cloud.InstanceFilter, fresh bool) (inventory.Page, error)
	All(ctx context.Context, region string, f cloud.InstanceFilter, limit int) ([]cloud.Instance, error)
}

// InstancesByID reads instances by ID; *cloud.Gateway provides it.
type InstancesByID interface {
	InstancesByID(ctx context.Context, region string, ids []string) ([]cloud.Instance, []string, error)
}

// Selections keeps each user's selected instances per region.
type Selections interface {
	Add(ctx context.Context, userID int64, region string, ids []string) (int, error)
	Remove(ctx context.Context, userID int64, region string, ids []string) (int, error)
	Clear(ctx context.Context, userID int64, region string) error
	Count(ctx context.Context, userID int64, region string) (int, error)
	Selected(ctx context.Context, userID int64, region string, ids []string) (map[string]bool, error)
	IDs(ctx context.Context, userID int64, region string) ([]string, error)
}

// Clock tells handlers what time it is (for "listed 4 seconds ago").
type Clock interface{ Now() time.Time }

// BindInstances is step 3 of binding: choose the instances.
type BindInstances struct {
	regions   inventory.RegionFinder
	search    InstanceSearch
	instances InstancesByID
	sel       Selections
	clock     Clock
}

// NewBindInstances builds the instance step.
func NewBindInstances(r inventory.RegionFinder, s InstanceSearch, i InstancesByID, sel Selections, clock Clock) *BindInstances {
	return &BindInstances{regions: r, search: s, instances: i, sel: sel, clock: clock}
}

const defaultInstancePageSize = 50

// listRequest is the region, key, filter and page of an instance list.
type listRequest struct {
	mode   string // "bind", or "unbind" (the list shows only instances with the key)
	region cloud.Region
	key    string
	filter inventory.Filter
	page   int
	size   int
}

// parseList reads and validates the list parameters (query or form).
func (h *BindInstances) parseList(c echo.Context) (listRequest, error) {
	var lr listRequest
	region, err := h.regions.Region(c.Request().Context(), c.FormValue("region"))
	if err != nil {
		return lr, err
	}
	lr.region = region
	lr.mode = "bind"
	if c.FormValue("mode") == "unbind" {
		lr.mode = "unbind"
	}
	lr.key = c.FormValue("key")
	if sshkey.ValidName(lr.key) != nil {
		return lr, binding.ErrKeyPairNameInvalid
	}
	lr.filter = inventory.Filter{
		Name:   strings.TrimSpace(c.FormValue("name")),
		ID:     strings.TrimSpace(c.FormValue("id")),
		IP:     strings.TrimSpace(c.FormValue("ip")),
		Status: c.FormValue("status"),
		Tag:    strings.TrimSpace(c.FormValue("tag")),
	}
	lr.page = pageParam(c.FormValue("page"))
	lr.size = defaultInstancePageSize
	if s, err := strconv.Atoi(c.FormValue("size")); err == nil && s >= 10 && s <= 100 {
		lr.size = s
	}
	return lr, nil
}

// query is the list's filter as URL parameters, without the page.
func (lr listRequest) query() url.Values {
	q := url.Values{"region": {lr.region.ID}, "key": {lr.key}}
	if lr.mode == "unbind" {
		q.Set("mode", "unbind")
	}
	for k, v := range map[string]string{"name": lr.filter.Name, "id": lr.filter.ID, "ip": lr.filter.IP, "status": lr.filter.Status, "tag": lr.filter.Tag} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if lr.size != defaultInstancePageSize {
		q.Set("size", strconv.Itoa(lr.size))
	}
	return q
}

// url is the list's address at its current page.
func (lr listRequest) url() string {
	q := lr.query()
	q.Set("page", strconv.Itoa(lr.page))
	return "/bind/instances?" + q.Encode()
}

// selKey is where the selection of this flow is kept.
func (lr listRequest) selKey() string { return selectionKey(lr.mode, lr.region.ID) }

// selectionKey is where the selection of a flow ("bind" or "unbind") in a
// region is kept: binding and unbinding keep separate selections.
func selectionKey(mode, region string) string {
	if mode == string(jobs.KindUnbind) {
		return "unbind:" + region
	}
	return region
}

// plan classifies instances for this flow. An instance that already has
// the key can be selected: the review says it will not change, and the
// person may still ask to send the key again.
func (lr listRequest) plan(ids []string, found []cloud.Instance) jobs.Plan {
	if lr.mode == "unbind" {
		return jobs.PlanUnbind(lr.region.ID, lr.key, ids, found)
	}
	return jobs.PlanBind(lr.region.ID, lr.key, ids, found).IncludeSame()
}

// cloudFilter is the list's filter for the gateway: only instances that
// have the key when unbinding.
func (lr listRequest) cloudFilter() (cloud.InstanceFilter, error) {
	cf, err := lr.filter.Cloud()
	if lr.mode == "unbind" {
		cf.KeyPairName = lr.key // only instances that have the key can lose it
	}
	return cf, err
}

// Show renders the instance picker.
func (h *BindInstances) Show(c echo.Context) error {
	lr, err := h.parseList(c)
	if err != nil {
		return err
	}
	list, err := h.list(c, lr)
	if err != nil {
		return err
	}
	htmx.Vary(c)
	if htmx.Is(c) {
		return render(c, http.StatusOK, views.InstanceListFragment(list, request.Get(c).CSRFToken))
	}
	return render(c, http.StatusOK, views.InstancePick(views.InstancePickPage{
		Page: page(c, request.T(c, "pick.title"), "bind"), Region: lr.region.ID, RegionName: lr.region.Name, Key: lr.key,
		Statuses: inventory.Statuses, List: list, Mode: lr.mode,
	}))
}

// list reads one page of instances and marks what is selected and selectable.
func (h *BindInstances) list(c echo.Context, lr listRequest) (views.InstanceList, error) {
	ctx := c.Request().Context()
	userID := request.Get(c).User.ID
	l := views.InstanceList{Region: lr.region.ID, Key: lr.key, Filter: views.InstanceFilter(lr.filter), Mode: lr.mode}
	l.Pager = components.PagerProps{Page: lr.page, PageSize: lr.size, BaseURL: "/bind/instances", Query: lr.query(), Label: "instances"}
	n, err := h.sel.Count(ctx, userID, lr.selKey())
	if err != nil {
		return l, err
	}
	l.Selected = n
	cf, err := lr.cloudFilter()
	if err != nil {
		return l, err
	}
	cf.PageNumber, cf.PageSize = lr.page, lr.size
	res, err := h.search.Page(ctx, lr.region.ID, cf, c.FormValue("refresh") == "1")
	if err != nil {
		request.Get(c).Logger.Warn("list instances", "err", err)
		l.Error = apperr.CloudMessage(err)
		return l, nil
	}
	l.Pager.Total = res.Total
	l.Listed = ago(c, res.FetchedAt, h.clock.Now())
	q := lr.query()
	q.Set("page", strconv.Itoa(lr.page))
	q.Set("refresh", "1")
	l.RefreshURL = "/bind/instances?" + q.Encode()
	ids := make([]string, len(res.Items))
	for i, in := range res.Items {
		ids[i] = in.ID
	}
	selected, err := h.sel.Selected(ctx, userID, lr.selKey(), ids)
	if err != nil {
		return l, err
	}
	plan := lr.plan(ids, res.Items)
	for i, in := range res.Items {
		row := instanceRow(in)
		if reason := plan.Rows[i].Excluded; reason != jobs.ExcludedNone {
			row.Reason = excludeLabel(c, reason)
		} else {
			row.Selectable = true
			row.Selected = selected[in.ID]
		}
		l.Rows = append(l.Rows, row)
	}
	return l, nil
}

// instanceRow maps a cloud instance to the picker's row.
func instanceRow(in cloud.Instance) views.InstanceRow {
	os := in.OSNameEn
	if os == "" {
		os = in.OSName
	}
	if os == "" {
		os = in.OSType
	}
	name := in.Name
	if name == "" {
		name = in.ID
	}
	return views.InstanceRow{
		ID: in.ID, Name: name, Status: string(in.Status), StatusTone: statusTone(in.Status), OS: os,
		KeyPair: in.KeyPairName, Zone: in.ZoneID, Type: in.InstanceType,
		PublicIPs: strings.Join(in.PublicIPs, ", "), PrivateIPs: strings.Join(in.PrivateIPs, ", "),
	}
}
