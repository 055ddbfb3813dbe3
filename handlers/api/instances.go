package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/internal/cloud"
	"keybind/internal/export"
	"keybind/internal/inventory"
	"keybind/internal/jobs"
)

// InstanceSearch reads instances with the picker's rules;
// *inventory.Instances provides it.
type InstanceSearch interface {
	Page(ctx context.Context, region string, f cloud.InstanceFilter, fresh bool) (inventory.Page, error)
}

// Instances lists a region's instances with the console's filters.
type Instances struct {
	regions RegionFinder
	search  InstanceSearch
}

// NewInstances builds GET /api/v1/regions/:region/instances.
func NewInstances(r RegionFinder, s InstanceSearch) *Instances {
	return &Instances{regions: r, search: s}
}

const (
	instancesPageSize   = 50
	apiInstancesMaxPage = 100 // DescribeInstances' largest page
)

type apiTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// apiInstance is an instance as the API shows it. excluded_reason says why
// a binding would leave it out ("" when it can take a key pair), in the
// review page's words in excluded_label.
type apiInstance struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Status         string   `json:"status"`
	OSType         string   `json:"os_type"`
	OSName         string   `json:"os_name"`
	KeyPair        string   `json:"key_pair"`
	Zone           string   `json:"zone"`
	InstanceType   string   `json:"instance_type"`
	IoOptimized    bool     `json:"io_optimized"`
	PublicIPs      []string `json:"public_ips"`
	PrivateIPs     []string `json:"private_ips"`
	Tags           []apiTag `json:"tags"`
	Bindable       bool     `json:"bindable"`
	ExcludedReason string   `json:"excluded_reason"`
	ExcludedLabel  string   `json:"excluded_label"`
}

// List answers one page of instances. name is a wildcard (a plain word
// matches anywhere), ip a private or else public IPv4 address, tag
// key=value or key, status one of Running, Stopped, Starting, Stopping,
// Pending: the instance picker's filter and rules.
func (h *Instances) List(c echo.Context) error {
	ctx := c.Request().Context()
	region, err := regionParam(ctx, h.regions, c.Param("region"))
	if err != nil {
		return err
	}
	if err := onlyQuery(c, "account", "name", "id", "ip", "status", "tag", "page", "page_size"); err != nil {
		return err
	}
	page, size, err := apiPaging(c, instancesPageSize, apiInstancesMaxPage)
	if err != nil {
		return err
	}
	cf, err := (inventory.Filter{
		Name:   strings.TrimSpace(c.QueryParam("name")),
		ID:     strings.TrimSpace(c.QueryParam("id")),
		IP:     strings.TrimSpace(c.QueryParam("ip")),
		Status: c.QueryParam("status"),
		Tag:    strings.TrimSpace(c.QueryParam("tag")),
	}).Cloud()
	if err != nil {
		return err
	}
	cf.PageNumber, cf.PageSize = page, size
	res, err := h.search.Page(ctx, region.ID, cf, true) // scripts read the cloud as it is now
	if err != nil {
		return err
	}
	ids := make([]string, len(res.Items))
	for i, in := range res.Items {
		ids[i] = in.ID
	}
	plan := jobs.PlanBind(region.ID, "", ids, res.Items)
	out := apiList[apiInstance]{Region: region.ID, apiPage: apiPage[apiInstance]{Page: page, PageSize: size, Total: res.Total, Items: make([]apiInstance, 0, len(res.Items))}}
	for i, in := range res.Items {
		item := toAPIInstance(in)
		if r := plan.Rows[i].Excluded; r != jobs.ExcludedNone {
			item.ExcludedReason, item.ExcludedLabel = string(r), r.Label()
		} else {
			item.Bindable = true
		}
		out.Items = append(out.Items, item)
	}
	return c.JSON(http.StatusOK, out)
}

func toAPIInstance(in cloud.Instance) apiInstance {
	os := in.OSNameEn
	if os == "" {
		os = in.OSName
	}
	out := apiInstance{ID: in.ID, Name: in.Name, Status: string(in.Status), OSType: in.OSType, OSName: os,
		KeyPair: in.KeyPairName, Zone: in.ZoneID, InstanceType: in.InstanceType, IoOptimized: in.IoOptimized,
		PublicIPs: export.NonNil(in.PublicIPs), PrivateIPs: export.NonNil(in.PrivateIPs), Tags: []apiTag{}}
	for _, t := range in.Tags {
		out.Tags = append(out.Tags, apiTag{Key: t.Key, Value: t.Value})
	}
	return out
}
