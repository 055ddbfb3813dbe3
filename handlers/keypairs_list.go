package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/keypairs"
	"keybind/internal/sshkey"
	"keybind/views"
)

// KeyUsageCounter tells how many instances use each key pair of a region,
// as last counted in the background; *keypairs.Service provides it.
type KeyUsageCounter interface {
	Usage(ctx context.Context, region string) keypairs.Usage
}

// KeyPairsList is the key pairs page: a region's key pairs with search,
// paging, fingerprints and how many instances use each.
type KeyPairsList struct {
	regions Regions
	keys    KeyPairLister
	usage   KeyUsageCounter
	prefs   PrefStore
	clock   Clock
}

// NewKeyPairsList builds the key pairs page.
func NewKeyPairsList(r Regions, k KeyPairLister, u KeyUsageCounter, p PrefStore, clock Clock) *KeyPairsList {
	return &KeyPairsList{regions: r, keys: k, usage: u, prefs: p, clock: clock}
}

const keyPairsPageSize = 20

// Show lists the region's key pairs, or asks for the region.
func (h *KeyPairsList) Show(c echo.Context) error {
	if c.QueryParam("region") == "" {
		return h.chooseRegion(c)
	}
	s, err := searchKeyPairs(c, h.regions, h.keys, keyPairsPageSize)
	if err != nil {
		return err
	}
	region, res := s.region, s.res
	role := request.Get(c).User.Role
	p := views.KeyPairsPage{Page: page(c, request.T(c, "kp.heading", "Region", region.Name), "keypairs"), Region: region.ID, RegionName: region.Name,
		Query: s.query, CanManage: role.Can(auth.PermManageKeys), CanDelete: role.Can(auth.PermDeleteKeys), Error: s.err}
	usage := h.usage.Usage(c.Request().Context(), region.ID)
	switch {
	case usage.Err != nil:
		request.Get(c).Logger.Warn("count key pair usage", "region", region.ID, "err", usage.Err)
		p.UsageError = "keybind could not count the instances that use these key pairs: " + apperr.CloudMessage(usage.Err)
		if usage.CountedAt.IsZero() {
			p.UsageError += " (shown as —)."
		}
	case usage.CountedAt.IsZero():
		p.UsageError = "keybind is counting the instances that use each key pair (shown as —). Reload the page in a moment."
	}
	if !usage.CountedAt.IsZero() {
		p.UsageCounted = ago(c, usage.CountedAt, h.clock.Now())
	}
	for _, k := range res.Items {
		row := views.KeyPairRow{Name: k.Name, MD5: k.Fingerprint, Created: formatTime(c, k.CreatedAt), InUse: -1,
			URL: keyPairURL(region.ID, k.Name), BindURL: bindURL(region.ID, k.Name)}
		if !usage.CountedAt.IsZero() {
			row.InUse = usage.Counts[k.Name]
		}
		row.Algorithm, row.Weak = sshkey.Summary(k.PublicKey)
		p.Rows = append(p.Rows, row)
	}
	p.Pager = s.pager("/keypairs")
	return render(c, http.StatusOK, views.KeyPairs(p))
}

// chooseRegion asks which region's key pairs to show, the user's last
// region preselected.
func (h *KeyPairsList) chooseRegion(c echo.Context) error {
	rc := chooseRegion(c, h.regions, h.prefs)
	p := views.KeyPairRegionPage{Page: page(c, request.T(c, "nav.keypairs"), "keypairs"), Regions: rc.regions, Selected: rc.selected, Error: rc.err}
	return render(c, http.StatusOK, views.KeyPairRegion(p))
}
