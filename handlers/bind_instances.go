package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/selection"
	"keybind/views"
	"keybind/views/components"
)

// InstanceLister reads instances from the cloud.
type InstanceLister interface {
	Instances(ctx context.Context, region string, f cloud.InstanceFilter) (cloud.InstancePage, error)
	AllInstances(ctx context.Context, region string, f cloud.InstanceFilter) ([]cloud.Instance, error)
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

// BindInstances is step 3 of binding: choose the instances.
type BindInstances struct {
	regions   *regionCache
	instances InstanceLister
	sel       Selections
}

// NewBindInstances builds the instance step.
func NewBindInstances(r RegionLister, i InstanceLister, s Selections) *BindInstances {
	return &BindInstances{regions: newRegionCache(r), instances: i, sel: s}
}

// instanceStatuses are the statuses the filter offers.
var instanceStatuses = []string{"Running", "Stopped", "Starting", "Stopping", "Pending"}

const defaultInstancePageSize = 50

// listRequest is the region, key, filter and page of an instance list.
type listRequest struct {
	mode   string // "bind", or "unbind" (the list shows only instances with the key)
	region cloud.Region
	key    string
	filter views.InstanceFilter
	page   int
	size   int
}

// parseList reads and validates the list parameters (query or form).
func (h *BindInstances) parseList(c echo.Context) (listRequest, error) {
	var lr listRequest
	region, err := h.regions.lookup(c.Request().Context(), c.FormValue("region"))
	if err != nil {
		return lr, err
	}
	lr.region = region
	lr.mode = "bind"
	if c.FormValue("mode") == "unbind" {
		lr.mode = "unbind"
	}
	lr.key = c.FormValue("key")
	if !validKeyPairName(lr.key) {
		return lr, apperr.BadRequest("Choose a key pair first.")
	}
	lr.filter = views.InstanceFilter{
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

// selKey is where the selection of this flow is kept: binding and unbinding
// keep separate selections per region.
func (lr listRequest) selKey() string {
	if lr.mode == "unbind" {
		return "unbind:" + lr.region.ID
	}
	return lr.region.ID
}

// plan classifies instances for this flow.
func (lr listRequest) plan(ids []string, found []cloud.Instance, missing []string) jobs.Plan {
	if lr.mode == "unbind" {
		return jobs.PlanUnbind(lr.region.ID, lr.key, ids, found, missing)
	}
	return jobs.PlanBind(lr.region.ID, lr.key, ids, found, missing)
}

// cloudFilter turns the form's filter into the gateway's, refusing bad input.
func cloudFilter(f views.InstanceFilter) (cloud.InstanceFilter, error) {
	var cf cloud.InstanceFilter
	fields := map[string]string{}
	if f.Name != "" {
		if len([]rune(f.Name)) > 128 {
			fields["name"] = "A name filter has at most 128 characters."
		}
		cf.Name = wildcard(f.Name)
	}
	if f.ID != "" {
		if !selection.ValidID(f.ID) {
			fields["id"] = "An instance ID is i- followed by lowercase letters and digits."
		}
		cf.IDs = []string{f.ID}
	}
	if f.IP != "" {
		ip, err := parseIP(f.IP)
		if err != nil {
			fields["ip"] = "Enter one IPv4 address, such as 10.0.0.5."
		}
		cf.PrivateIPs = []string{ip}
	}
	if f.Status != "" {
		ok := false
		for _, s := range instanceStatuses {
			ok = ok || s == f.Status
		}
		if !ok {
			fields["status"] = "Choose a status from the list."
		}
		cf.Status = cloud.Status(f.Status)
	}
	if f.Tag != "" {
		k, v, _ := strings.Cut(f.Tag, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" || len(k) > 128 || len(v) > 128 {
			fields["tag"] = "Write a tag as key=value (or just key)."
		}
		cf.Tags = []cloud.Tag{{Key: k, Value: v}}
	}
	if len(fields) > 0 {
		return cf, apperr.Invalid("Check the filter.", fields)
	}
	return cf, nil
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
	varyOnHTMX(c)
	if isHTMX(c) {
		return render(c, http.StatusOK, views.InstanceListFragment(list, State(c).CSRFToken))
	}
	return render(c, http.StatusOK, views.InstancePick(views.InstancePickPage{
		Page: page(c, "Choose instances", "bind"), Region: lr.region.ID, RegionName: lr.region.Name, Key: lr.key,
		Statuses: instanceStatuses, List: list, Mode: lr.mode,
	}))
}

// list reads one page of instances and marks what is selected and selectable.
func (h *BindInstances) list(c echo.Context, lr listRequest) (views.InstanceList, error) {
	ctx := c.Request().Context()
	userID := State(c).User.ID
	l := views.InstanceList{Region: lr.region.ID, Key: lr.key, Filter: lr.filter, Mode: lr.mode}
	l.Pager = components.PagerProps{Page: lr.page, PageSize: lr.size, BaseURL: "/bind/instances", Query: lr.query(), Label: "instances"}
	n, err := h.sel.Count(ctx, userID, lr.selKey())
	if err != nil {
		return l, err
	}
	l.Selected = n
	cf, err := cloudFilter(lr.filter)
	if err != nil {
		return l, err
	}
	if lr.mode == "unbind" {
		cf.KeyPairName = lr.key // only instances that have the key can lose it
	}
	cf.PageNumber, cf.PageSize = lr.page, lr.size
	res, err := h.instances.Instances(ctx, lr.region.ID, cf)
	if err == nil && res.Total == 0 && len(cf.PrivateIPs) > 0 {
		// An address may be public rather than private: ask again.
		cf.PublicIPs, cf.PrivateIPs = cf.PrivateIPs, nil
		res, err = h.instances.Instances(ctx, lr.region.ID, cf)
	}
	if err != nil {
		State(c).Logger.Warn("list instances", "err", err)
		l.Error = cloudMessage(err)
		return l, nil
	}
	l.Pager.Total = res.Total
	ids := make([]string, len(res.Items))
	for i, in := range res.Items {
		ids[i] = in.ID
	}
	selected, err := h.sel.Selected(ctx, userID, lr.selKey(), ids)
	if err != nil {
		return l, err
	}
	plan := lr.plan(ids, res.Items, nil)
	for i, in := range res.Items {
		row := instanceRow(in)
		if reason := plan.Rows[i].Excluded; reason != jobs.ExcludedNone {
			row.Reason = reason.Label()
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

// statusTone colours an instance status; the word itself is always shown.
func statusTone(s cloud.Status) components.Tone {
	switch s {
	case cloud.StatusRunning:
		return components.ToneOK
	case cloud.StatusStopped:
		return components.ToneMuted
	}
	return components.ToneInfo
}
