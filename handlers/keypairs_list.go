package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/sshkey"
	"keybind/views"
	"keybind/views/components"
)

// KeyPairsList is the key pairs page: a region's key pairs with search,
// paging, fingerprints and how many instances use each.
type KeyPairsList struct {
	regions *regionCache
	keys    KeyPairLister
	usage   InstanceFinder
	prefs   PrefStore
}

// NewKeyPairsList builds the key pairs page.
func NewKeyPairsList(r RegionLister, k KeyPairLister, i InstanceFinder, p PrefStore) *KeyPairsList {
	return &KeyPairsList{regions: newRegionCache(r), keys: k, usage: i, prefs: p}
}

const keyPairsPageSize = 20

// Show lists the region's key pairs, or asks for the region.
func (h *KeyPairsList) Show(c echo.Context) error {
	if c.QueryParam("region") == "" {
		return h.chooseRegion(c)
	}
	ctx := c.Request().Context()
	region, err := h.regions.lookup(ctx, c.QueryParam("region"))
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 128 || strings.ContainsAny(q, "\x00\r\n") {
		return apperr.BadRequest("A key pair name has at most 128 characters.")
	}
	pageNo := pageParam(c.QueryParam("page"))
	role := State(c).User.Role
	p := views.KeyPairsPage{Page: page(c, "Key pairs in "+region.Name, "keypairs"), Region: region.ID, RegionName: region.Name,
		Query: q, CanManage: role.Can(auth.PermManageKeys), CanDelete: role.Can(auth.PermDeleteKeys)}
	res, err := h.keys.KeyPairs(ctx, region.ID, cloud.KeyPairFilter{Name: wildcard(q), PageNumber: pageNo, PageSize: keyPairsPageSize})
	if err != nil {
		State(c).Logger.Warn("list key pairs", "region", region.ID, "err", err)
		p.Error = cloudMessage(err)
	}
	names := make([]string, len(res.Items))
	for i, k := range res.Items {
		names[i] = k.Name
	}
	counts, err := countUsage(ctx, h.usage, region.ID, names)
	if err != nil {
		State(c).Logger.Warn("count key pair usage", "region", region.ID, "err", err)
		p.UsageError = "keybind could not count the instances that use these key pairs (shown as —): " + cloudMessage(err)
	}
	for _, k := range res.Items {
		row := views.KeyPairRow{Name: k.Name, MD5: k.Fingerprint, Created: formatTime(k.CreatedAt), InUse: -1,
			URL: keyPairURL(region.ID, k.Name), BindURL: bindURL(region.ID, k.Name)}
		if n, ok := counts[k.Name]; ok && err == nil {
			row.InUse = n
		}
		row.Algorithm, row.Weak = keySummary(k.PublicKey)
		p.Rows = append(p.Rows, row)
	}
	p.Pager = components.PagerProps{Page: pageNo, PageSize: keyPairsPageSize, Total: res.Total, BaseURL: "/keypairs",
		Query: url.Values{"region": {region.ID}, "q": {q}}, Label: "key pairs"}
	return render(c, http.StatusOK, views.KeyPairs(p))
}

// chooseRegion asks which region's key pairs to show, the user's last
// region preselected.
func (h *KeyPairsList) chooseRegion(c echo.Context) error {
	rc := chooseRegion(c, h.regions, h.prefs)
	p := views.KeyPairRegionPage{Page: page(c, "Key pairs", "keypairs"), Regions: rc.regions, Selected: rc.selected, Error: rc.err}
	return render(c, http.StatusOK, views.KeyPairRegion(p))
}

// keySummary is the key's type and size for a list ("RSA 4096"), and
// whether keybind would refuse it today.
func keySummary(publicKey string) (string, bool) {
	if publicKey == "" {
		return "", false
	}
	k, err := sshkey.Inspect(publicKey)
	switch {
	case err == nil:
		s := k.Algorithm()
		if !strings.HasPrefix(s, "ECDSA") && s != "Ed25519" {
			s += " " + strconv.Itoa(k.Bits)
		}
		return s, k.Check() != nil
	case errors.Is(err, sshkey.ErrWeak):
		return "DSA", true
	}
	return "", false
}
