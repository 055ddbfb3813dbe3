package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/views"
)

// RegionLister lists the cloud's regions.
type RegionLister interface {
	Regions(ctx context.Context) ([]cloud.Region, error)
}

// RegionFinder finds a region by ID; *inventory.Regions provides it.
type RegionFinder interface {
	Region(ctx context.Context, id string) (cloud.Region, error)
}

// Regions lists the regions and finds one; *inventory.Regions provides it.
type Regions interface {
	RegionLister
	RegionFinder
}

// regionChoice is what a region picker shows: the regions, the user's last
// choice, and a plain message when the cloud could not list them.
type regionChoice struct {
	regions  []views.Region
	selected string
	err      string
}

// chooseRegion reads the regions and the user's last choice.
func chooseRegion(c echo.Context, rl RegionLister, prefs PrefStore) regionChoice {
	ctx := c.Request().Context()
	var rcv regionChoice
	regions, err := rl.Regions(ctx)
	if err != nil {
		request.Get(c).Logger.Warn("list regions", "err", err)
		rcv.err = apperr.CloudMessage(err)
	}
	for _, r := range regions {
		rcv.regions = append(rcv.regions, views.Region{ID: r.ID, Name: r.Name, Available: r.Available})
	}
	if last, err := prefs.Pref(ctx, request.Get(c).User, regionPref(c)); err == nil {
		rcv.selected = last
	}
	if rcv.selected == "" && len(request.Get(c).AccountRegions) > 0 {
		rcv.selected = request.Get(c).AccountRegions[0] // the account's first default region
	}
	return rcv
}
