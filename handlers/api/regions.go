package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/internal/inventory"
)

// RegionLister lists the cloud's regions.
type RegionLister interface {
	Regions(ctx context.Context) ([]cloud.Region, error)
}

// RegionFinder finds a region by ID; *inventory.Regions provides it.
type RegionFinder interface {
	Region(ctx context.Context, id string) (cloud.Region, error)
}

// Regions lists the regions the account can use.
type Regions struct{ regions RegionLister }

// NewRegions builds GET /api/v1/regions.
func NewRegions(r RegionLister) *Regions { return &Regions{regions: r} }

type apiRegion struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Available bool   `json:"available"`
}

// List answers every region.
func (h *Regions) List(c echo.Context) error {
	if err := onlyQuery(c, "account"); err != nil { // the web layer reads the account
		return err
	}
	regions, err := h.regions.Regions(c.Request().Context())
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

// regionParam looks up the region named in the path: 404 if there is none.
func regionParam(ctx context.Context, rf RegionFinder, id string) (cloud.Region, error) {
	r, err := rf.Region(ctx, id)
	if errors.Is(err, inventory.ErrRegionIDInvalid) {
		return r, apperr.NotFound("The region")
	}
	return r, err
}

// regionField turns a region error of a request body into a validation
// error on field: a missing, malformed or unknown region.
func regionField(field, id string, err error) error {
	switch {
	case id == "":
		return apperr.Invalid("Name the region.", map[string]string{field: "Required: a region ID such as cn-hangzhou."})
	case errors.Is(err, inventory.ErrRegionIDInvalid):
		return apperr.Invalid("Check the region.", map[string]string{field: "A region ID looks like cn-hangzhou."})
	case errors.Is(err, inventory.ErrRegionNotFound):
		return apperr.Invalid("Check the region.", map[string]string{field: "There is no region " + id + "."})
	}
	return err
}
