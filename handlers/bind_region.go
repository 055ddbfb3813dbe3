package handlers

import (
	"context"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/views"
)

// PrefStore remembers small per-user choices, such as the last region.
type PrefStore interface {
	Pref(ctx context.Context, u *auth.User, name string) (string, error)
	SetPref(ctx context.Context, u *auth.User, name, value string) error
}

const prefRegion = "last_region"

// regionPref is where the last region is kept: one per cloud account (the
// default account's is the one kept before there were accounts).
func regionPref(c echo.Context) string {
	acct := request.Get(c).Account
	if acct == "" || acct == "default" {
		return prefRegion
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(acct))
	return prefRegion + "." + strconv.FormatUint(h.Sum64(), 36)
}

// BindRegion is step 1 of binding: choose the region.
type BindRegion struct {
	regions Regions
	prefs   PrefStore
}

// NewBindRegion builds the region step.
func NewBindRegion(r Regions, p PrefStore) *BindRegion { return &BindRegion{regions: r, prefs: p} }

// Show lists the regions with the user's last choice preselected.
func (h *BindRegion) Show(c echo.Context) error {
	rc := chooseRegion(c, h.regions, h.prefs)
	p := views.RegionPickPage{Page: page(c, "Choose a region", "bind"), Regions: rc.regions, Selected: rc.selected, Error: rc.err}
	return render(c, http.StatusOK, views.RegionPick(p))
}

// Choose remembers the region and moves on to the key pair.
func (h *BindRegion) Choose(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.regions.Region(ctx, c.FormValue("region"))
	if err != nil {
		return err
	}
	if err := h.prefs.SetPref(ctx, request.Get(c).User, regionPref(c), r.ID); err != nil {
		return err
	}
	return redirect(c, "/bind/key?"+url.Values{"region": {r.ID}}.Encode())
}
