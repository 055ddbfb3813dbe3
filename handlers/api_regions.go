package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
)

// APIRegions lists the regions the account can use.
type APIRegions struct{ regions *regionCache }

// NewAPIRegions builds GET /api/v1/regions.
func NewAPIRegions(r RegionLister) *APIRegions { return &APIRegions{regions: newRegionCache(r)} }

type apiRegion struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Available bool   `json:"available"`
}

// List answers every region.
func (h *APIRegions) List(c echo.Context) error {
	if err := onlyQuery(c); err != nil {
		return err
	}
	regions, err := h.regions.list(c.Request().Context())
	if err != nil {
		return err
	}
	out := struct {
		Items []apiRegion `json:"items"`
	}{Items: make([]apiRegion, 0, len(regions))}
	for _, r := range regions {
		out.Items = append(out.Items, apiRegion{ID: r.ID, Name: r.Name, Available: r.Available})
	}
	return c.JSON(http.StatusOK, out)
}

// apiRegionParam looks up the region named in the path: 404 if there is none.
func apiRegionParam(ctx context.Context, rc *regionCache, id string) (cloud.Region, error) {
	if !regionPattern.MatchString(id) {
		return cloud.Region{}, apperr.NotFound("The region")
	}
	return rc.lookup(ctx, id)
}

// apiRegionField looks up the region named in a request body: a missing or
// unknown one is a validation error on field.
func apiRegionField(ctx context.Context, rc *regionCache, field, id string) (cloud.Region, error) {
	if id == "" {
		return cloud.Region{}, apperr.Invalid("Name the region.", map[string]string{field: "Required: a region ID such as cn-hangzhou."})
	}
	if !regionPattern.MatchString(id) {
		return cloud.Region{}, apperr.Invalid("Check the region.", map[string]string{field: "A region ID looks like cn-hangzhou."})
	}
	r, err := rc.lookup(ctx, id)
	if e, ok := apperr.As(err); ok && e.Status == http.StatusNotFound {
		return r, apperr.Invalid("Check the region.", map[string]string{field: "There is no region " + id + "."})
	}
	return r, err
}
